"""Signing in at the council's OpenID provider is configured whole or not at all, and a council
cannot turn Front Door's passwords off without somewhere else to sign in (the flow itself:
tests/integration/test_oidc_sign_in.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from intake.config import IntakeSettings
from intake.entrypoints.oidc_sign_in import provider_of

DISCOVERY = "https://login.example/tenant/v2.0/.well-known/openid-configuration"


def test_a_provider_without_its_client_credentials_stops_start_up_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_OIDC_DISCOVERY_URL", DISCOVERY)
    with pytest.raises(ValidationError, match="INTAKE_OIDC_CLIENT_ID and INTAKE_OIDC_CLIENT_SECRET must be set"):
        IntakeSettings()


def test_passwords_cannot_be_turned_off_without_a_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_PASSWORD_SIGN_IN", "false")
    with pytest.raises(ValidationError, match="INTAKE_PASSWORD_SIGN_IN=false needs INTAKE_OIDC_DISCOVERY_URL"):
        IntakeSettings()


def test_no_provider_no_button_and_an_empty_setting_is_no_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_OIDC_DISCOVERY_URL", "")  # compose passes unset variables as ""
    assert provider_of(IntakeSettings()) is None


def test_a_provider_is_asked_for_openid_with_pkce(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"INTAKE_OIDC_DISCOVERY_URL": DISCOVERY, "INTAKE_OIDC_CLIENT_ID": "front-door",
                        "INTAKE_OIDC_CLIENT_SECRET": "s3cret"}.items():
        monkeypatch.setenv(name, value)
    client = provider_of(IntakeSettings())
    assert client is not None
    assert client.client_id == "front-door"
    assert client.client_kwargs["code_challenge_method"] == "S256"
    assert "openid" in client.client_kwargs["scope"].split()


def test_the_provider_sends_someone_signed_out_back_to_sign_in_where_the_council_registered_it() -> None:
    from types import SimpleNamespace

    from intake.entrypoints.oidc_sign_in import post_logout_url

    request = SimpleNamespace(url_for=lambda name: f"http://10.0.0.5:8000/{name}")  # the request's own view
    base = {"oidc_discovery_url": DISCOVERY, "oidc_client_id": "fd", "oidc_client_secret": "s"}
    assert post_logout_url(request, IntakeSettings(**base)) == "http://10.0.0.5:8000/sign_in_form"  # type: ignore[arg-type]
    behind_a_proxy = IntakeSettings(**base, oidc_redirect_url="https://fd.council.example/sign-in/oidc/callback")
    assert post_logout_url(request, behind_a_proxy) == "https://fd.council.example/sign-in"  # type: ignore[arg-type]
    told = IntakeSettings(**base, oidc_redirect_url="https://fd.council.example/sign-in/oidc/callback",
                          oidc_post_logout_url="https://fd.council.example/signed-out")
    assert post_logout_url(request, told) == "https://fd.council.example/signed-out"  # type: ignore[arg-type]


def test_a_roles_file_that_cannot_be_used_stops_start_up_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from intake.entrypoints.oidc_sign_in import roles_of

    base = {"oidc_discovery_url": DISCOVERY, "oidc_client_id": "fd", "oidc_client_secret": "s"}
    bad = tmp_path / "roles.json"
    bad.write_text('{"roles": [{"value": "grp", "role": "owner", "organisation": "Model Council"}]}')
    with pytest.raises(ValueError, match=r"INTAKE_OIDC_ROLES_FILE .*roles.json: entry 1.role: choose one of"):
        roles_of(IntakeSettings(**base, oidc_roles_file=bad))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="No such file"):
        roles_of(IntakeSettings(**base, oidc_roles_file=tmp_path / "missing.json"))  # type: ignore[arg-type]
    assert roles_of(IntakeSettings(**base)) is None  # type: ignore[arg-type]


def test_a_roles_file_without_a_provider_stops_start_up_naming_both(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="INTAKE_OIDC_ROLES_FILE needs INTAKE_OIDC_DISCOVERY_URL"):
        IntakeSettings(oidc_roles_file=tmp_path / "roles.json")  # type: ignore[call-arg]
