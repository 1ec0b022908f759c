"""Use case: a partner system's concern arrives as an event; it goes through the same one door.

Decrypt (a JWE for intake alone), prove who sent it (a signed JWT inside, verified under the
partner's registered key: see `intake.adapters.partner_signing`), validate with the same
`ConcernIn` as every door, submit with the CloudEvents id as idempotency key. Anything wrong is a
permanent error naming the field: the event is dead-lettered with that reason and the partner can
fix and resend.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from joserfc.jwk import ECKey
from pydantic import ValidationError

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import PartnerConcernV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors import PermanentError
from intake.adapters.partner_keys import open_jwe
from intake.adapters.partner_signing import BadSignature, PartnerSigning
from intake.service_layer.problems import problems
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.submit import Accepted, IdempotencyConflict, InvalidConcern, Submission

PARTNER_SOURCE_PREFIX = "urn:frontdoor:partner:"


class PartnerConcernRejected(PermanentError):
    """A partner's concern breaks a rule; the reason names each field and how to fix it."""

    def __init__(self, problems: str | list[tuple[str, str]]) -> None:
        """`problems`: each (field, reason), or one as 'field: reason'."""
        if isinstance(problems, str):
            field, _, reason = problems.partition(": ")
            problems = [(field, reason)] if reason else [("data", problems)]
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


def problems_of(err: BaseException) -> list[tuple[str, str]]:
    """Each field and why, of a refusal (another permanent error says it as 'field: reason')."""
    return (err if isinstance(err, PartnerConcernRejected) else PartnerConcernRejected(str(err) or type(err).__name__)
            ).problems


def partner_of(source: str) -> str:
    """`urn:frontdoor:partner:<client_id>` links events to the partner's API client."""
    return source.removeprefix(PARTNER_SOURCE_PREFIX)[:200]


def submission_of(event: CloudEvent, data: PartnerConcernV1, key: ECKey, signing: PartnerSigning) -> Submission:
    """The partner event as a submission: decrypted, its sender proved where the council requires
    it, and validated; or `PartnerConcernRejected` naming the field and why."""
    partner = partner_of(event.source)
    plaintext, signed = open_jwe(key, data.jwe)
    try:
        if signed:
            concern = ConcernIn.model_validate(signing.verified_concern(partner, event.id, plaintext, now=time.time()))
        elif signing.must_sign(partner):
            raise PartnerConcernRejected([(
                "data.jwe", f"the council requires {partner[:100]!r} to sign its events: encrypt a signed JWT of "
                "the concern (iss the partner, jti the event id, iat, concern) with the JWE header cty JWT")])
        else:
            concern = ConcernIn.model_validate_json(plaintext)
    except BadSignature as err:
        raise PartnerConcernRejected([("data.jwe", str(err))]) from None
    except ValidationError as err:
        raise PartnerConcernRejected([(p["field"], p["reason"])
                                      for p in problems(list(err.errors(include_input=False)))]) from None
    return Submission(concern=concern, channel="partner", submitted_by=partner, idempotency_scope=partner,
                      idempotency_key=event.id, actor=Principal(subject=partner, kind="partner"))


def refusal(err: InvalidConcern | IdempotencyConflict) -> PartnerConcernRejected:
    if isinstance(err, InvalidConcern):
        return PartnerConcernRejected([(err.field, err.reason)])
    return PartnerConcernRejected([("id", str(err))])


async def accept(event: CloudEvent, data: PartnerConcernV1, key: ECKey, signing: PartnerSigning,
                 submit: Callable[[Submission], Awaitable[Accepted]]) -> Accepted:
    try:
        return await submit(submission_of(event, data, key, signing))
    except (InvalidConcern, IdempotencyConflict) as err:
        raise refusal(err) from None


async def accept_many(items: Sequence[tuple[CloudEvent, PartnerConcernV1]], key: ECKey, signing: PartnerSigning,
                      submit_many: Callable[[list[Submission]], Awaitable[Sequence[object]]]) -> None:
    """A batch of partner events with the effect of `accept` on each: submitted together. A refusal
    raises (the consumer then handles each event alone, and dead-letters the refused one)."""
    outcomes = await submit_many([submission_of(event, data, key, signing) for event, data in items])
    for outcome in outcomes:
        if isinstance(outcome, InvalidConcern | IdempotencyConflict):
            raise refusal(outcome)
