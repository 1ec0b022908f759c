"""Status events taken as a set per batch have exactly the effect of the per-event use case run on
each in order: the same history lines, present statuses, times and audit lines (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import (
    CaseListedV1,
    ConcernTriagedV1,
    NotificationSentV1,
    NotificationSentV2,
    PanelDecisionV2,
    SentMessage,
)
from frontdoor_shared.envelope import CloudEvent, new_event
from intake.adapters import orm
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import UnknownConcern, record_status, record_statuses
from intake.service_layer.submit import Submission
from tests.support import a_concern

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DPO = Principal("dpo-1", "staff", "data-protection-officer")


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _triaged(cid: uuid.UUID, ref: str, outcome: str, minute: int) -> ConcernTriagedV1:
    return ConcernTriagedV1(concern_id=cid, reference=ref, triaged_at=_at(minute), outcome=outcome, pathway="slcn",
                            priority="routine", reasons=[], missing=[], policy_version="t", need_codes=["SLCN"],
                            ranges=[], age_in_months=30)


def _listed(cid: uuid.UUID, ref: str, minute: int) -> CaseListedV1:
    return CaseListedV1(concern_id=cid, reference=ref, case_id=uuid.uuid4(), listed_at=_at(minute))


def _sent(cid: uuid.UUID, ref: str, minute: int) -> NotificationSentV1:
    return NotificationSentV1(concern_id=cid, reference=ref, message_id=uuid.uuid4(), audience="family",
                              channel="email", template="family/case-listed", status="sent",
                              about_event_type=CaseListedV1.TYPE, sent_at=_at(minute))


def _told(cid: uuid.UUID, ref: str, minute: int) -> NotificationSentV2:
    """The family's and the referrer's messages about one decision, in one event (version 2)."""
    return NotificationSentV2(concern_id=cid, reference=ref, about_event_type=PanelDecisionV2.TYPE, messages=[
        SentMessage(message_id=uuid.uuid4(), audience="family", channel="letter", template="family/panel-decision",
                    status="sent", sent_at=_at(minute)),
        SentMessage(message_id=uuid.uuid4(), audience="referrer", channel="email",
                    template="referrer/panel-decision", status="failed", sent_at=_at(minute + 1))])


def _decided(cid: uuid.UUID, ref: str, minute: int) -> PanelDecisionV2:
    return PanelDecisionV2(concern_id=cid, reference=ref, case_id=uuid.uuid4(), decision_id=uuid.uuid4(),
                           decided_at=_at(minute), panel_id=uuid.uuid4(), outcome="confirmed", pathway="slcn",
                           priority="routine")


async def _world(test_stack: Any) -> tuple[Intake, dict[str, tuple[uuid.UUID, str]]]:
    database = await asyncio.to_thread(fresh_database, test_stack)
    intake = Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))
    concerns = {}
    for label, nhs in (("panel", "9990000018"), ("routed", "9990000026"), ("late", "9990000034"),
                       ("erased", "9990000042")):
        body = a_concern(given_name=f"Batch{label}")
        body["child"]["nhs_number"] = nhs
        accepted = await intake.submit(Submission(ConcernIn.model_validate(body), "api", "batch-test"))
        concerns[label] = (accepted.concern_id, accepted.reference)
    await intake.erase(concerns["erased"][1], DPO, "erasure-request", "api")
    return intake, concerns


def _timed(event: CloudEvent, data: Any) -> CloudEvent:
    """The event stamped with when it happened, so two worlds built apart compare equal."""
    if isinstance(data, NotificationSentV2):
        return event.model_copy(update={"time": data.messages[0].sent_at})
    happened = next(getattr(data, a) for a in ("triaged_at", "listed_at", "sent_at", "decided_at") if hasattr(data, a))
    return event.model_copy(update={"time": happened})


def _events(c: dict[str, tuple[uuid.UUID, str]]) -> list[tuple[CloudEvent, Any, str]]:
    """A batch as it arrives: interleaved concerns, one event twice, events out of order."""
    datas = [
        _triaged(*c["panel"], "panel", 1), _triaged(*c["routed"], "routed", 2), _listed(*c["panel"], 3),
        _sent(*c["routed"], 4), _listed(*c["late"], 5), _triaged(*c["late"], "panel", 4),  # older, after
        _sent(*c["panel"], 6), _decided(*c["panel"], 7), _triaged(*c["erased"], "routed", 8),
        _told(*c["panel"], 9),
    ]
    items = [(_timed(new_event(d, source="urn:test", subject=d.reference), d), d, d.TOPIC) for d in datas]
    return [*items[:3], items[1], *items[3:]]  # the routed concern's triage delivered twice


async def _state(intake: Intake, concerns: dict[str, tuple[uuid.UUID, str]]) -> dict[str, Any]:
    async with intake.runtime.engine.connect() as conn:
        out = {}
        for label, (cid, ref) in concerns.items():
            row = (await conn.execute(sa.select(orm.concern.c.status, orm.concern.c.updated_at)
                                      .where(orm.concern.c.id == cid))).one()
            history = (await conn.execute(
                sa.select(orm.status_history.c.status, orm.status_history.c.event_type, orm.status_history.c.detail,
                          orm.status_history.c.at).where(orm.status_history.c.concern_id == cid)
                .order_by(orm.status_history.c.id))).all()
            audit = (await conn.execute(sa.select(orm.audit.c.actor, orm.audit.c.action, orm.audit.c.why,
                                                  orm.audit.c.channel).where(orm.audit.c.reference == ref)
                                        .order_by(orm.audit.c.id))).all()
            out[label] = {"status": row.status, "updated_at": row.updated_at if label != "erased" else None,
                          "history": [tuple(h) for h in history if h.status not in ("submitted", "erased")],
                          "audit": [tuple(a) for a in audit if a.action.startswith("status:")]}
        return out


async def test_a_batch_as_a_set_leaves_what_each_event_alone_would(test_stack) -> None:  # type: ignore[no-untyped-def]
    one_by_one, concerns_a = await _world(test_stack)
    for event, data, topic in _events(concerns_a):
        await record_status(one_by_one.runtime.uow(), event, data, topic)

    as_a_set, concerns_b = await _world(test_stack)
    items = _events(concerns_b)
    async with as_a_set.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await record_statuses(as_a_set.runtime.uow(), items)

    expected, got = await _state(one_by_one, concerns_a), await _state(as_a_set, concerns_b)
    assert got == expected
    assert got["panel"]["status"] == "panel-decided"
    assert [h[0] for h in got["panel"]["history"]] == ["triaged", "listed-for-panel", "family-notified",
                                                       "panel-decided", "family-notified", "referrer-notified"]
    # one version 2 event gives a line per message, each with its own channel, template, status and time
    assert [(h[2], h[3]) for h in got["panel"]["history"][-2:]] == [
        ({"channel": "letter", "template": "family/panel-decision", "delivery": "sent",
          "about": PanelDecisionV2.TYPE}, _at(9)),
        ({"channel": "email", "template": "referrer/panel-decision", "delivery": "failed",
          "about": PanelDecisionV2.TYPE}, _at(10))]
    assert [a[1] for a in got["panel"]["audit"][-2:]] == ["status:family-notified", "status:referrer-notified"]
    assert got["routed"]["status"] == "routed"
    assert len(got["routed"]["history"]) == 2  # the triage delivered twice is one line
    assert got["late"]["status"] == "listed-for-panel"  # never moves backwards
    assert got["late"]["updated_at"] == _at(5)  # when it reached its present status (a late line is no move)
    assert got["routed"]["updated_at"] == _at(2)  # the family's message later is a line, not a move
    assert got["panel"]["updated_at"] == _at(7)
    assert got["erased"]["history"] == []


async def test_a_status_event_for_no_known_concern_fails_the_set_so_the_batch_is_isolated(test_stack) -> None:  # type: ignore[no-untyped-def]
    intake, concerns = await _world(test_stack)
    stranger = _listed(uuid.uuid4(), "FD-NONE-0000", 1)
    items = [*_events(concerns)[:2], (new_event(stranger, source="urn:test", subject="x"), stranger, stranger.TOPIC)]

    async def one_batch() -> None:
        async with intake.runtime.batch_scope() as scope:
            await scope.claim((event, topic) for event, _, topic in items)
            await record_statuses(intake.runtime.uow(), items)

    with pytest.raises(UnknownConcern, match=r"data\.concern_id"):
        await one_batch()
    state = await _state(intake, concerns)
    assert state["panel"]["history"] == []  # rolled back: nothing half done


@pytest.mark.parametrize("as_a_set", [False, True])
async def test_after_a_team_declines_the_council_deciding_again_moves_it_on_and_a_late_event_does_not(  # type: ignore[no-untyped-def]
        test_stack, as_a_set: bool) -> None:
    from intake.service_layer.progress import ProgressIn, report_progress

    intake, concerns = await _world(test_stack)
    cid, ref = concerns["routed"]
    routed = _triaged(cid, ref, "routed", 2)
    await record_status(intake.runtime.uow(), _timed(new_event(routed, source="urn:test", subject=ref), routed),
                        routed, routed.TOPIC)
    await report_progress(intake.runtime.uow(), ref, ProgressIn(stage="declined", reason="already-known"),
                          actor=Principal("slcn-team", "partner", "partner"))
    after = datetime.now(UTC) + timedelta(minutes=1)
    late = _listed(cid, ref, 3)  # the first listing, delivered only now: from before the decline
    relisted = CaseListedV1(concern_id=cid, reference=ref, case_id=uuid.uuid4(), listed_at=after)
    decided = _decided(cid, ref, 0).model_copy(update={"decided_at": after + timedelta(minutes=5)})
    items = [(_timed(new_event(d, source="urn:test", subject=ref), d), d, d.TOPIC) for d in (late, relisted, decided)]

    async def handle(item: tuple[CloudEvent, Any, str]) -> dict[str, Any]:
        if as_a_set:
            async with intake.runtime.batch_scope() as scope:
                await scope.claim([(item[0], item[2])])
                await record_statuses(intake.runtime.uow(), [item])
        else:
            await record_status(intake.runtime.uow(), *item)
        return (await _state(intake, {"routed": concerns["routed"]}))["routed"]

    assert (await handle(items[0]))["status"] == "referral-declined"  # older than the decline: a line, no move
    state = await handle(items[1])
    assert state["status"] == "listed-for-panel"  # back with the panel: the decline is no longer where it stands
    assert state["updated_at"] == after
    assert [h[0] for h in state["history"]][-3:] == ["referral-declined", "listed-for-panel", "listed-for-panel"]
    assert (await handle(items[2]))["status"] == "panel-decided"
