"""What a member of staff may do, from the council's directory: the roles file is checked whole,
naming the entry and field of any mistake, and the first entry a person matches decides."""

from __future__ import annotations

import json

import pytest

from intake.domain.provider_roles import BadRoleMap, ProviderRole, load_role_map, role_for

ROLES = {"roles": [
    {"value": "fd-panel-chairs", "role": "panel-chair", "organisation": "Model Council", "panel": "ey-panel"},
    {"value": "fd-health-visitors", "role": "referrer", "organisation": "Model NHS Trust"},
    {"value": "fd-admins", "role": "council-admin", "organisation": "Model Council", "panel": None},
]}


def test_the_first_entry_a_person_matches_decides() -> None:
    role_map = load_role_map(json.dumps(ROLES))
    assert role_for(["fd-health-visitors", "fd-panel-chairs"], role_map) == ProviderRole(
        "fd-panel-chairs", "panel-chair", "Model Council", "ey-panel")
    assert role_for(["fd-health-visitors"], role_map) == ProviderRole("fd-health-visitors", "referrer",
                                                                     "Model NHS Trust")
    assert role_for("fd-admins", role_map).role == "council-admin"  # type: ignore[union-attr]
    assert role_for(["someone-elses-group"], role_map) is None
    assert role_for(None, role_map) is None
    assert role_for([{"not": "a value"}, 7], role_map) is None


@pytest.mark.parametrize(("entry", "error"), [
    ({"value": "", "role": "referrer", "organisation": "X"}, "entry 1.value: the group id"),
    ({"value": "g", "role": "superuser", "organisation": "X"}, "entry 1.role: choose one of referrer"),
    ({"value": "g", "role": "referrer", "organisation": " "}, "entry 1.organisation: where they work"),
    ({"value": "g", "role": "panel-member", "organisation": "X"}, "entry 1.panel: a panel member or chair needs"),
    ({"value": "g", "role": "referrer", "organisation": "X", "panel": "p"}, "entry 1.panel: a panel member or chair"),
    ({"value": "g", "role": "referrer", "organisation": "X", "admin": True}, "entry 1.admin: not a field here"),
    ("referrer", "entry 1: an object"),
])
def test_a_mistake_in_the_file_names_its_entry_and_field(entry: object, error: str) -> None:
    with pytest.raises(BadRoleMap, match=error):
        load_role_map(json.dumps({"roles": [entry]}))


def test_a_file_that_is_not_a_list_of_roles_or_names_a_value_twice_is_refused() -> None:
    with pytest.raises(BadRoleMap, match="not JSON"):
        load_role_map("{roles: [")
    with pytest.raises(BadRoleMap, match="roles: a list of at least one entry"):
        load_role_map(json.dumps({"roles": []}))
    twice = {"roles": [ROLES["roles"][1], {**ROLES["roles"][1], "role": "council-admin"}]}
    with pytest.raises(BadRoleMap, match="each value once"):
        load_role_map(json.dumps(twice))
