"""Contracts cannot change by accident: committed JSON Schemas and AsyncAPI must match the code."""

from __future__ import annotations

import json

import pytest

from frontdoor_cli import docs
from frontdoor_shared.contracts import ALL_CONTRACTS


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.__name__)
def test_a_published_contract_matches_its_committed_schema(contract) -> None:  # type: ignore[no-untyped-def]
    path = docs.SCHEMAS / f"{contract.TYPE}.json"
    assert path.exists(), f"{path.name} is not committed: run `make contracts`"
    generated = docs.contract_schemas()[path]
    assert json.loads(path.read_text()) == json.loads(generated), (
        f"{contract.__name__} changed but its version did not. A published contract is frozen: "
        f"add a new module (e.g. {contract.__name__[:-1]}{contract.VERSION + 1}) with a new type and topic."
    )


def test_no_committed_schema_loses_its_contract() -> None:
    committed = {p.name for p in docs.SCHEMAS.glob("*.json")}
    current = {f"{c.TYPE}.json" for c in ALL_CONTRACTS}
    assert committed - current == set(), "a contract version was removed: keep it until no one uses it"


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.__name__)
def test_a_contract_carries_its_version_in_its_name_type_and_topic(contract) -> None:  # type: ignore[no-untyped-def]
    suffix = f"v{contract.VERSION}"
    assert contract.__name__.endswith(f"V{contract.VERSION}")
    assert contract.TYPE.endswith(f".{suffix}")
    assert contract.TOPIC.endswith(f".{suffix}")


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.__name__)
def test_every_contract_field_is_described(contract) -> None:  # type: ignore[no-untyped-def]
    undescribed = [n for n, f in contract.model_fields.items() if not f.description]
    assert undescribed == []


def test_the_asyncapi_documents_match_the_faststream_apps() -> None:
    for path, generated in docs.asyncapi_docs().items():
        assert path.exists(), f"{path.name} is not committed: run `make contracts`"
        assert json.loads(path.read_text()) == json.loads(generated), f"{path.name} is stale: run `make contracts`"


def test_the_intake_asyncapi_documents_the_topics_it_consumes() -> None:
    doc = json.loads((docs.ASYNCAPI / "intake.json").read_text())
    addresses = {ch.get("address") for ch in doc["channels"].values()}
    assert {"triage.concern-triaged.v1", "intake.concern-submitted.v1"} <= addresses
