"""intake.access-revoked.v1: sessions that must end now, not when their tokens run out.

Every service with a web side or an API checks signed tokens itself (no round trip per request),
so a session would otherwise outlive its sign-out, a changed or reset password, or a disabled
account or partner system by up to a token's lifetime. Intake, which signs people in, publishes
this; each service keeps it (and its inbox row) in its own database and refuses the tokens it
names from then on. An account's id and a random session id only: never a name, an email address
or a token.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract

RevocationReason = Literal["signed-out", "password-changed", "password-reset", "account-disabled",
                           "partner-disabled", "ended-by-council"]


class AccessRevokedV1(Contract):
    """One session (signed out), or every session of an account issued before a moment, ends."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.access.revoked.v1"
    TOPIC: ClassVar[str] = topics.ACCESS_REVOKED
    VERSION: ClassVar[int] = 1

    kind: Literal["staff", "partner"] = Field(description="A member of staff's account or a partner system")
    subject: str = Field(min_length=1, max_length=255, description=(
        "The account's id (the token's `sub`): a staff account id or a partner's client id; the Kafka key"))
    session_id: str | None = Field(default=None, min_length=1, max_length=255, description=(
        "The one session that ends (the token's `sid`); absent: every session of the account issued "
        "before `revoked_at`"))
    revoked_at: datetime = Field(description="When; every token of the account issued before it ends (no session_id)")
    until: datetime = Field(description=(
        "After this no token it names can be valid anyway (the longest lifetime a token could have "
        "had): services may forget it then"))
    reason: RevocationReason = Field(description="Why, as a code")

    @model_validator(mode="after")
    def _until_after_revoked(self) -> AccessRevokedV1:
        if self.until < self.revoked_at:
            raise ValueError("until must not be before revoked_at")
        return self
