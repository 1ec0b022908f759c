"""The panel end to end in one process: triage's events in, agenda, decisions and actions out.

Completion is judged from the database (agenda rows, published outbox rows), never from the
broker's end offsets; topics are then read from the start by a consumer of no group.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from early_years.adapters import orm
from early_years.adapters.vocabulary_file import load_vocabulary
from early_years.domain.decision import ActionDraft, DecisionDraft
from early_years.domain.exceptions import DecisionRefused
from early_years.domain.reasons import REASONS
from early_years.service_layer.actions import raise_overdue
from early_years.service_layer.decide import record_decision
from early_years.service_layer.erasure import withdraw_case
from early_years.service_layer.meetings import record_attendance
from frontdoor_shared import topics
from frontdoor_shared.contracts import ActionOverdueV1, CaseListedV1, ConcernWithdrawnV1, PanelDecisionV2
from frontdoor_shared.envelope import new_event
from frontdoor_shared.sealed import development_keypair, open_sealed

pytestmark = pytest.mark.integration
CSRF = "integration-csrf-token"
QUORATE = {"panel-chair": "send", "panel-health": "health", "panel-slt": "health"}
REASON = "The setting's own language plan is working; specialist outreach will support the staff."


def today(world: Any) -> date:
    return world.svc.panel.today(world.clock())  # type: ignore[no-any-return]


def ahead(days: int) -> dict[str, str]:
    d = date.today() + timedelta(days=days)
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}


def decision_form(**overrides: Any) -> dict[str, Any]:
    review, due = ahead(90), ahead(14)
    form = {"csrf_token": CSRF, "outcome": "overridden", "pathway": "outreach", "note": REASON,
            "reasons": ["specialist-advice", "progress-with-support"],
            **{f"next_review-{k}": v for k, v in review.items()},
            "action-1-agency": "speech-and-language", "action-1-task": "assess",
            "action-1-owner_role": "Speech and language therapist",
            **{f"action-1-due-{k}": v for k, v in due.items()}}
    return form | overrides


async def set_attendance(world: Any, people: Any, present: dict[str, str]) -> None:
    """The chair records who is present, through the agenda's form."""
    [meeting] = await world.rows(sa.select(orm.panel_meeting).where(orm.panel_meeting.c.date == today(world)))
    form: dict[str, Any] = {"csrf_token": CSRF, "meeting_id": str(meeting.id), "present": list(present)}
    form |= {f"agency-{s}": a for s, a in present.items()}
    async with world.browser(people["chair"]) as chair:
        saved = await chair.post("/panel/attendance", data=form)
    assert saved.status_code == 303, saved.text


async def test_a_triaged_under_five_joins_the_next_meetings_agenda_in_priority_order(world: Any, concern: Any) -> None:
    routine, urgent = concern(), concern(priority="urgent")
    routine_case, urgent_case = await world.listed(routine, urgent)

    items = {r.case_id: r for r in await world.rows(sa.select(orm.agenda_item))}
    assert items[urgent_case.id].position < items[routine_case.id].position
    assert items[routine_case.id].meeting_id == items[urgent_case.id].meeting_id
    [listed] = await world.outbox(str(routine.concern_id), CaseListedV1.TYPE)
    data = json.loads(listed.payload)["data"]
    assert data["panel_id"] == str(items[routine_case.id].meeting_id)
    assert data["panel_date"] == today(world).isoformat()
    assert routine_case.reasons == [{"rule": "slcn-range-3", "text": "Communication and interaction at range 3."}]


async def test_a_concern_routed_without_the_panel_is_not_listed(world: Any, concern: Any, wait: Any) -> None:
    routed = concern(outcome="routed", pathway="outreach")
    event = await world.publish(routed)
    inbox = world.svc.runtime.tables.inbox
    await wait(lambda: world.rows(sa.select(inbox).where(inbox.c.event_id == event.id)), "the event handled")
    assert await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.concern_id == routed.concern_id)) == []


async def test_a_redelivered_event_lists_the_case_once(world: Any, concern: Any, wait: Any) -> None:
    data = concern()
    event = await world.publish(data)
    await world.publish(data, event)
    later = await world.publish(concern(concern_id=data.concern_id, priority="high"))
    inbox = world.svc.runtime.tables.inbox
    await wait(lambda: world.rows(sa.select(inbox).where(inbox.c.event_id == later.id)), "the later event handled")

    [case] = await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.concern_id == data.concern_id))
    assert case.priority == "high", "triaged again: the newer evidence stands"
    assert len(await world.outbox(str(data.concern_id), CaseListedV1.TYPE)) == 1


