"""What a member of staff may do, from what the council's OpenID provider says of them.

A council that manages access in its own directory (Entra ID groups or app roles, Okta groups,
Keycloak roles...) lists, in order, which value of a claim of the ID token (`groups` by default;
Entra ID app roles: `roles`) gives which Front Door role, organisation and panel. The first entry
whose value the person has decides. Plain Python; the file is read once, at start-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from frontdoor_shared.access import PANEL_ROLES, STAFF_ROLES


@dataclass(frozen=True)
class ProviderRole:
    value: str  # a group's id or an app role's value, exactly as the provider sends it
    role: str
    organisation: str
    panel_id: str | None = None


class BadRoleMap(ValueError):
    """The council's list of provider roles cannot be used: which entry, which field, and why."""


def _entry(index: int, raw: Any) -> ProviderRole:
    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        raise BadRoleMap(f"{where}: an object with value, role and organisation is needed")
    unknown = sorted(set(raw) - {"value", "role", "organisation", "panel"})
    if unknown:
        raise BadRoleMap(f"{where}.{unknown[0]}: not a field here (value, role, organisation, panel)")
    value, role, organisation, panel = (raw.get(k) for k in ("value", "role", "organisation", "panel"))
    if not isinstance(value, str) or not value.strip():
        raise BadRoleMap(f"{where}.value: the group id or role value the provider sends is needed")
    if role not in STAFF_ROLES:
        raise BadRoleMap(f"{where}.role: choose one of {', '.join(STAFF_ROLES)}")
    if not isinstance(organisation, str) or not organisation.strip() or len(organisation) > 200:
        raise BadRoleMap(f"{where}.organisation: where they work is needed (at most 200 characters)")
    if panel is not None and not (isinstance(panel, str) and panel.strip()):
        raise BadRoleMap(f"{where}.panel: the panel's id, as text")
    if (role in PANEL_ROLES) != bool(panel):
        raise BadRoleMap(f"{where}.panel: a panel member or chair needs their panel's id, and no one else has one")
    return ProviderRole(value.strip(), role, organisation.strip(), panel.strip() if panel else None)


def load_role_map(text: str) -> tuple[ProviderRole, ...]:
    """`{"roles": [{"value": ..., "role": ..., "organisation": ..., "panel": ...}, ...]}`, in order."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRoleMap(f"not JSON: {err.msg} (line {err.lineno})") from None
    entries = document.get("roles") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BadRoleMap("roles: a list of at least one entry is needed")
    found = tuple(_entry(i, raw) for i, raw in enumerate(entries))
    values = [e.value for e in found]
    if len(set(values)) != len(values):
        raise BadRoleMap("roles: each value once (the first entry a person matches decides)")
    return found


def role_for(claim: object, role_map: tuple[ProviderRole, ...]) -> ProviderRole | None:
    """The first entry whose value the person has (the claim: a list of values, or one)."""
    held = {claim} if isinstance(claim, str) else {v for v in claim if isinstance(v, str)} \
        if isinstance(claim, list) else set()
    return next((entry for entry in role_map if entry.value in held), None)
