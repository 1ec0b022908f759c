"""Use case: a partner follows up, by event, a concern it sent as an event.

It answers the council's request for more information, or withdraws the concern, naming the
concern by the id of the event that submitted it (its own idempotency key: a partner can name no
one else's concern). Acting on a concern that exists needs proof of who asks, so the event must
be signed (see `intake.adapters.partner_signing`). The effect, its audit line and the event's
inbox row are one transaction; what cannot take effect is a permanent refusal naming why, and
the event is dead-lettered with it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from joserfc.jwk import ECKey
from pydantic import ValidationError

from frontdoor_shared.at_rest import Keyring
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import PartnerConcernWithdrawnV1, PartnerInformationAddedV1
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from intake.adapters.partner_keys import open_jwe
from intake.adapters.partner_signing import BadSignature, PartnerSigning
from intake.adapters.repository import ConcernRepository
from intake.service_layer.partner import PartnerConcernRejected, partner_of
from intake.service_layer.problems import problems
from intake.service_layer.revise import NotAwaitingInformation, add_information_within
from intake.service_layer.schemas import ConcernDetail
from intake.service_layer.withdraw import NotWithdrawable, withdraw_within

FollowUpEvent = PartnerInformationAddedV1 | PartnerConcernWithdrawnV1


@dataclass(frozen=True)
class FollowUp:
    partner: str
    concern_event_id: str
    about: ConcernDetail | None = None  # information added
    reason: str | None = None  # withdrawn


def follow_up_of(event: CloudEvent, data: FollowUpEvent, key: ECKey, signing: PartnerSigning) -> FollowUp:
    """Decrypted, its sender proved and its claims checked; or `PartnerConcernRejected` naming why."""
    partner = partner_of(event.source)
    plaintext, signed = open_jwe(key, data.jwe)
    if not signed:
        raise PartnerConcernRejected("data.jwe: a follow-up must be signed: encrypt a signed JWT (iss the partner, "
                                     "jti the event id, iat, concern_event_id and its claim) with the JWE header "
                                     "cty JWT")
    try:
        claims = signing.verified_claims(partner, event.id, plaintext, now=time.time())
    except BadSignature as err:
        raise PartnerConcernRejected(f"data.jwe: {err}") from None
    concern_event_id = claims.get("concern_event_id")
    if not isinstance(concern_event_id, str) or not 0 < len(concern_event_id) <= 200:
        raise PartnerConcernRejected("concern_event_id: the id of the event that sent the concern is needed")
    if isinstance(data, PartnerConcernWithdrawnV1):
        reason = claims.get("reason")
        if reason not in WITHDRAWAL_REASONS:
            raise PartnerConcernRejected(f"reason: choose one of: {', '.join(WITHDRAWAL_REASONS)}")
        return FollowUp(partner, concern_event_id, reason=str(reason))
    if not isinstance(claims.get("concern"), dict):
        raise PartnerConcernRejected("concern: the concern section as it now stands is needed, as an object")
    try:
        about = ConcernDetail.model_validate(claims["concern"])
    except ValidationError as err:
        detail = "; ".join(f"concern.{p['field']}: {p['reason']}"
                           for p in problems(list(err.errors(include_input=False))))
        raise PartnerConcernRejected(detail) from None
    return FollowUp(partner, concern_event_id, about=about)


async def apply(uow: UnitOfWork, event: CloudEvent, topic: str, follow: FollowUp, keyring: Keyring) -> None:
    """The follow-up's effect, once (the inbox row in the same transaction)."""
    actor = Principal(subject=follow.partner, kind="partner")
    async with uow:
        if not await uow.first_time(event, topic):
            return
        found = await ConcernRepository(uow.conn).keyed(follow.partner, follow.concern_event_id)
        if found is None:
            raise PartnerConcernRejected(f"concern_event_id: {follow.partner[:100]!r} sent no concern as event "
                                         f"{follow.concern_event_id[:100]!r}")
        reference = found[0]
        try:
            if follow.about is not None:
                await add_information_within(uow, reference, follow.about, actor=actor, channel="partner",
                                             keyring=keyring)
            else:
                assert follow.reason is not None
                await withdraw_within(uow, reference, follow.reason, actor=actor, channel="partner")
        except (NotAwaitingInformation, NotWithdrawable) as err:
            raise PartnerConcernRejected(f"concern_event_id: {err}") from None
        except ValidationError as err:  # a rule across the concern's parts, with the new answers
            detail = "; ".join(f"{p['field']}: {p['reason']}" for p in problems(list(err.errors(include_input=False))))
            raise PartnerConcernRejected(detail) from None
        await uow.commit()
