"""Submissions written as a group (a batch of partner events, or API calls arriving together) have
the effect of submitting each in turn: replays, refusals and links to the same child, one by one
(real PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from intake.adapters import orm
from intake.adapters.repository import ConcernRepository
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.submit import (
    Accepted,
    IdempotencyConflict,
    IdempotencyRace,
    InvalidConcern,
    Submission,
    submit_many,
)
from tests.support import a_concern

pytestmark = pytest.mark.integration


def _concern(nhs: str, given_name: str = "Groupchild", **changes: Any) -> ConcernIn:
    body = a_concern(given_name=given_name)
    body["child"]["nhs_number"] = nhs
    body["child"].update(changes)
    return ConcernIn.model_validate(body)


def _subs() -> list[Submission]:
    first = _concern("9990000018")
    return [
        Submission(first, "partner", "p1", "p1", "key-1"),
        Submission(_concern("9990000018", given_name="Sibling-note"), "partner", "p1", "p1", "key-2"),  # same child
        Submission(first, "partner", "p1", "p1", "key-1"),  # the first again: a replay
        Submission(_concern("9990000026"), "partner", "p1", "p1", "key-1"),  # key-1 for another concern
        Submission(_concern("9990000034", date_of_birth=(date.today() + timedelta(days=40)).isoformat()),
                   "api", "p1", "p1", "key-3"),  # born in the future
        Submission(_concern("9990000042", given_name="Another"), "api", "p1"),  # no key, another child
    ]


def _shape(outcomes: list[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for o in outcomes:
        if isinstance(o, Accepted):
            out.append(("accepted", o.created, o.linked))
        else:
            out.append((type(o).__name__, getattr(o, "field", None)))
    return out


async def _intake(test_stack: Any) -> Intake:
    database = await asyncio.to_thread(fresh_database, test_stack)
    return Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))


async def _stored(intake: Intake) -> dict[str, Any]:
    async with intake.runtime.engine.connect() as conn:
        concerns = (await conn.execute(sa.select(orm.concern.c.id, orm.concern.c.linked_concern_ids)
                                       .order_by(orm.concern.c.submitted_at))).all()
        return {
            "concerns": len(concerns),
            "links": sorted(len(c.linked_concern_ids) for c in concerns),
            "keys": sorted((await conn.execute(sa.select(orm.idempotency.c.key))).scalars()),
            "match_keys": await conn.scalar(sa.select(sa.func.count()).select_from(orm.child_match)),
            "history": await conn.scalar(sa.select(sa.func.count()).select_from(orm.status_history)),
            "audit": await conn.scalar(sa.select(sa.func.count()).select_from(orm.audit)
                                       .where(orm.audit.c.action == "create")),
            "outbox": await conn.scalar(sa.select(sa.func.count()).select_from(intake.runtime.tables.outbox)),
            "data_keys": await conn.scalar(sa.select(sa.func.count()).select_from(orm.data_key)),
        }


async def _group(intake: Intake, subs: list[Submission]) -> list[Any]:
    async with intake.runtime.uow() as uow:
        return await submit_many(uow, subs, match_secret=b"s", keyring=intake.keyring,
                                 notifications_key=intake.notifications_key)


async def test_a_group_has_the_effect_of_each_submission_in_turn(test_stack) -> None:  # type: ignore[no-untyped-def]
    one_by_one = await _intake(test_stack)
    alone = []
    for sub in _subs():
        try:
            alone.append(await one_by_one._submit_alone(sub))
        except (InvalidConcern, IdempotencyConflict) as err:
            alone.append(err)

    together = await _intake(test_stack)
    grouped = await _group(together, _subs())

    assert _shape(grouped) == _shape(alone) == [
        ("accepted", True, False), ("accepted", True, True), ("accepted", False, False),
        ("IdempotencyConflict", None), ("InvalidConcern", "child.date_of_birth"), ("accepted", True, False)]
    assert grouped[2].reference == grouped[0].reference  # the replay names the first concern
    made = [grouped[i].concern_id for i in (0, 1, 5)]  # the three new concerns, in the order submitted
    assert [c.version for c in made] == [7, 7, 7]
    assert made == sorted(made)  # time-ordered ids: the indexes on them grow at one edge (frontdoor_shared.ids)
    assert await _stored(together) == await _stored(one_by_one) == {
        "concerns": 3, "links": [0, 0, 1], "keys": ["key-1", "key-2"], "match_keys": 6, "history": 3,
        "audit": 3, "outbox": 3, "data_keys": 3}
    async with together.runtime.engine.connect() as conn:
        second = await ConcernRepository(conn, together.keyring).get(grouped[1].reference, open_details=True)
    assert second is not None
    assert second.linked_concern_ids == [grouped[0].concern_id]  # linked to the first, written in the same group
    assert second.history[0].detail == {"linked": [str(grouped[0].concern_id)]}
    assert second.details["child"]["given_name"] == "Sibling-note"  # encrypted under its own key, opens


async def test_a_key_claimed_by_another_transaction_meanwhile_is_a_race_and_stores_nothing(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    intake = await _intake(test_stack)
    await intake._submit_alone(Submission(_concern("9990000018"), "partner", "p1", "p1", "key-1"))
    before = await _stored(intake)

    real = ConcernRepository.lookup_many

    async def blind(self, subs):  # type: ignore[no-untyped-def]
        return [(None, linked) for _, linked in await real(self, subs)]  # as if looked up before the claim

    monkeypatch.setattr(ConcernRepository, "lookup_many", blind)
    with pytest.raises(IdempotencyRace):
        await _group(intake, [Submission(_concern("9990000026"), "partner", "p1", "p1", "key-9"),
                              Submission(_concern("9990000018"), "partner", "p1", "p1", "key-1")])
    assert await _stored(intake) == before


async def test_api_calls_arriving_together_are_written_together_each_hearing_its_own_outcome(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    intake = await _intake(test_stack)
    subs = [Submission(_concern("9990000018", given_name=f"Child{i}"),
                       "api", "p1", "p1", f"k-{i}") for i in range(30)]
    subs[7] = Submission(_concern("9990000026", date_of_birth=(date.today() + timedelta(days=9)).isoformat()),
                         "api", "p1", "p1", "k-7")
    outcomes = await asyncio.gather(*(intake.submit(s) for s in subs), return_exceptions=True)
    assert isinstance(outcomes[7], InvalidConcern)
    accepted = [o for i, o in enumerate(outcomes) if i != 7]
    assert all(isinstance(o, Accepted) and o.created for o in accepted)
    assert len({o.reference for o in accepted}) == 29  # type: ignore[union-attr]
    assert intake._group.largest > 1  # written together, not one by one
    assert intake._group.groups < 30
    assert (await _stored(intake))["concerns"] == 29

    async def broken(subs):  # type: ignore[no-untyped-def]
        raise ConnectionResetError("the group's write failed")

    monkeypatch.setattr(intake, "_submit_many", broken)  # a failed group: each is then written alone
    more = await asyncio.gather(*(intake.submit(Submission(_concern("9990000042", given_name=f"Late{i}"),
                                                           "api", "p1", "p1", f"late-{i}")) for i in range(5)))
    assert all(o.created for o in more)
    assert (await _stored(intake))["concerns"] == 34


def _partner_events(intake: Intake, bodies: list[dict[str, Any]], ids: list[str]) -> list[Any]:
    import json

    from frontdoor_shared.contracts import PartnerConcernV1
    from frontdoor_shared.envelope import CloudEvent
    from intake.adapters.partner_keys import encrypt_for, public_jwks

    jwk = public_jwks(intake.partner_key)["keys"][0]
    items = []
    for body, event_id in zip(bodies, ids, strict=True):
        data = PartnerConcernV1(jwe=encrypt_for(jwk, json.dumps(body).encode()))
        event = CloudEvent(specversion="1.0", id=event_id, source="urn:frontdoor:partner:p1", type=data.TYPE,
                           data=data.model_dump(mode="json"))
        items.append((event, data, data.TOPIC))
    return items


async def test_a_batch_of_partner_events_is_submitted_as_one_group(test_stack) -> None:  # type: ignore[no-untyped-def]
    """The consumer's set handler: every event of the batch in one group (one time, one statement),
    the same child linked within it, the event sent twice stored once."""
    intake = await _intake(test_stack)
    first, sibling, other = (a_concern(given_name=n) for n in ("Setone", "Settwo", "Setthree"))
    other["child"]["nhs_number"] = "9990000026"
    items = _partner_events(intake, [first, sibling, first, other], ["e-1", "e-2", "e-1", "e-3"])
    async with intake.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await intake._on_partner_concerns(items)
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(orm.concern.c.id, orm.concern.c.submitted_at, orm.concern.c.channel,
                                             orm.concern.c.linked_concern_ids)
                                   .order_by(orm.concern.c.submitted_at, orm.concern.c.reference))).all()
        keys = sorted((await conn.execute(sa.select(orm.idempotency.c.key))).scalars())
    assert len(rows) == 3  # e-1 twice: once
    assert len({r.submitted_at for r in rows}) == 1  # one group, not one submission after another
    assert {r.channel for r in rows} == {"partner"}
    assert sorted(len(r.linked_concern_ids) for r in rows) == [0, 0, 1]  # the sibling note, to the first
    assert keys == ["e-1", "e-2", "e-3"]
    assert (await _stored(intake))["outbox"] == 3


async def test_a_refused_partner_event_fails_its_batch_whole_so_it_alone_is_dead_lettered(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    """A refusal the set only finds out in the database (here: an id already used for another
    concern) rolls the whole batch back with the reason; the consumer then takes each event alone."""
    from intake.service_layer.partner import PartnerConcernRejected

    intake = await _intake(test_stack)
    await intake._on_partner_concerns(_partner_events(intake, [a_concern(given_name="Earlier")], ["e-9"]))
    before = await _stored(intake)
    other = a_concern(given_name="Later")
    other["child"]["nhs_number"] = "9990000026"
    items = _partner_events(intake, [a_concern(given_name="Fine"), other], ["e-10", "e-9"])

    async def one_batch() -> None:
        async with intake.runtime.batch_scope() as scope:
            await scope.claim((event, topic) for event, _, topic in items)
            await intake._on_partner_concerns(items)

    with pytest.raises(PartnerConcernRejected, match=r"^id: Idempotency-Key was already used"):
        await one_batch()
    assert await _stored(intake) == before  # nothing of the batch stayed, the fine one included