async def test_a_decision_without_quorum_is_refused_with_a_clear_message(world: Any, concern: Any,
                                                                          people: Any) -> None:
    [case] = await world.listed(concern())
    await set_attendance(world, people, {"panel-chair": "send", "panel-health": "health"})

    async with world.browser(people["chair"]) as chair:
        refused = await chair.post(f"/panel/cases/{case.id}/decision", data=decision_form())

    assert refused.status_code == 422
    assert "There is a problem" in refused.text
    assert ("The panel is not quorate: it needs at least 3 members from at least 2 agencies, the chair among "
            "them. Present: 2 members from 2 agencies.") in refused.text
    assert await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id)) == []


async def test_with_quorum_the_decision_and_its_action_reach_their_topics(world: Any, concern: Any,
                                                                          people: Any, wait: Any) -> None:
    data = concern()
    [case] = await world.listed(data)
    await set_attendance(world, people, QUORATE)

    async with world.browser(people["chair"]) as chair:
        recorded = await chair.post(f"/panel/cases/{case.id}/decision", data=decision_form())
        assert recorded.status_code == 303, recorded.text
        page = await chair.get(recorded.headers["location"])
    assert "Decision recorded" in page.text
    assert "Assess the child&#39;s needs" in page.text  # the action's task, in the council's words
    assert REASON.replace("'", "&#39;") in page.text  # the chair's note, decrypted for the panel
    assert REASONS["specialist-advice"].replace("'", "&#39;") in page.text

    key = str(data.concern_id)
    await wait(lambda: world.published(key), "the decision's events published")
    [decision] = await world.read_topic(topics.PANEL_DECISION, key, 1)
    assert decision["data"]["outcome"] == "overridden"
    assert (decision["data"]["recommended_pathway"], decision["data"]["pathway"]) == ("slcn", "outreach")
    assert [r["rule"] for r in decision["data"]["reasons"]] == ["panel:specialist-advice",
                                                                 "panel:progress-with-support"]
    assert [r["text"] for r in decision["data"]["reasons"]] == [REASONS["specialist-advice"],
                                                                 REASONS["progress-with-support"]]
    assert "language plan" not in json.dumps(decision)  # the note travels sealed, for notifications alone
    assert open_sealed(development_keypair()[0], decision["data"]["note_sealed"]).decode() == REASON
    [row] = await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id))
    assert row.reason_codes == ["specialist-advice", "progress-with-support"]
    assert row.note.startswith("fd1.")  # encrypted at rest
    assert "language plan" not in row.note
    assert decision["data"]["agencies_present"] == ["health", "send"]
    [action] = await world.read_topic(topics.ACTION_ASSIGNED, key, 1)
    assert action["data"]["decision_id"] == decision["data"]["decision_id"]
    assert (action["data"]["agency"], action["data"]["owner_role"]) == ("speech-and-language",
                                                                       "Speech and language therapist")
    assert (action["data"]["task"], action["data"]["task_text"]) == ("assess", "assess the child's needs")
    [stored] = await world.rows(sa.select(orm.action).where(orm.action.c.case_id == case.id))
    assert stored.task == "assess"
    # the decision lists its action too, so the letters about it can say who will do what by when
    assert decision["data"]["actions"] == [{
        "action_id": action["data"]["action_id"], "agency": "speech-and-language",
        "agency_name": "Speech and language therapy", "task": "assess", "task_text": "assess the child's needs",
        "due": action["data"]["due"]}]


async def _decided(world: Any, people: Any, data: Any, *, due_in_days: int = 14) -> Any:
    [case] = await world.listed(data)
    meeting = (await world.rows(sa.select(orm.panel_meeting).where(orm.panel_meeting.c.date == today(world))))[0]
    await record_attendance(world.svc.runtime.uow(), world.svc.panel, meeting.id, QUORATE)
    draft = DecisionDraft(outcome="confirmed", pathway="slcn", reason_codes=(),
                          next_review=today(world) + timedelta(90),
                          actions=(ActionDraft(1, "health", "Health visitor", today(world) + timedelta(due_in_days),
                                               "assess"),))
    await record_decision(world.svc.runtime.uow(), world.svc.panel, world.svc.notes, case.id, draft, by="panel-chair",
                          now=world.clock())
    return case


