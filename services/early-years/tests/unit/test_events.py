"""The events early years publishes carry codes and references, never names."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

from early_years.domain.agencies import PATHWAYS
from early_years.domain.reasons import REASONS
from early_years.service_layer.events import action_event, decision_event, overdue_event
from frontdoor_shared import topics
from frontdoor_shared.sealed import generate_keypair, open_sealed, seal

CASE = SimpleNamespace(id=uuid.uuid4(), concern_id=uuid.uuid4(), reference="FD-ABCD-EFGH",
                       received_on=date(2026, 2, 2))
NOW = datetime(2026, 3, 5, 10, tzinfo=UTC)


def decision_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": uuid.uuid4(), "meeting_id": uuid.uuid4(), "outcome": "overridden", "recommended_pathway": "slcn",
        "pathway": "outreach", "priority": "routine", "reason_codes": ["specialist-advice", "family-views"],
        "funding_band": "FFI-2", "funding_amount_pence": 125000, "funding_period": "per term",
        "next_review": date(2026, 6, 1), "agencies_present": ["health", "send"], "corrects_decision_id": None,
        "decided_at": NOW, "present": [{"subject": "panel-chair"}]}
    return row | overrides


def test_a_decision_event_carries_coded_reasons_in_the_councils_words_funding_and_agencies() -> None:
    event = decision_event(CASE, decision_row())
    assert [r.rule for r in event.reasons] == ["panel:specialist-advice", "panel:family-views"]
    assert [r.text for r in event.reasons] == [REASONS["specialist-advice"], REASONS["family-views"]]
    assert event.funding is not None
    assert (event.funding.band, event.funding.amount_pence) == ("FFI-2", 125000)
    assert event.agencies_present == ["health", "send"]
    assert "panel-chair" not in event.model_dump_json()


def test_a_confirmation_without_a_reason_has_no_reasons_and_no_funding() -> None:
    event = decision_event(CASE, decision_row(outcome="confirmed", pathway="slcn", reason_codes=[], funding_band=None))
    assert event.reasons == []
    assert event.funding is None
    assert event.note_sealed is None


def test_the_chairs_note_travels_only_sealed_for_notifications() -> None:
    private, public = generate_keypair()
    note = "Ava's nursery has tried small-group work since September."
    sealed = seal(public, note.encode())
    event = decision_event(CASE, decision_row(), note_sealed=sealed)
    wire = event.model_dump_json()
    # the sealed field is random base64, which can spell any short word by chance: look everywhere
    # else for the note's words, and only the key opens the sealed field
    assert event.note_sealed == sealed
    assert sealed in wire
    elsewhere = wire.replace(sealed, "")
    assert "Ava" not in elsewhere
    assert "nursery" not in elsewhere
    assert open_sealed(private, event.note_sealed or "").decode() == note


def test_a_decision_event_lists_its_actions_in_the_councils_words_without_the_owner() -> None:
    actions = [{"id": uuid.uuid4(), "decision_id": uuid.uuid4(), "agency": "speech-and-language",
                "task": "assess", "owner_role": "Speech and language therapist", "due": date(2026, 4, 1),
                "assigned_at": NOW},
               {"id": uuid.uuid4(), "decision_id": uuid.uuid4(), "agency": "early-years", "task": "train-staff",
                "owner_role": "Area SENCo", "due": date(2026, 5, 1), "assigned_at": NOW}]
    event = decision_event(CASE, decision_row(), actions=actions)
    assert [(a.action_id, a.agency_name, a.task_text, a.due) for a in event.actions] == [
        (actions[0]["id"], "Speech and language therapy", "assess the child's needs", date(2026, 4, 1)),
        (actions[1]["id"], "Early years", "train the setting's staff", date(2026, 5, 1))]
    assert "SENCo" not in event.model_dump_json()
    assert decision_event(CASE, decision_row()).actions == []


def test_a_decision_for_the_statutory_pathway_says_by_when_the_council_must_decide_whether_to_assess() -> None:
    statutory = decision_event(CASE, decision_row(pathway="statutory"))
    assert (statutory.received_on, statutory.statutory_decision_due) == (date(2026, 2, 2), date(2026, 3, 16))
    assert decision_event(CASE, decision_row()).statutory_decision_due is None  # outreach: no statutory clock
    listed_before_the_clock = SimpleNamespace(**{**vars(CASE), "received_on": None})
    assert decision_event(listed_before_the_clock, decision_row(pathway="statutory")).statutory_decision_due is None


def test_an_action_event_names_the_agency_the_task_and_the_role() -> None:
    action = {"id": uuid.uuid4(), "decision_id": uuid.uuid4(), "agency": "speech-and-language",
              "task": "visit-setting", "owner_role": "Speech and language therapist",
              "due": date(2026, 4, 1), "assigned_at": NOW}
    event = action_event(CASE, action)
    assert (event.agency, event.owner_role, event.due) == ("speech-and-language", "Speech and language therapist",
                                                           date(2026, 4, 1))
    assert (event.task, event.task_text) == ("visit-setting", "visit the setting and advise its staff")
    assert event.agency_name == "Speech and language therapy"


def test_an_action_set_before_tasks_were_recorded_says_none() -> None:
    action = {"id": uuid.uuid4(), "decision_id": uuid.uuid4(), "agency": "health", "task": None,
              "owner_role": "Health visitor", "due": date(2026, 4, 1), "assigned_at": NOW}
    event = action_event(CASE, action)
    assert (event.task, event.task_text, event.agency_name) == (None, None, "Health")


def test_the_panel_chooses_among_the_platforms_pathways() -> None:
    assert tuple(PATHWAYS) == topics.PATHWAYS


def test_an_overdue_action_names_the_agency_and_the_task_in_the_councils_words() -> None:
    row = SimpleNamespace(concern_id=CASE.concern_id, reference=CASE.reference, agency="early-years",
                          task="train-staff", due=date(2026, 4, 1))
    event = overdue_event(row, uuid.uuid4(), NOW)
    assert (event.agency, event.agency_name, event.task_text) == ("early-years", "Early years",
                                                                  "train the setting's staff")
    older = overdue_event(SimpleNamespace(**{**vars(row), "task": None}), uuid.uuid4(), NOW)
    assert (older.agency_name, older.task_text) == ("Early years", None)
