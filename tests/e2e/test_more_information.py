"""The council asks for more information and the referrer gives it, through the JSON API, on the
whole platform (four services, real PostgreSQL and broker): triage asks (what is missing, in the
policy's words), the referrer answers with the "about the concern" part as it now stands, triage
decides again, and the family and the referrer hear the new outcome. Answering when nothing was
asked is a 409; someone else's concern is not found; a bad answer names the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import a_concern, auth, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def _information(platform: Any, reference: str, about: dict[str, Any], headers: dict[str, str] | None = None
                 ) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/information",
                      json=about, headers=headers if headers is not None else auth(platform), timeout=10)


def _without_evidence() -> dict[str, Any]:
    """A toddler's speech concern at range 3 with neither screening nor support tried: the
    default policy asks for both before it decides."""
    body = a_concern(given_name="Askedfor")
    body["child"]["nhs_number"] = "999 000 0026"
    body["concern"] |= {"tried": [], "screening": []}
    return body


def test_the_referrer_answers_triages_request_and_triage_decides_again(platform) -> None:  # type: ignore[no-untyped-def]
    body = _without_evidence()
    posted = post_concern(platform, body)
    assert posted.status_code == 202, posted.text
    reference = posted.json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "more-information-needed", 60, "triage asks")
    [asked] = [h for h in status_of(platform, reference)["history"] if h["status"] == "more-information-needed"]
    assert any("WellComm" in m for m in asked["detail"]["missing"])
    assert any("tried" in m for m in asked["detail"]["missing"])

    about = body["concern"] | {"tried": [{"what": "Small group language sessions at nursery", "weeks": 10}],
                               "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}]}
    answered = _information(platform, reference, about)
    assert answered.status_code == 202, answered.text
    assert (answered.json()["status"], answered.json()["revision"]) == ("information-added", 2)
    assert answered.headers["Location"].endswith(f"/api/v1/concerns/{reference}")

    # triage decides again: a toddler with a red WellComm goes to the early years panel
    wait_for(lambda: status_of(platform, reference)["status"] in ("triaged", "listed-for-panel"), 60,
             "triage decides again")
    statuses = [h["status"] for h in status_of(platform, reference)["history"]]
    assert statuses.index("more-information-needed") < statuses.index("information-added") < statuses.index(
        "triaged")

    def told() -> set[str]:
        return {m["template"] for m in mailbox(platform, reference)}

    wait_for(lambda: {"family/concern-triaged-panel", "referrer/concern-triaged-panel"} <= told(), 60,
             "the family and the referrer hear the new outcome")
    assert {"family/concern-triaged-more-information-needed"} <= told()

    # answered once: the council is no longer waiting, so a second answer is a conflict
    again = _information(platform, reference, about)
    assert again.status_code == 409
    assert again.json()["title"] == "The information could not be accepted"
    assert "has not asked for more information" in again.json()["detail"]


def test_a_bad_answer_names_the_field_and_someone_elses_concern_is_not_found(platform) -> None:  # type: ignore[no-untyped-def]
    posted = post_concern(platform, _without_evidence())
    reference = posted.json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "more-information-needed", 60, "triage asks")

    about = _without_evidence()["concern"] | {"tried": [{"what": "Language groups", "weeks": -2}]}
    refused = _information(platform, reference, about)
    assert refused.status_code == 422
    assert refused.json()["title"] == "The information could not be accepted"
    assert [e["field"] for e in refused.json()["errors"]] == ["tried.0.weeks"]
    assert status_of(platform, reference)["status"] == "more-information-needed"  # nothing stored

    as_form = httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/information",
                         data={"need_codes": "SLCN"}, headers=auth(platform), timeout=10)
    assert as_form.status_code == 415
    assert as_form.json()["errors"] == [{"field": "Content-Type", "reason": "send the request as application/json"}]

    unknown = _information(platform, "FD-0000-0000", _without_evidence()["concern"])
    assert unknown.status_code == 404
    unauthenticated = _information(platform, reference, _without_evidence()["concern"], headers={})
    assert unauthenticated.status_code == 401
