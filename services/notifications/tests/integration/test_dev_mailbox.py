"""The embedded stack's default channel: every message is delivered by being stored, and can be
read as JSON or as a page."""

from __future__ import annotations

import pytest

from notifications.domain.routes import SMS_LIMIT
from notifications.testing import events, new_concern, people

pytestmark = pytest.mark.integration
FIELDS = {"id", "reference", "audience", "to", "channel", "template", "subject", "body", "as_text", "status",
          "about", "sent_at"}


async def test_the_dev_mailbox_holds_each_message_once_delivered(dev_world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    await dev_world.publish(story["submitted"])
    await dev_world.publish(story["triaged-panel"])

    async def delivered() -> list[dict]:  # type: ignore[type-arg]
        async with dev_world.http() as http:
            found = (await http.get("/api/v1/dev/mailbox", params={"reference": reference})).json()
        return found if len(found) == 4 and all(m["status"] == "delivered" for m in found) else []

    await wait(delivered, "four messages in the dev mailbox")
    messages = await delivered()
    family = [m for m in messages if m["audience"] == "family"]
    assert all(set(m) == FIELDS for m in messages)
    assert sorted(m["template"] for m in family) == ["family/concern-submitted", "family/concern-triaged-panel"]
    assert {m["to"] for m in family} == {"email:grace.testparent@example.com"}
    assert {e["channel"] for e in await dev_world.announced(reference)} == {"dev-mailbox"}
    async with dev_world.http() as http:
        page = await http.get("/dev/mailbox", params={"reference": reference})
        health = await http.get("/health")
    assert page.status_code == 200
    assert family[0]["subject"].replace("'", "&#39;") in page.text
    assert health.json()["status"] == "ok"


async def test_a_text_message_shows_as_the_text_a_provider_would_send(dev_world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference, people(preferred="sms"))
    await dev_world.publish(story["submitted"])
    await dev_world.publish(story["decided"])  # the longest letter: shortened to fit one text

    async def texts() -> list[dict]:  # type: ignore[type-arg]
        async with dev_world.http() as http:
            found = (await http.get("/api/v1/dev/mailbox", params={"reference": reference})).json()
        sent = [m for m in found if m["channel"] == "sms" and m["template"] == "family/panel-decision"]
        return sent if sent and sent[0]["status"] == "delivered" else []

    await wait(texts, "the decision by text")
    [text] = await texts()
    assert len(text["body"]) > SMS_LIMIT  # the letter as recorded
    assert len(text["as_text"]) <= SMS_LIMIT
    assert text["as_text"].endswith("This is a shortened message. Ask us for the full letter, with the reasons, "
                                    "giving the reference.")
    async with dev_world.http() as http:
        page = await http.get("/dev/mailbox", params={"reference": reference})
    assert "As the text message sent" in page.text
