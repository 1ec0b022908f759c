"""A partner proves it sent its event: the concern inside the JWE is a JWT signed with a key the
council registered for that partner, naming the partner and the event. Everything else is refused
with a reason that names data.jwe and what failed, and a keys file with a mistake stops start-up
naming the partner, the key and why."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey, KeySet, RSAKey

from frontdoor_shared.contracts import PartnerConcernV1
from frontdoor_shared.envelope import CloudEvent
from intake.adapters.partner_keys import development_key, encrypt_for, public_jwks
from intake.adapters.partner_signing import (
    PartnerKeysError,
    PartnerSigning,
    development_signing_key,
    load_partner_keys,
    signed_concern,
)
from intake.bootstrap import partner_signing_of
from intake.config import IntakeSettings
from intake.service_layer.partner import PartnerConcernRejected, submission_of
from tests.support import a_concern

INTAKE_KEY = development_key()
PARTNER_KEY = ECKey.generate_key("P-256", {"kid": "trust-2026"}, private=True)
OTHER_KEY = ECKey.generate_key("P-256", {"kid": "other-1"}, private=True)


def _signing(unsigned: str = "accept", **keys: ECKey) -> PartnerSigning:
    registered = {p: KeySet.import_key_set({"keys": [k.as_dict(private=False)]}) for p, k in keys.items()}
    return PartnerSigning(keys=registered, unsigned=unsigned)  # type: ignore[arg-type]


def _event(partner: str, plaintext: bytes, *, nested: bool, event_id: str = "ev-1"
           ) -> tuple[CloudEvent, PartnerConcernV1]:
    data = PartnerConcernV1(jwe=encrypt_for(public_jwks(INTAKE_KEY)["keys"][0], plaintext, nested_jwt=nested))
    event = CloudEvent(specversion="1.0", id=event_id, source=f"urn:frontdoor:partner:{partner}", type=data.TYPE,
                       data=data.model_dump(mode="json"))
    return event, data


def _signed(partner: str, key: ECKey, body: dict[str, Any], *, event_id: str = "ev-1", iss: str | None = None,
            jti: str | None = None, iat: int | None = None) -> tuple[CloudEvent, PartnerConcernV1]:
    token = signed_concern(key, iss or partner, jti or event_id, body, issued_at=iat or int(time.time()))
    return _event(partner, token.encode(), nested=True, event_id=event_id)


def test_a_concern_signed_by_the_partners_registered_key_is_submitted_as_that_partner() -> None:
    body = a_concern(given_name="Signedchild")
    event, data = _signed("nhs-trust", PARTNER_KEY, body)
    submission = submission_of(event, data, INTAKE_KEY, _signing("refuse", **{"nhs-trust": PARTNER_KEY}))
    unsigned = submission_of(*_event("nhs-trust", json.dumps(body).encode(), nested=False), INTAKE_KEY,
                             _signing("accept"))
    assert submission.concern == unsigned.concern  # the same concern, however it came
    assert submission.concern.child.given_name == "Signedchild"
    assert (submission.submitted_by, submission.idempotency_scope, submission.idempotency_key) == (
        "nhs-trust", "nhs-trust", "ev-1")
    assert submission.actor.kind == "partner"


@pytest.mark.parametrize(("case", "reason"), [
    ("another key", "the signature does not verify under 'nhs-trust''s registered keys"),
    ("another partner's iss", "the signed iss is not the partner the event's source names"),
    ("another event's jti", "the signed jti is not this event's id"),
    ("issued in the future", "iat is missing or in the future"),
    ("no key registered", "no signing key is registered for partner 'school-mis'"),
])
def test_a_signed_concern_that_does_not_prove_its_sender_is_refused_naming_why(case: str, reason: str) -> None:
    body = a_concern()
    event, data = {
        "another key": lambda: _signed("nhs-trust", ECKey.generate_key("P-256", {"kid": "trust-2026"}, private=True),
                                       body),
        "another partner's iss": lambda: _signed("nhs-trust", PARTNER_KEY, body, iss="school-mis"),
        "another event's jti": lambda: _signed("nhs-trust", PARTNER_KEY, body, jti="ev-0"),
        "issued in the future": lambda: _signed("nhs-trust", PARTNER_KEY, body, iat=int(time.time()) + 3600),
        "no key registered": lambda: _signed("school-mis", OTHER_KEY, body),
    }[case]()
    with pytest.raises(PartnerConcernRejected) as refused:
        submission_of(event, data, INTAKE_KEY, _signing("accept", **{"nhs-trust": PARTNER_KEY}))
    assert str(refused.value).startswith("data.jwe: ")
    assert reason in str(refused.value)


def test_a_partner_with_a_registered_key_must_sign_and_others_only_where_the_council_allows() -> None:
    plain = json.dumps(a_concern()).encode()
    signing = _signing("accept", **{"nhs-trust": PARTNER_KEY})
    with pytest.raises(PartnerConcernRejected, match=r"^data\.jwe: the council requires 'nhs-trust' to sign"):
        submission_of(*_event("nhs-trust", plain, nested=False), INTAKE_KEY, signing)
    assert submission_of(*_event("nursery-app", plain, nested=False), INTAKE_KEY, signing).submitted_by == "nursery-app"
    with pytest.raises(PartnerConcernRejected, match="requires 'nursery-app' to sign"):
        submission_of(*_event("nursery-app", plain, nested=False), INTAKE_KEY,
                      _signing("refuse", **{"nhs-trust": PARTNER_KEY}))


def test_a_signed_concern_is_checked_like_any_other_naming_the_field() -> None:
    body = a_concern()
    body["child"]["nhs_number"] = "943 476 5918"  # fails the check digit
    event, data = _signed("nhs-trust", PARTNER_KEY, body)
    with pytest.raises(PartnerConcernRejected, match=r"child\.nhs_number"):
        submission_of(event, data, INTAKE_KEY, _signing("refuse", **{"nhs-trust": PARTNER_KEY}))


def test_an_rsa_signed_concern_verifies_too() -> None:
    rsa = RSAKey.generate_key(2048, {"kid": "gp-system-1"}, private=True)
    token = signed_concern(rsa, "gp-system", "ev-2", a_concern(), issued_at=int(time.time()), alg="PS256")
    event, data = _event("gp-system", token.encode(), nested=True, event_id="ev-2")
    signing = PartnerSigning(keys={"gp-system": KeySet.import_key_set({"keys": [rsa.as_dict(private=False)]})})
    assert submission_of(event, data, INTAKE_KEY, signing).submitted_by == "gp-system"


def _file(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "partner-keys.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_the_councils_keys_file_is_read_and_each_partner_must_sign(tmp_path: Path) -> None:
    path = _file(tmp_path, {"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=False)]},
                                         "school-mis": {"keys": [OTHER_KEY.as_dict(private=False)]}}})
    signing = load_partner_keys(path, "refuse")
    assert set(signing.keys) == {"nhs-trust", "school-mis"}
    event, data = _signed("school-mis", OTHER_KEY, a_concern())
    assert submission_of(event, data, INTAKE_KEY, signing).submitted_by == "school-mis"
    with pytest.raises(PartnerConcernRejected, match="does not verify"):
        submission_of(*_signed("school-mis", PARTNER_KEY, a_concern()), INTAKE_KEY, signing)


@pytest.mark.parametrize(("document", "names"), [
    ("{not json", "cannot be read as JSON"),
    ({"nhs-trust": {}}, '{"partners": {"<client id>"'),
    ({"partners": {"nhs-trust": {"keys": []}}}, "partners.nhs-trust.keys: a list of at least one public JWK"),
    ({"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=True)]}}},
     "partners.nhs-trust.keys[0]: a private key; register only the public half"),
    ({"partners": {"nhs-trust": {"keys": [{**PARTNER_KEY.as_dict(private=False), "kid": ""}]}}},
     "partners.nhs-trust.keys[0]: kid is missing"),
    ({"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=False)] * 2}}},
     "partners.nhs-trust.keys[1]: kid 'trust-2026' is listed twice"),
    ({"partners": {"nhs-trust": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "x"}]}}},
     "partners.nhs-trust.keys[0]: kty must be one of EC, RSA"),
    ({"partners": {"nhs-trust": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "x"}]}}},
     "partners.nhs-trust.keys: not a valid key"),
])
def test_a_mistake_in_the_keys_file_stops_start_up_naming_it(tmp_path: Path, document: Any, names: str) -> None:
    with pytest.raises(PartnerKeysError, match=r"partner-keys\.json") as refused:
        load_partner_keys(_file(tmp_path, document), "refuse")
    assert names in str(refused.value)


def test_without_a_file_production_registers_no_one_and_refuses_unsigned_and_development_knows_the_demo_partner(
        tmp_path: Path) -> None:
    production = partner_signing_of(IntakeSettings(FRONTDOOR_ENV="production", DATABASE_URL="postgresql://db.example/fd",
                                                   FRONTDOOR_METRICS_TOKEN="m" * 32))
    assert (dict(production.keys), production.unsigned) == ({}, "refuse")
    development = partner_signing_of(IntakeSettings())
    assert (set(development.keys), development.unsigned) == ({"demo-partner"}, "accept")
    event, data = _signed("demo-partner", development_signing_key(), a_concern())
    assert submission_of(event, data, INTAKE_KEY, development).submitted_by == "demo-partner"
    path = _file(tmp_path, {"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=False)]}}})
    configured = partner_signing_of(IntakeSettings(partner_signing_keys_file=path, unsigned_partner_events="refuse"))
    assert (set(configured.keys), configured.unsigned) == ({"nhs-trust"}, "refuse")


def test_the_operator_checks_the_keys_file_before_intake_reads_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from frontdoor_cli.main import app

    good = _file(tmp_path, {"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=False),
                                                                OTHER_KEY.as_dict(private=False)]}}})
    checked = CliRunner().invoke(app, ["keys", "check-partners", str(good)])
    assert checked.exit_code == 0, checked.output
    assert "nhs-trust" in checked.output
    assert "trust-2026, other-1" in checked.output
    assert "1 partner(s)" in checked.output
    bad = _file(tmp_path, {"partners": {"nhs-trust": {"keys": [PARTNER_KEY.as_dict(private=True)]}}})
    refused = CliRunner().invoke(app, ["keys", "check-partners", str(bad)])
    assert refused.exit_code == 1
    assert "partners.nhs-trust.keys[0]: a private key" in refused.output