async def test_a_recorded_decision_is_never_edited_and_a_correction_references_it(world: Any, concern: Any,
                                                                                  people: Any) -> None:
    data = concern()
    case = await _decided(world, people, data)
    [first] = await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id))
    with pytest.raises(DBAPIError, match="never edited"):
        async with world.svc.runtime.engine.begin() as conn:
            await conn.execute(sa.update(orm.decision).where(orm.decision.c.id == first.id).values(pathway="outreach"))

    async with world.browser(people["chair"]) as chair:
        form_page = await chair.get(f"/panel/cases/{case.id}/decision")
        assert "Correct the panel&#39;s decision" in form_page.text
        plain = await chair.post(f"/panel/cases/{case.id}/decision", data=decision_form())
        corrected = await chair.post(f"/panel/cases/{case.id}/decision",
                                     data=decision_form(corrects_decision_id=str(first.id)))
    assert plain.status_code == 422
    assert "record a correction" in plain.text
    assert corrected.status_code == 303, corrected.text
    decisions = await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id)
                                 .order_by(orm.decision.c.decided_at))
    assert [d.corrects_decision_id for d in decisions] == [None, first.id]
    events = [json.loads(r.payload)["data"] for r in await world.outbox(str(data.concern_id), PanelDecisionV2.TYPE)]
    assert [e["corrects_decision_id"] for e in events] == [None, str(first.id)]


async def _overdue_reading(world: Any, today: Any) -> float:
    from early_years.adapters.readings import readings

    async with world.svc.runtime.engine.connect() as conn:
        [metric] = await readings(conn, today)
    return float(metric.samples[0].value)


async def _raised(world: Any, action_id: Any) -> bool:
    [row] = await world.rows(sa.select(orm.action.c.overdue_raised_at).where(orm.action.c.id == action_id))
    return row.overdue_raised_at is not None


async def test_an_overdue_action_is_raised_once_listed_and_completed(world: Any, concern: Any, people: Any,
                                                                     wait: Any) -> None:
    data = concern()
    await _decided(world, people, data, due_in_days=1)
    key = str(data.concern_id)
    [action] = await world.rows(sa.select(orm.action).join(orm.panel_case).where(
        orm.panel_case.c.concern_id == data.concern_id))
    world.clock.offset = timedelta(days=3)
    try:
        await wait(lambda: _raised(world, action.id), "the background check raised the overdue action")
        for _ in range(2):
            await raise_overdue(world.svc.runtime.uow(), world.svc.panel, world.clock())
        async with world.browser(people["member"]) as member:
            listed = await member.get("/panel/actions")
    finally:
        world.clock.offset = timedelta(0)

    assert len(await world.outbox(key, ActionOverdueV1.TYPE)) == 1
    await wait(lambda: world.published(key), "the overdue event published")
    raised = await world.read_topic(topics.ACTION_OVERDUE, key, 2, timeout=6)
    assert len(raised) == 1
    overdue_section = listed.text.split("<h2 class=\"govuk-heading-m\">Open</h2>")[0]
    assert data.reference in overdue_section

    assert raised[0]["data"]["action_id"] == str(action.id)
    later = world.clock().date() + timedelta(days=3)  # /metrics' reading, with this action to count
    overdue_then = await _overdue_reading(world, later)
    async with world.browser(people["member"]) as member:
        done = await member.post(f"/panel/actions/{action.id}/complete", data={"csrf_token": CSRF})
    assert done.status_code == 303
    assert overdue_then >= 1
    assert await _overdue_reading(world, later) == overdue_then - 1
    [completed] = await world.rows(sa.select(orm.action).where(orm.action.c.id == action.id))
    assert completed.completed_at is not None
    assert completed.completed_by == "panel-health"
    assert datetime.now(UTC) - completed.completed_at < timedelta(minutes=5)


async def test_a_withdrawn_concern_leaves_the_agenda_and_takes_no_decision(world: Any, concern: Any,
                                                                           people: Any) -> None:
    data = concern()
    [case] = await world.listed(data)
    await set_attendance(world, people, QUORATE)
    withdrawn = ConcernWithdrawnV1(concern_id=data.concern_id, reference=data.reference,
                                   withdrawn_at=world.clock(), reason="needs-met",
                                   reason_text="the child's needs are now being met without extra help")
    await withdraw_case(world.svc.runtime.uow(), new_event(withdrawn, source="urn:test", subject=data.reference),
                        withdrawn, withdrawn.TOPIC)

    [row] = await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.id == case.id))
    assert row.status == "withdrawn"
    assert await world.rows(sa.select(orm.agenda_item).where(orm.agenda_item.c.case_id == case.id)) == []
    async with world.browser(people["chair"]) as chair:
        page = await chair.get(f"/panel/cases/{case.id}")
        form = await chair.get(f"/panel/cases/{case.id}/decision")
        refused = await chair.post(f"/panel/cases/{case.id}/decision", data=decision_form())
    assert (form.status_code, form.headers["location"]) == (303, f"/panel/cases/{case.id}")  # no form to fill
    assert "withdrew it before the panel decided" in page.text
    assert "Record the panel&#39;s decision" not in page.text
    assert refused.status_code == 422
    assert "The concern was withdrawn by whoever raised it: it needs no decision" in refused.text
    assert await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id)) == []


