"""Use case: accept a concern through any door, once.

Idempotent by key (a resubmission returns the original reference), linked to any open concern
about the same child (never merged, never dropped), and published through the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from frontdoor_shared import jsontext
from frontdoor_shared.at_rest import Keyring
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.ids import new_id
from frontdoor_shared.sealed import seal
from frontdoor_shared.uow import UnitOfWork
from intake.adapters.repository import ConcernRepository, NewConcern, Prior
from intake.domain import checks
from intake.domain.model import Concern, Status, StatusChange, new_reference
from intake.service_layer import partner_feed
from intake.service_layer.schemas import ConcernIn


class InvalidConcern(ValueError):
    """The concern breaks a rule that needs the date it was received (dates of birth)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before for a different concern."""


@dataclass(frozen=True)
class Accepted:
    reference: str
    concern_id: uuid.UUID
    created: bool
    linked: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    concern: ConcernIn
    channel: str
    submitted_by: str | None = None
    idempotency_scope: str = "public"
    idempotency_key: str | None = None
    actor: Principal | None = None  # who submitted, for the audit trail


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum())


def match_keys(c: ConcernIn, secret: bytes) -> list[str]:
    """Keyed hashes that identify the same child without storing the identifiers in clear."""
    raw = []
    if c.child.nhs_number:
        raw.append(f"nhs:{c.child.nhs_number}")
    if c.child.upn:
        raw.append(f"upn:{c.child.upn}")
    born = c.child.date_of_birth or c.child.expected_delivery_date
    raw.append(f"npd:{_norm(c.child.given_name)}|{_norm(c.child.family_name)}|{born}|{c.child.postcode}")
    return [hmac.new(secret, k.encode(), hashlib.sha256).hexdigest() for k in raw]


def request_hash(c: ConcernIn) -> str:
    return hashlib.sha256(c.model_dump_json().encode()).hexdigest()


def check_dates(c: ConcernIn, received: date) -> list[str]:
    """Refuse impossible dates; the warnings, each `field: reason` like every submission warning
    (the FHIR door maps the field back to its element)."""
    try:
        if c.child.date_of_birth is not None:
            return [f"child.date_of_birth: {w}"
                    for w in checks.check_date_of_birth(c.child.date_of_birth, received, "child.date_of_birth")]
        if c.child.expected_delivery_date is not None:
            checks.check_expected_delivery_date(c.child.expected_delivery_date, received,
                                                "child.expected_delivery_date")
    except checks.CheckFailed as err:
        raise InvalidConcern(err.field, err.reason) from None
    return []


def carer_warnings(c: ConcernIn) -> list[str]:
    """A parent or carer after the first with no way to reach them stays on the record but is not
    written to (the first must be reachable: see `Family`). Whoever submitted is told, by field,
    as the web form says it on its check page; no name is echoed."""
    return [f"family.carers.{i}: no email, mobile number or postal address, so this parent or carer will "
            "not be told about the concern; to have them told, ask the council's SEND team to add one"
            for i, carer in enumerate(c.family.carers) if i and not (carer.email or carer.phone or carer.address)]


def recipients(c: ConcernIn) -> dict[str, object]:
    """What notifications needs to reach people: sealed for it alone before it leaves intake."""
    return {
        "child_given_name": c.child.given_name,
        "family": c.family.model_dump(mode="json"),
        "referrer": {"name": c.referrer.name, "email": c.referrer.email, "phone": c.referrer.phone,
                     "organisation": c.referrer.organisation},
    }


def submitted_event(concern: Concern, c: ConcernIn, received: date, sealed: str | None
                    ) -> ConcernSubmittedV1:
    dob = c.child.date_of_birth
    return ConcernSubmittedV1(
        concern_id=concern.id, reference=concern.reference, submitted_at=concern.submitted_at,
        channel=concern.channel, referrer_role=c.referrer.role,
        age_in_months=checks.age_in_months(dob, received) if dob else None,
        pre_birth=dob is None,
        compulsory_school_age_from=checks.compulsory_school_age_from(dob) if dob else None,
        need_codes=c.concern.need_codes, ranges=c.concern.ranges, screening=c.concern.screening,
        tried_for_weeks=max((t.weeks for t in c.concern.tried), default=None),
        urgency=c.concern.urgency, safeguarding=c.concern.safeguarding,
        parent_informed=c.concern.parent_informed,
        linked_concern_ids=concern.linked_concern_ids, recipients_sealed=sealed,
    )


async def submit(uow: UnitOfWork, sub: Submission, *, match_secret: bytes, keyring: Keyring,
                 notifications_key: str | None, clock: Callable[[], datetime] | None = None
                 ) -> Accepted:
    """One submission: `submit_many` of one, its refusal raised."""
    [outcome] = await submit_many(uow, [sub], match_secret=match_secret, keyring=keyring,
                                  notifications_key=notifications_key, clock=clock)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def submit_many(uow: UnitOfWork, subs: Sequence[Submission], *, match_secret: bytes, keyring: Keyring,
                      notifications_key: str | None, clock: Callable[[], datetime] | None = None
                      ) -> list[Accepted | InvalidConcern | IdempotencyConflict]:
    """Many submissions in one unit of work, with the effect of submitting each in turn, in TWO
    statements for any number (one lookup, one insert) and one commit.

    Each outcome is an `Accepted` or the refusal of that submission alone (`InvalidConcern`,
    `IdempotencyConflict`); the others stand. Within the group, a later submission with an earlier
    one's Idempotency-Key is its replay, and one about the same child is linked to it, as if the
    earlier one had committed first. Raises `IdempotencyRace` (nothing stored) when another
    transaction claimed one of the keys meanwhile: retry and the replays find the winner."""
    now = (clock or (lambda: datetime.now(UTC)))()
    outcomes: list[Accepted | InvalidConcern | IdempotencyConflict | None] = [None] * len(subs)
    checked: list[tuple[int, Submission, list[str], tuple[str, str] | None, list[str]]] = []
    for i, sub in enumerate(subs):
        try:
            warnings = check_dates(sub.concern, now.date()) + carer_warnings(sub.concern)
        except InvalidConcern as err:
            outcomes[i] = err
            continue
        scoped = (sub.idempotency_scope, sub.idempotency_key) if sub.idempotency_key is not None else None
        checked.append((i, sub, warnings, scoped, match_keys(sub.concern, match_secret)))
    repo = ConcernRepository(uow.conn, keyring)
    found = await repo.lookup_many([(scoped, keys) for _, _, _, scoped, keys in checked]) if checked else []
    earlier_keys: dict[tuple[str, str], tuple[Concern, str]] = {}  # claimed in this group: concern, hash
    earlier_children: dict[str, list[uuid.UUID]] = {}  # match key -> concerns of this group
    new: list[NewConcern] = []
    made: list[tuple[Concern, Submission]] = []
    for (i, sub, warnings, scoped, keys), (prior, linked) in zip(checked, found, strict=True):
        digest = request_hash(sub.concern) if scoped else ""
        if prior is None and scoped is not None and scoped in earlier_keys:
            first, first_hash = earlier_keys[scoped]
            prior = Prior(first.id, first.reference, first_hash, first.linked_concern_ids)
        if prior is not None:
            outcomes[i] = (IdempotencyConflict("Idempotency-Key was already used for a different concern")
                           if prior.request_hash != digest else  # the same concern: the same warnings
                           Accepted(prior.reference, prior.id, False, bool(prior.linked_concern_ids),
                                    tuple(warnings)))
            continue
        for k in keys:
            linked += [c for c in earlier_children.get(k, ()) if c not in linked]
        concern = Concern(id=new_id(), reference=new_reference(), channel=sub.channel, submitted_at=now,
                          details=sub.concern.model_dump(mode="json"), linked_concern_ids=linked)
        for k in keys:
            earlier_children.setdefault(k, []).append(concern.id)
        if scoped:
            earlier_keys[scoped] = (concern, digest)
        new.append(NewConcern(
            concern, sub.submitted_by, keys, (*scoped, digest) if scoped else None,
            {"linked": [str(c) for c in linked]} if linked else {},
            sub.actor or Principal(subject=sub.submitted_by or "unknown", kind=sub.channel),
            "concern submitted", sub.channel))
        made.append((concern, sub))
        outcomes[i] = Accepted(concern.reference, concern.id, True, bool(linked), tuple(warnings))
    done = [o for o in outcomes if o is not None]
    if len(done) != len(subs):  # every submission has its outcome before anything is written
        raise AssertionError("a submission was left without an outcome")
    if await repo.add_submitted_many(new):
        raise IdempotencyRace()
    heard = await partner_feed.listening(uow.conn, {sub.submitted_by for _, sub in made if sub.submitted_by
                                                    and sub.actor is not None and sub.actor.kind == "partner"})
    for (concern, sub), stored in zip(made, new, strict=True):
        sealed = (seal(notifications_key, jsontext.dumps_bytes(recipients(sub.concern)))
                  if notifications_key else None)
        uow.emit(submitted_event(concern, sub.concern, now.date(), sealed),
                 subject=concern.reference, key=str(concern.id))
        if sub.submitted_by in heard:
            partner_feed.tell(uow, partner_feed.Partnered(sub.submitted_by, concern.reference, sub.idempotency_key),
                              StatusChange(Status.SUBMITTED, now, stored.first_detail))
    await uow.commit()
    return done


class IdempotencyRace(RuntimeError):
    """Two requests with one Idempotency-Key raced; the loser retries and finds the winner."""
