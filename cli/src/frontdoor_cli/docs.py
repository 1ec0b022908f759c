"""Generated documents that are committed: JSON Schemas of the contracts and AsyncAPI per service.

Tests regenerate both and compare with the committed files, so a contract cannot change by
accident: a changed schema for an existing version fails; a new version is a new file.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "schemas"
ASYNCAPI = ROOT / "docs" / "asyncapi"

SERVICES = {
    "intake": ("intake.bootstrap", "Intake", "intake.config", "IntakeSettings"),
    "triage": ("triage.bootstrap", "Triage", "triage.config", "TriageSettings"),
    "early-years": ("early_years.bootstrap", "EarlyYears", "early_years.config", "EarlyYearsSettings"),
    "notifications": ("notifications.bootstrap", "Notifications", "notifications.config",
                      "NotificationsSettings"),
}


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def contract_schemas() -> dict[Path, str]:
    from frontdoor_shared.contracts import ALL_CONTRACTS
    from frontdoor_shared.delivery import envelope_for

    out = {}
    for contract in ALL_CONTRACTS:
        schema = envelope_for(contract).model_json_schema()
        schema["$id"] = f"https://frontdoor.example/schemas/{contract.TYPE}.json"
        schema["x-topic"] = contract.TOPIC
        out[SCHEMAS / f"{contract.TYPE}.json"] = _dump(schema)
    return out


def asyncapi_docs() -> dict[Path, str]:
    from faststream.specification import AsyncAPI

    from frontdoor_shared.delivery import documenting

    out = {}
    for name, (mod, cls, cfg_mod, cfg_cls) in SERVICES.items():
        settings = getattr(importlib.import_module(cfg_mod), cfg_cls)()
        token = documenting.set(True)  # document each consumer as the messages it reads
        try:
            service = getattr(importlib.import_module(mod), cls)(settings)
        finally:
            documenting.reset(token)
        spec = AsyncAPI(service.runtime.broker, title=f"Front Door {name}", version="1.0.0",
                        description=f"Topics the {name} service consumes and publishes (CloudEvents 1.0, "
                                    "structured JSON; the key is the concern id).",
                        schema_version="3.0.0")
        doc = json.loads(spec.to_specification().to_json())
        doc.get("servers", {}).clear()
        out[ASYNCAPI / f"{name}.json"] = _dump(doc)
    return out


def write(files: dict[Path, str]) -> list[Path]:
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written