async def test_a_decision_for_the_statutory_pathway_carries_the_day_received_and_the_legal_date(
        world: Any, concern: Any, people: Any) -> None:
    data = concern(received_on=date(2026, 2, 2), pathway="statutory")
    [case] = await world.listed(data)
    assert case.received_on == date(2026, 2, 2)  # kept from triage's event: the clock's start
    async with world.browser(people["chair"]) as chair:
        page = await chair.get(f"/panel/cases/{case.id}")
        agenda = await chair.get("/panel")
    assert "If the panel agrees, the council must decide whether to assess by 16 March 2026" in agenda.text
    assert ("If the panel sends it to the statutory pathway, the council must decide whether to carry out an "
            "education, health and care needs assessment, and tell the family, by 16 March 2026") in page.text
    meeting = (await world.rows(sa.select(orm.panel_meeting).where(orm.panel_meeting.c.date == today(world))))[0]
    await record_attendance(world.svc.runtime.uow(), world.svc.panel, meeting.id, QUORATE)
    draft = DecisionDraft(outcome="confirmed", pathway="statutory", reason_codes=(),
                          next_review=today(world) + timedelta(90), actions=())
    await record_decision(world.svc.runtime.uow(), world.svc.panel, world.svc.notes, case.id, draft, by="panel-chair",
                          now=world.clock())
    [event] = [json.loads(r.payload)["data"] for r in await world.outbox(str(data.concern_id), PanelDecisionV2.TYPE)]
    assert (event["pathway"], event["received_on"], event["statutory_decision_due"]) == (
        "statutory", "2026-02-02", "2026-03-16")


async def test_a_panel_in_the_councils_own_words_decides_with_its_reasons_agencies_and_tasks(
        world: Any, concern: Any, tmp_path: Any) -> None:
    path = tmp_path / "vocabulary.yaml"
    path.write_text("agencies:\n  health: Health visiting\n  send: SEND\n  portage: Portage home visiting\n"
                    "reasons:\n  home-learning: The family's home learning plan is working.\n"
                    "tasks:\n  home-visit: visit the family at home\n", encoding="utf-8")
    panel = dataclasses.replace(world.svc.panel, words=load_vocabulary(path))
    data = concern()
    [case] = await world.listed(data)
    meeting = (await world.rows(sa.select(orm.panel_meeting).where(orm.panel_meeting.c.date == today(world))))[0]
    await record_attendance(world.svc.runtime.uow(), panel, meeting.id, QUORATE)
    portage = ActionDraft(1, "portage", "Portage worker", today(world) + timedelta(14), "home-visit")

    def draft(reason: str, action: ActionDraft) -> DecisionDraft:
        return DecisionDraft(outcome="overridden", pathway="outreach", reason_codes=(reason,),
                             next_review=today(world) + timedelta(90), actions=(action,))

    with pytest.raises(DecisionRefused) as refused:  # the default list's words are not this council's
        await record_decision(world.svc.runtime.uow(), panel, world.svc.notes, case.id,
                              draft("family-views", ActionDraft(1, "speech-and-language", "Therapist",
                                                                today(world) + timedelta(14), "assess")),
                              by="panel-chair", now=world.clock())
    assert set(refused.value.errors) == {"reasons", "action-1-agency", "action-1-task"}
    await record_decision(world.svc.runtime.uow(), panel, world.svc.notes, case.id, draft("home-learning", portage),
                          by="panel-chair", now=world.clock())
    [event] = [json.loads(r.payload)["data"] for r in await world.outbox(str(data.concern_id), PanelDecisionV2.TYPE)]
    assert event["reasons"] == [{"rule": "panel:home-learning", "text": "The family's home learning plan is working."}]
    assert [(a["agency_name"], a["task_text"]) for a in event["actions"]] == [
        ("Portage home visiting", "visit the family at home")]


async def _read(world: Any, event_id: str) -> bool:
    inbox = world.svc.runtime.tables.inbox
    return bool(await world.rows(sa.select(inbox.c.event_id).where(inbox.c.event_id == event_id)))


