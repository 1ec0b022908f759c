"""A council's own wording (NOTIFICATIONS_TEMPLATES_DIR): its file replaces the built-in one, a
family whose language the council wrote a letter in gets that letter (English otherwise), and any
mistake in the folder stops start-up naming the file and why, so a message can never fail to
render for the council's wording."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from notifications.adapters.templates import TemplateRenderer, TemplatesError
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.service_layer.events import planned_for
from notifications.service_layer.notify import values_for
from notifications.testing import NOW, envelope, events, people

SUBMITTED = "family/concern-submitted"
OURS = ("Subject: Thank you: we have your concern about {{ child }} ({{ reference }})\n"
        "Dear {{ carer }},\nWhat has happened\nModel Council's own words about {{ child }}.\n"
        "{% include \"_partials/family-contact.txt\" %}\n")
POLISH = ("Subject: Otrzymaliśmy zgłoszenie dotyczące {{ child }} ({{ reference }})\n"
          "Szanowni Państwo,\n{% include \"pl/_partials/kontakt.txt\" %}\n")


@pytest.fixture(scope="module")
def ctx():  # type: ignore[no-untyped-def]
    return Notifications(NotificationsSettings(), clock=lambda: NOW).context


def _values(ctx: Any, name: str, language: str = "en") -> dict[str, Any]:
    who = people()
    who["family"]["language"] = language
    for data in events(uuid.uuid4(), "FD-7K3M-9QXP").values():
        for planned in planned_for(data):
            if planned.template == name:
                values = values_for(envelope(data), data, who, ctx)
                return values | {"status_url": "http://127.0.0.1:8003/status/abc", "link_expires": NOW}
    raise AssertionError(f"{name} is planned for no event")


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_councils_letter_replaces_the_built_in_one_and_the_rest_stay(ctx: Any, tmp_path: Path) -> None:
    renderer = TemplateRenderer(council=_folder(tmp_path, {f"{SUBMITTED}.txt": OURS}))
    subject, body = renderer.render(SUBMITTED, **_values(ctx, SUBMITTED))
    assert subject.startswith("Thank you: we have your concern about")
    assert "Model Council's own words" in body
    assert "Who to contact" in body  # the built-in partial it includes
    built_in = TemplateRenderer().render("family/concern-triaged-panel", **_values(ctx, "family/concern-triaged-panel"))
    assert renderer.render("family/concern-triaged-panel", **_values(ctx, "family/concern-triaged-panel")) == built_in
    assert renderer.names() == TemplateRenderer().names()


def test_a_family_gets_the_letter_in_their_language_where_the_council_wrote_one(ctx: Any, tmp_path: Path) -> None:
    renderer = TemplateRenderer(council=_folder(tmp_path, {
        f"{SUBMITTED}.txt": OURS, f"pl/{SUBMITTED}.txt": POLISH,
        "pl/_partials/kontakt.txt": "Kontakt: {{ council_contact }}\n"}))
    for language in ("pl", "PL", "pl-PL"):
        subject, body = renderer.render(SUBMITTED, **_values(ctx, SUBMITTED, language))
        assert subject.startswith("Otrzymaliśmy zgłoszenie"), language
        assert "Kontakt: " in body
    assert renderer.render(SUBMITTED, **_values(ctx, SUBMITTED, "ur"))[0].startswith("Thank you")  # none in Urdu
    assert "pl/" not in " ".join(renderer.names())


@pytest.mark.parametrize(("files", "why"), [
    ({"family/concern-submited.txt": OURS}, "family/concern-submited.txt: replaces no built-in template"),
    ({f"{SUBMITTED}.txt": "Subject: x {{ child \n"}, f"{SUBMITTED}.txt: TemplateSyntaxError"),
    ({f"{SUBMITTED}.txt": "Dear {{ carer }}\n"}, "the first line must be the subject"),
    ({f"{SUBMITTED}.txt": "Subject: {{ child }}\n{{ panel_actions }}\n"},
     f"uses panel_actions, which {SUBMITTED}.txt is never given"),
    ({f"{SUBMITTED}.txt": "Subject: {{ child | shout }}\n"}, "No filter named 'shout'"),
    ({"pl/family/no-such-letter.txt": POLISH}, "no built-in family template 'family/no-such-letter.txt'"),
    ({f"pl/{SUBMITTED}.txt": "Subject: {{ child }}\n{% include \"pl/_partials/kontakt.txt\" %}\n",
      "pl/_partials/kontakt.txt": "{{ nhs_number }}\n"}, "uses nhs_number"),
    ({"family/notes.docx": "x"}, "family/notes.docx: only .txt templates belong here"),
])
def test_a_mistake_in_the_councils_folder_stops_start_up_naming_the_file(tmp_path: Path, files: dict[str, str],
                                                                          why: str) -> None:
    folder = _folder(tmp_path, files)
    with pytest.raises(TemplatesError) as refused:
        Notifications(NotificationsSettings(templates_dir=folder))
    assert str(refused.value).startswith(str(folder))
    assert why in str(refused.value)


def test_a_letter_not_saved_as_utf8_stops_start_up_naming_it(tmp_path: Path) -> None:
    (tmp_path / "family").mkdir()
    (tmp_path / "family" / "concern-submitted.txt").write_bytes("Subject: Cais am gymorth\nDiolch o galon\n"
                                                                .encode("utf-16"))
    with pytest.raises(TemplatesError, match=r"family/concern-submitted\.txt: not UTF-8 text"):
        TemplateRenderer(council=tmp_path)


def test_a_folder_that_is_not_there_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(TemplatesError, match="not a folder"):
        TemplateRenderer(council=tmp_path / "missing")
