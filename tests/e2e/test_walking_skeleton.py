"""One concern through all four services, as processes, on the real PostgreSQL and broker."""

from __future__ import annotations

import pytest

from tests.support import a_concern, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def _statuses(platform, reference: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h["status"] for h in status_of(platform, reference)["history"]]


def test_a_concern_about_a_toddler_reaches_the_panel_and_the_family_hears(platform) -> None:  # type: ignore[no-untyped-def]
    accepted = post_concern(platform, a_concern(age_months=30))
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    reference = body["reference"]
    assert body["status_url"].endswith(f"/api/v1/concerns/{reference}")

    wanted = {"submitted", "triaged", "listed-for-panel", "family-notified"}
    wait_for(lambda: wanted <= set(_statuses(platform, reference)), 60, "status history")
    triaged = next(h for h in status_of(platform, reference)["history"] if h["status"] == "triaged")
    assert triaged["detail"]["outcome"] == "panel"
    assert triaged["detail"]["reasons"], "triage must say why"

    def family() -> list[dict]:  # type: ignore[type-arg]
        return [m for m in mailbox(platform, reference) if m["audience"] == "family"]

    wait_for(lambda: len(family()) >= 3, 30, "three family messages")
    templates = sorted(m["template"] for m in family())
    assert templates == ["family/case-listed", "family/concern-submitted", "family/concern-triaged-panel"]
    assert all(m["to"] == "email:grace.testparent@example.com" for m in family())


def test_the_same_idempotency_key_twice_gives_one_concern(platform) -> None:  # type: ignore[no-untyped-def]
    first = post_concern(platform, a_concern(), key="same-key-1")
    second = post_concern(platform, a_concern(), key="same-key-1")
    assert first.status_code == 202
    assert second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]


def test_an_invalid_nhs_number_is_refused_naming_the_field(platform) -> None:  # type: ignore[no-untyped-def]
    body = a_concern()
    body["child"]["nhs_number"] = "943 476 5918"
    refused = post_concern(platform, body)
    assert refused.status_code == 422
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["child.nhs_number"]
    assert "5918" not in refused.text


def test_a_second_concern_about_the_same_child_is_linked_not_merged(platform) -> None:  # type: ignore[no-untyped-def]
    body = a_concern(given_name="Twiceseen")
    body["child"]["nhs_number"] = "999 000 0034"
    first = post_concern(platform, body)
    body["concern"]["description"] = "A second worry, from the nursery this time, about the same child."
    second = post_concern(platform, body)
    assert first.status_code == second.status_code == 202
    assert first.json()["reference"] != second.json()["reference"]  # two concerns, never merged
    assert first.json()["linked_to_open_concern"] is False
    assert second.json()["linked_to_open_concern"] is True
    assert status_of(platform, second.json()["reference"])["linked_to_open_concern"] is True


def test_a_body_that_is_not_json_gets_a_422_naming_the_body(platform) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from tests.support import auth

    r = httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns", content=b'{"child": ',
                   headers={"Content-Type": "application/json", **auth(platform)})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["(body)"]