async def test_the_case_keeps_the_latest_answer_of_the_team_for_the_panels_review(world: Any, concern: Any,
                                                                                  people: Any, wait: Any) -> None:
    from frontdoor_shared.contracts import ReferralProgressedV1

    data = concern()
    case = await _decided(world, people, data)
    stranger = concern()  # routed by triage, never at the panel: it has no case here

    def answer(about: Any, **fields: Any) -> ReferralProgressedV1:
        return ReferralProgressedV1(concern_id=about.concern_id, reference=about.reference, pathway="slcn",
                                    progressed_at=world.clock(), **fields)

    contact_by = today(world) + timedelta(days=10)
    await world.publish(answer(stranger, stage="accepted"))
    await world.publish(answer(data, stage="accepted", contact_by=contact_by))

    async def kept() -> Any:
        [row] = await world.rows(sa.select(orm.panel_case.c.team_answer).where(orm.panel_case.c.id == case.id))
        return row.team_answer

    await wait(kept, "the team's answer kept on the case")
    async with world.browser(people["member"]) as member:
        page = await member.get(f"/panel/cases/{case.id}")
    assert page.status_code == 200
    assert "team accepted the referral on" in page.text
    assert f"will contact the family by {contact_by.day} {contact_by:%B %Y}" in page.text

    await world.publish(answer(data, stage="declined", reason="already-known",
                               reason_text="the team is already working with the child"))

    async def declined() -> bool:
        return (await kept())["stage"] == "declined"

    await wait(declined, "the latest answer replaces the earlier")
    async with world.browser(people["member"]) as member:
        page = await member.get(f"/panel/cases/{case.id}")
    assert "declined the referral" in page.text
    assert "because the team is already working with the child" in page.text
    assert await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.concern_id == stranger.concern_id)) == []

    # declined: back to the panel, awaiting a decision on the next meeting's agenda, and the family told when
    [back] = await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.id == case.id))
    assert back.status == "listed"
    [item] = await world.rows(sa.select(orm.agenda_item, orm.panel_meeting.c.date).join(
        orm.panel_meeting, orm.panel_meeting.c.id == orm.agenda_item.c.meeting_id).where(
        orm.agenda_item.c.case_id == case.id, orm.agenda_item.c.added_by == "team-declined"))
    assert (item.deferred, item.date >= today(world)) == (False, True)
    listed = [json.loads(r.payload)["data"] for r in await world.outbox(str(data.concern_id), CaseListedV1.TYPE)]
    assert len(listed) == 2  # first listed by triage, then back from the team
    assert listed[-1]["panel_date"] == item.date.isoformat()
    async with world.browser(people["chair"]) as chair:
        assert "The case is back on the panel's agenda" in (await chair.get(f"/panel/cases/{case.id}")).text
        agenda = (await chair.get("/panel")).text
        row = agenda[agenda.index(f'id="case-{case.id}"'):]
        assert "Back: the team declined the referral. Awaiting a new decision" in row[:row.index("</tr>")]
        [first] = await world.rows(sa.select(orm.decision).where(orm.decision.c.case_id == case.id))
        corrected = await chair.post(f"/panel/cases/{case.id}/decision",
                                     data=decision_form(corrects_decision_id=str(first.id)))
    assert corrected.status_code == 303, corrected.text  # the panel sends the child elsewhere
    events = [json.loads(r.payload)["data"] for r in await world.outbox(str(data.concern_id), PanelDecisionV2.TYPE)]
    assert [(e["pathway"], e["corrects_decision_id"]) for e in events] == [("slcn", None), ("outreach", str(first.id))]
    late = await world.publish(answer(data, stage="declined", reason="already-known"))  # the old team, late
    await wait(lambda: _read(world, late.id), "the late decline read")
    assert len(await world.outbox(str(data.concern_id), CaseListedV1.TYPE)) == 2  # not the team now: not relisted
    outreach = await world.publish(answer(data, stage="declined", reason="already-known").model_copy(
        update={"pathway": "outreach"}))
    await wait(lambda: _read(world, outreach.id), "the new team's decline read")
    assert len(await world.outbox(str(data.concern_id), CaseListedV1.TYPE)) == 3  # the team the panel chose: back

    # a team that accepts leaves the case where it is
    other = concern()
    other_case = await _decided(world, people, other)
    await world.publish(answer(other, stage="accepted"))

    async def answered() -> Any:
        [row] = await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.id == other_case.id))
        return row.team_answer

    await wait(answered, "the other team's answer")
    [still] = await world.rows(sa.select(orm.panel_case).where(orm.panel_case.c.id == other_case.id))
    assert still.status == "decided"
    assert len(await world.outbox(str(other.concern_id), CaseListedV1.TYPE)) == 1
    dead = world.svc.runtime.tables.dead_letter
    assert await world.rows(sa.select(dead).where(dead.c.topic == topics.REFERRAL_PROGRESSED)) == []
