"""Envelope encryption at rest: data keys wrapped by configured key-encryption keys."""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest

from frontdoor_shared import at_rest
from frontdoor_shared.at_rest import CannotDecrypt, KeyConfigError, Keyring

OWNER, OTHER = uuid.uuid4(), uuid.uuid4()


def _config(**keys: bytes) -> str:
    return json.dumps({k: base64.b64encode(v).decode() for k, v in keys.items()})


def test_a_field_round_trips_and_its_ciphertext_shows_nothing_of_the_plaintext() -> None:
    key = at_rest.new_data_key()
    token = at_rest.encrypt_json(key, {"nhs_number": "9990000018", "name": "Amara"}, purpose="p", owner=OWNER)
    assert token.startswith("fd1.")
    assert "9990000018" not in token
    assert "Amara" not in token
    assert at_rest.decrypt_json(key, token, purpose="p", owner=OWNER) == {"nhs_number": "9990000018", "name": "Amara"}


@pytest.mark.parametrize(("purpose", "owner"), [("other-column", OWNER), ("p", OTHER)])
def test_a_field_moved_to_another_column_or_record_cannot_be_opened(purpose: str, owner: uuid.UUID) -> None:
    key = at_rest.new_data_key()
    token = at_rest.encrypt(key, b"secret", purpose="p", owner=OWNER)
    with pytest.raises(CannotDecrypt):
        at_rest.decrypt(key, token, purpose=purpose, owner=owner)


def test_a_tampered_field_or_another_data_key_cannot_open_it() -> None:
    key = at_rest.new_data_key()
    token = at_rest.encrypt(key, b"secret", purpose="p", owner=OWNER)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(CannotDecrypt):
        at_rest.decrypt(key, flipped, purpose="p", owner=OWNER)
    with pytest.raises(CannotDecrypt):
        at_rest.decrypt(at_rest.new_data_key(), token, purpose="p", owner=OWNER)
    with pytest.raises(CannotDecrypt):
        at_rest.decrypt(key, "plain text", purpose="p", owner=OWNER)


def test_the_current_key_wraps_and_any_configured_key_unwraps() -> None:
    old, new = os.urandom(32), os.urandom(32)
    before = Keyring.from_config(_config(k1=old), None, service="s", production=True, setting="S")
    wrapped = before.wrap(b"d" * 32, OWNER)
    assert wrapped.startswith("k1:")
    during = Keyring.from_config(_config(k1=old, k2=new), "k2", service="s", production=True, setting="S")
    assert during.unwrap(wrapped, OWNER) == b"d" * 32  # old data keys still read during rotation
    assert during.wrap(b"d" * 32, OWNER).startswith("k2:")
    after = Keyring.from_config(_config(k2=new), None, service="s", production=True, setting="S")
    with pytest.raises(CannotDecrypt, match="not configured"):
        after.unwrap(wrapped, OWNER)  # the retired key is gone: only re-wrapped keys still open
    with pytest.raises(CannotDecrypt):
        during.unwrap(wrapped, OTHER)  # a wrapped key belongs to its owner


def test_production_refuses_to_run_without_keys_or_with_the_development_key() -> None:
    with pytest.raises(KeyConfigError, match="must be set in production"):
        Keyring.from_config(None, None, service="intake", production=True, setting="INTAKE")
    with pytest.raises(KeyConfigError, match="development key"):
        Keyring.from_config(_config(dev=at_rest.development_key("intake")), None, service="intake",
                            production=True, setting="INTAKE")
    dev = Keyring.from_config(None, None, service="intake", production=False, setting="INTAKE")
    assert dev.current == at_rest.DEV_KEY_ID


@pytest.mark.parametrize(("keys", "current", "why"), [
    ('{"k1": "c2hvcnQ="}', None, "32 bytes"),
    ("not json", None, "JSON object"),
    ("{}", None, "non-empty"),
    (_config(k1=b"a" * 32, k2=b"b" * 32), None, "must name the current key"),
    (_config(k1=b"a" * 32), "k9", "not among the configured keys"),
])
def test_malformed_key_configuration_is_refused_with_the_reason(keys: str, current: str | None, why: str) -> None:
    with pytest.raises(KeyConfigError, match=why):
        Keyring.from_config(keys, current, service="s", production=False, setting="S")


def test_generated_keys_are_accepted_as_configuration() -> None:
    ring = Keyring.from_config(json.dumps({"a": at_rest.generate_kek()}), "a", service="s", production=True,
                               setting="S")
    assert ring.unwrap(ring.wrap(b"x" * 32, OWNER), OWNER) == b"x" * 32
