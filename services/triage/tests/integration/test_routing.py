"""Triage as a running consumer, on the real PostgreSQL and broker: concerns in, routing out.

One `Triage` (consumer, outbox relay) serves the module. Completion is judged from the database
(results, routing rows, published outbox rows), never from the broker's end offsets; the topics
are then read from the start by a fresh consumer.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared import topics
from frontdoor_shared.contracts import ConcernUpdatedV1, ConcernWithdrawnV1, PanelDecisionV2
from frontdoor_shared.contracts.common import Reason
from triage.adapters import orm
from triage.bootstrap import Triage
from triage.config import TriageSettings

pytestmark = pytest.mark.integration

BASE = "https://intake.test"
THIN = {"concern_id", "reference", "routed_at", "pathway", "priority", "age_in_months", "need_codes",
        "ranges", "reasons", "decided_by", "policy_version", "details_url", "received_on", "statutory_decision_due"}
REFERRAL_TOPICS = [topics.referrals(p) for p in topics.PATHWAYS]
PANEL_SAYS = Reason(rule="panel-discussion", text="The nursery's own plan suits the child better for now.")


@pytest.fixture(scope="module")
async def service(test_stack: Any, migrate: Any) -> Any:
    await migrate(test_stack.database_url)
    settings = TriageSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                              FRONTDOOR_RETRY_MAX=0.5, intake_base_url=BASE)
    triage = Triage(settings)
    await triage.runtime.start()
    yield triage
    await triage.runtime.stop()


@pytest.fixture(scope="module")
async def concerns(service: Any, publish: Any, submitted: Any, until: Any) -> dict[str, Any]:
    """Four concerns, submitted together, triaged (and their events published) before any test reads."""
    made = {
        "school_age": submitted(),
        "under_five": submitted(age_in_months=30, compulsory_school_age_from=None, need_codes=["SLCN"],
                                ranges=[{"area": "C&I", "range": 3}], tried_for_weeks=12,
                                screening=[{"tool": "WellComm", "outcome": "amber", "area": "C&I"}]),
        "safeguarding": submitted(safeguarding=True),
        "thin": submitted(need_codes=[], ranges=[]),
    }
    for data in made.values():
        await publish(data)
    ids = [d.concern_id for d in made.values()]
    await until(lambda: _count(service, orm.triage_result, orm.triage_result.c.concern_id.in_(ids), 4),
                what="four triage results")
    await until(lambda: _all_published(service, [str(i) for i in ids]), what="their events published")
    return made


async def _count(service: Any, table: sa.Table, where: Any, wanted: int) -> bool:
    async with service.runtime.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table).where(where)) or 0) == wanted


async def _all_published(service: Any, keys: list[str]) -> bool:
    outbox = service.runtime.tables.outbox
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.published_at).where(outbox.c.key.in_(keys)))).all()
    return bool(rows) and all(r.published_at is not None for r in rows)


async def _result(service: Any, concern_id: uuid.UUID) -> Any:
    async with service.runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(orm.triage_result)
                                   .where(orm.triage_result.c.concern_id == concern_id))).one()


async def _routings(service: Any, concern_id: uuid.UUID) -> list[Any]:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(orm.routing).where(orm.routing.c.concern_id == concern_id)
                                        .order_by(orm.routing.c.id))).all())


async def _outbox_topics(service: Any, concern_id: uuid.UUID) -> list[str]:
    outbox = service.runtime.tables.outbox
    async with service.runtime.engine.connect() as conn:
        return list((await conn.scalars(sa.select(outbox.c.topic).where(outbox.c.key == str(concern_id))
                                        .order_by(outbox.c.id))).all())


async def test_each_concern_gets_the_outcome_the_policy_gives(service: Any, concerns: dict[str, Any]) -> None:
    got = {name: await _result(service, d.concern_id) for name, d in concerns.items()}

    assert (got["school_age"].outcome, got["school_age"].pathway) == ("routed", "sen-support")
    assert (got["under_five"].outcome, got["under_five"].pathway) == ("panel", "slcn")
    assert (got["safeguarding"].outcome, got["safeguarding"].pathway) == ("safeguarding", None)
    assert got["thin"].outcome == "more-information-needed"
    assert got["thin"].missing == ["At least one need code (for example SLCN, SEMH or MLD) saying what the "
                                   "concern is about.",
                                   "A range (level of need, 1 to 7) for at least one area of need."]
    assert {r.policy_version for r in got.values()} == {"default-2026.1"}
    assert "recipients_sealed" not in got["school_age"].facts


async def test_only_the_school_age_child_is_routed_and_its_referral_is_thin(
        service: Any, concerns: dict[str, Any], test_stack: Any, read_topics: Any) -> None:
    keys = {str(d.concern_id) for d in concerns.values()}

    records = await read_topics(test_stack.bootstrap, REFERRAL_TOPICS, keys, wanted=1)

    assert [(r.topic, r.key.decode()) for r in records] == [
        ("referrals.sen-support.v1", str(concerns["school_age"].concern_id))]
    event = json.loads(records[0].value)
    assert set(event["data"]) == THIN
    assert event["data"]["decided_by"] == "policy"
    assert event["data"]["reasons"][0]["rule"] == "sen-support-range-3"
    assert event["data"]["reasons"][1]["text"].startswith("Cognition and learning, range 3:")
    assert concerns["school_age"].recipients_sealed.encode() not in records[0].value
    assert [r.decided_by for r in await _routings(service, concerns["school_age"].concern_id)] == ["policy"]


async def test_a_safeguarding_concern_goes_to_the_safeguarding_topic_and_no_referrals_topic(
        service: Any, concerns: dict[str, Any], test_stack: Any, read_topics: Any) -> None:
    concern = concerns["safeguarding"]

    records = await read_topics(test_stack.bootstrap, [topics.SAFEGUARDING_ESCALATED], {str(concern.concern_id)},
                                wanted=1)

    escalated = json.loads(records[0].value)
    assert escalated["type"] == "uk.frontdoor.triage.safeguarding.escalated.v1"
    assert escalated["data"]["details_url"] == f"{BASE}/api/v1/concerns/{concern.reference}"
    assert await _outbox_topics(service, concern.concern_id) == [topics.SAFEGUARDING_ESCALATED,
                                                                 topics.CONCERN_TRIAGED]
    assert await _routings(service, concern.concern_id) == []


async def test_the_under_five_and_the_thin_concern_are_not_routed(service: Any, concerns: dict[str, Any]) -> None:
    for name in ("under_five", "thin"):
        assert await _outbox_topics(service, concerns[name].concern_id) == [topics.CONCERN_TRIAGED]
        assert await _routings(service, concerns[name].concern_id) == []


def _decision(concern: Any, pathway: str, corrects: uuid.UUID | None = None) -> PanelDecisionV2:
    return PanelDecisionV2(
        concern_id=concern.concern_id, reference=concern.reference, case_id=uuid.uuid4(),
        decision_id=uuid.uuid4(), corrects_decision_id=corrects, decided_at=datetime.now(UTC),
        panel_id=uuid.uuid4(), outcome="overridden" if pathway != "slcn" else "confirmed",
        recommended_pathway="slcn", pathway=pathway, priority="high", reasons=[PANEL_SAYS])


async def test_the_panel_overrides_then_corrects_and_each_decision_routes_once(
        service: Any, concerns: dict[str, Any], publish: Any, until: Any, test_stack: Any,
        read_topics: Any) -> None:
    child = concerns["under_five"]
    first = _decision(child, "sen-support")
    first_event = await publish(first)
    await publish(first, event_id=first_event)  # a redelivery: the inbox absorbs it
    await publish(_decision(child, "outreach", corrects=first.decision_id))

    routings = await until(lambda: _panel_routings(service, child.concern_id, 2), what="two panel routings")
    await until(lambda: _all_published(service, [str(child.concern_id)]), what="routed referrals published")

    assert [(r.pathway, r.decided_by, r.decision_id) for r in routings] == [
        ("sen-support", "panel", first.decision_id), ("outreach", "panel", routings[1].decision_id)]
    result = await _result(service, child.concern_id)
    assert (result.outcome, result.pathway, result.recommended_pathway, result.decided_by) == (
        "panel", "outreach", "slcn", "panel")
    records = await read_topics(test_stack.bootstrap, REFERRAL_TOPICS, {str(child.concern_id)}, wanted=2)
    assert [r.topic for r in records if r.topic == "referrals.sen-support.v1"] == ["referrals.sen-support.v1"]
    outreach = json.loads(next(r.value for r in records if r.topic == "referrals.outreach.v1"))["data"]
    assert set(outreach) == THIN
    assert outreach["decided_by"] == "panel"
    assert [r["rule"] for r in outreach["reasons"]] == ["panel-overridden", "panel-correction", "panel-discussion"]
    assert "recommendation of the slcn pathway" in outreach["reasons"][0]["text"]


async def _panel_routings(service: Any, concern_id: uuid.UUID, wanted: int) -> list[Any] | None:
    rows = [r for r in await _routings(service, concern_id) if r.decided_by == "panel"]
    return rows if len(rows) >= wanted else None


async def test_a_decision_about_a_concern_triage_never_saw_is_dead_lettered_with_the_reason(
        service: Any, publish: Any, submitted: Any, until: Any) -> None:
    stranger = submitted()
    await publish(_decision(stranger, "slcn"))

    dead = service.runtime.tables.dead_letter
    reason = await until(lambda: _dead_reason(service, dead, str(stranger.concern_id)), what="dead letter")

    assert reason == f"no triage result for concern {stranger.reference}; nothing to route"


async def _dead_reason(service: Any, dead: sa.Table, key: str) -> str | None:
    async with service.runtime.engine.connect() as conn:
        return await conn.scalar(sa.select(dead.c.reason).where(dead.c.key == key.encode()))  # type: ignore[no-any-return]


def _revision(data: Any, revision: int = 2, **facts: Any) -> ConcernUpdatedV1:
    return ConcernUpdatedV1(concern_id=data.concern_id, reference=data.reference, updated_at=datetime.now(UTC),
                            revision=revision, **{"age_in_months": data.age_in_months, "need_codes": data.need_codes,
                                                  "ranges": data.ranges, "tried_for_weeks": data.tried_for_weeks,
                                                  "parent_informed": True, **facts})


async def test_the_referrers_added_information_is_decided_again_once_and_the_facts_replaced(
        service: Any, publish: Any, submitted: Any, until: Any) -> None:
    thin = submitted(need_codes=[], ranges=[])
    await publish(thin)
    first = await until(lambda: _outcome(service, thin.concern_id), what="the first triage")
    assert first == "more-information-needed"

    revised = _revision(thin, need_codes=["MLD"], ranges=[{"area": "C&L", "range": 3}])
    event_id = await publish(revised)
    await publish(revised, event_id=event_id)  # the same event again: decided once
    await until(lambda: _outcome(service, thin.concern_id, not_="more-information-needed"),
                what="triage's second decision")
    await until(lambda: _all_published(service, [str(thin.concern_id)]), what="its events published")

    row = await _result(service, thin.concern_id)
    assert (row.outcome, row.pathway, row.missing) == ("routed", "sen-support", [])
    assert (row.facts["need_codes"], row.facts["ranges"]) == (["MLD"], [{"area": "C&L", "range": 3}])
    assert row.facts["channel"] == "api"  # what the revision does not carry stays as submitted
    assert await _outbox_topics(service, thin.concern_id) == [
        topics.CONCERN_TRIAGED, topics.CONCERN_TRIAGED, "referrals.sen-support.v1"]
    assert [r.decided_by for r in await _routings(service, thin.concern_id)] == ["policy"]


async def test_a_revision_of_a_concern_triage_is_not_waiting_on_changes_nothing(
        service: Any, concerns: dict[str, Any], publish: Any, until: Any) -> None:
    routed = concerns["school_age"]
    before = await _outbox_topics(service, routed.concern_id)
    event_id = await publish(_revision(routed, need_codes=["SLCN"], ranges=[{"area": "C&I", "range": 5}]))
    await until(lambda: _handled(service, event_id), what="the revision handled")

    row = await _result(service, routed.concern_id)
    assert (row.outcome, row.pathway, row.facts["need_codes"]) == ("routed", "sen-support", ["MLD"])
    assert await _outbox_topics(service, routed.concern_id) == before


async def test_a_revision_of_a_concern_triage_never_saw_is_dead_lettered_with_the_reason(
        service: Any, publish: Any, submitted: Any, until: Any) -> None:
    stranger = submitted()
    await publish(_revision(stranger))
    dead = service.runtime.tables.dead_letter
    reason = await until(lambda: _dead_reason(service, dead, str(stranger.concern_id)), what="dead letter")
    assert reason == f"no triage result for concern {stranger.reference}; nothing to decide again"


async def _outcome(service: Any, concern_id: uuid.UUID, not_: str | None = None) -> str | None:
    async with service.runtime.engine.connect() as conn:
        found = await conn.scalar(sa.select(orm.triage_result.c.outcome)
                                  .where(orm.triage_result.c.concern_id == concern_id))
    return None if found == not_ else found


async def _handled(service: Any, event_id: str) -> bool:
    inbox = service.runtime.tables.inbox
    async with service.runtime.engine.connect() as conn:
        return await conn.scalar(sa.select(inbox.c.topic).where(inbox.c.event_id == event_id)) is not None


async def test_a_concern_withdrawn_before_its_submission_arrives_is_never_triaged_or_routed(
        service: Any, publish: Any, submitted: Any, until: Any) -> None:
    late = submitted()
    withdrawn = ConcernWithdrawnV1(concern_id=late.concern_id, reference=late.reference,
                                   withdrawn_at=datetime.now(UTC), reason="raised-in-error",
                                   reason_text="the concern was raised in error")
    withdrawn_id = await publish(withdrawn)
    await until(lambda: _handled(service, withdrawn_id), what="the withdrawal handled")
    submitted_id = await publish(late)  # topics are not ordered across each other
    await until(lambda: _handled(service, submitted_id), what="the late submission handled")

    assert await _outcome(service, late.concern_id) is None
    assert await _outbox_topics(service, late.concern_id) == []
