"""partner.concerns.v1: a partner's system follows up a concern it sent as an event (public, inbound).

Two events, on the same topic as the concern, each a compact JWE for intake alone (as
`PartnerConcernV1`) that MUST hold a signed JWT (JWE header `cty: JWT`; signed with a key the
council registered for the partner): acting on a concern that exists needs proof of who asks,
so there is no unsigned form. The JWT's claims: `iss` (the partner's client id, as in `source`),
`jti` (this event's `id`), `iat`, `concern_event_id` (the `id` of the partner's event that
submitted the concern: a partner names only its own concerns, and needs no reference), and:

- information added: `concern`, the concern section as it now stands (what
  `POST /api/v1/concerns/{reference}/information` takes), answering the council's request for more
  information; triage decides again;
- withdrawn: `reason`, a code of the council's list (`ConcernWithdrawnV1`'s reasons), before the
  council has decided.

A follow-up that cannot take effect (not the partner's concern, not waiting for information,
already decided) is dead-lettered with the reason, as any refused partner event.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract

JWE_DESCRIPTION = ("Compact JWE, encrypted to intake's public key, of the partner's signed JWT (cty JWT) "
                   "with iss, jti, iat, concern_event_id and the follow-up's own claim")


class PartnerInformationAddedV1(Contract):
    """A partner answers the council's request for more information about a concern it sent."""

    TYPE: ClassVar[str] = "uk.frontdoor.partner.concern.information-added.v1"
    TOPIC: ClassVar[str] = topics.PARTNER_CONCERNS
    VERSION: ClassVar[int] = 1

    jwe: str = Field(min_length=20, max_length=200_000, description=JWE_DESCRIPTION + " (concern)")


class PartnerConcernWithdrawnV1(Contract):
    """A partner withdraws a concern it sent, before the council has decided, giving a reason code."""

    TYPE: ClassVar[str] = "uk.frontdoor.partner.concern.withdrawn.v1"
    TOPIC: ClassVar[str] = topics.PARTNER_CONCERNS
    VERSION: ClassVar[int] = 1

    jwe: str = Field(min_length=20, max_length=200_000, description=JWE_DESCRIPTION + " (reason)")
