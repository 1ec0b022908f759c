"""In production early years refuses to start without its own keys: the chair's notes must never be
encrypted under the public development key, nor sealed for a key notifications does not hold."""

from __future__ import annotations

import base64
import json
import os

import pytest
from pydantic import SecretStr

from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from frontdoor_shared.at_rest import KeyConfigError, development_key
from frontdoor_shared.sealed import generate_keypair

PRODUCTION = {"FRONTDOOR_ENV": "production", "DATABASE_URL": "postgresql://db.example/fd",
              "FRONTDOOR_METRICS_TOKEN": "m" * 32}


def _keys(key: bytes) -> SecretStr:
    return SecretStr(json.dumps({"k1": base64.b64encode(key).decode()}))


def test_production_needs_the_notifications_public_key() -> None:
    with pytest.raises(ValueError, match="EARLY_YEARS_NOTIFICATIONS_PUBLIC_KEY must be set in production"):
        EarlyYears(EarlyYearsSettings(**PRODUCTION, data_keys=_keys(os.urandom(32))))


def test_production_needs_data_keys_and_refuses_the_development_one() -> None:
    public = generate_keypair()[1]
    with pytest.raises(KeyConfigError, match="EARLY_YEARS_DATA_KEYS must be set in production"):
        EarlyYears(EarlyYearsSettings(**PRODUCTION, notifications_public_key=public))
    with pytest.raises(KeyConfigError, match="development key"):
        EarlyYears(EarlyYearsSettings(**PRODUCTION, notifications_public_key=public,
                                      data_keys=_keys(development_key("early-years"))))


def test_production_starts_with_its_own_keys() -> None:
    service = EarlyYears(EarlyYearsSettings(**PRODUCTION, notifications_public_key=generate_keypair()[1],
                                            data_keys=_keys(os.urandom(32))))
    assert service.keyring.current == "k1"
