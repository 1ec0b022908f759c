"""A council's panel vocabulary from its file: each section given replaces the default, a mistake is
refused naming the section, the code and why; the pages, the decision rules and the events then
speak in the council's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from early_years.adapters.vocabulary_file import VocabularyError, load_vocabulary
from early_years.domain.agencies import AGENCIES, TASKS
from early_years.domain.vocabulary import Vocabulary
from early_years.entrypoints.main import page_templates, reason_list, task_label

COUNCIL = """
agencies:
  portage: Portage home visiting
  health: Health visiting
reasons:
  home-learning: The family's home learning plan   is working and should carry on.
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "panel-vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_councils_file_replaces_the_sections_it_gives_and_keeps_the_others(tmp_path: Path) -> None:
    words = load_vocabulary(_file(tmp_path, COUNCIL))
    assert dict(words.agencies) == {"portage": "Portage home visiting", "health": "Health visiting"}
    assert dict(words.reasons) == {"home-learning": "The family's home learning plan is working and should carry on."}
    assert dict(words.tasks) == TASKS  # not given: the default list
    assert words.agency_name("portage") == "Portage home visiting"
    assert words.agency_name("early-years") == "early-years"  # off the council's list: the code as it is
    assert Vocabulary().agencies == AGENCIES


@pytest.mark.parametrize(("text", "says"), [
    ("agencies:\n  Portage Team: Portage\n", "agencies.Portage Team: a code is lower-case letters"),
    ("reasons:\n  ok-code: ''\n", "reasons.ok-code: give the words for this code"),
    ("tasks:\n  visit: " + "v" * 201 + "\n", "tasks.visit: at most 200 characters"),
    ("outcomes:\n  a: b\n", "outcomes: not a section"),
    ("agencies: []\n", "agencies: give at least one code and its words"),
    ("- just\n- a list\n", "give one or more of the sections"),
    ("agencies: {portage: [unclosed\n", "cannot be read as YAML"),
])
def test_a_mistake_is_refused_naming_the_section_the_code_and_why(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(VocabularyError, match=says.replace("(", r"\(").replace("[", r"\[")):
        load_vocabulary(_file(tmp_path, text))


def test_the_pages_speak_in_the_councils_words(tmp_path: Path) -> None:
    words = load_vocabulary(_file(tmp_path, COUNCIL + "tasks:\n  home-visit: visit the family at home\n"))
    env = page_templates(words=words).env
    assert env.filters["agency"]("portage") == "Portage home visiting"
    assert env.globals["task_choices"] == {"home-visit": "Visit the family at home"}
    assert "home learning plan" in env.globals["reason_list"](["home-learning"])
    assert task_label("home-visit", words) == "Visit the family at home"
    assert "The family&#39;s home learning plan" in str(reason_list(["home-learning"], words))


def test_the_panel_reads_the_councils_file_from_its_setting_and_refuses_to_start_on_a_bad_one(tmp_path: Path) -> None:
    from early_years.config import EarlyYearsSettings
    from early_years.service_layer.panel import PanelSetup

    members = [{"subject": "panel-chair", "name": "Chair", "agency": "health", "role": "panel-chair"},
               {"subject": "portage-1", "name": "Pat", "agency": "portage"}]
    panel = PanelSetup.from_settings(EarlyYearsSettings(vocabulary_file=_file(tmp_path, COUNCIL), members=members))
    assert panel.words.agency_name("portage") == "Portage home visiting"
    # the demo members speak for agencies this council's file does not have: refused, naming them
    with pytest.raises(VocabularyError, match=r"EARLY_YEARS_MEMBERS: .*panel-slt \(speech-and-language\)"):
        PanelSetup.from_settings(EarlyYearsSettings(vocabulary_file=_file(tmp_path, COUNCIL)))
    assert PanelSetup.from_settings(EarlyYearsSettings()).words == Vocabulary()
    with pytest.raises(VocabularyError, match="tasks: give at least one code"):
        PanelSetup.from_settings(EarlyYearsSettings(vocabulary_file=_file(tmp_path, "tasks: {}\n")))
