"""The access policy as a matrix: role, action, own or other object: allowed or refused."""

from __future__ import annotations

import pytest

from frontdoor_shared import access
from frontdoor_shared.access import Resource
from frontdoor_shared.auth import Principal

ME, OTHER, MY_PANEL, OTHER_PANEL = "me", "someone-else", "panel-a", "panel-b"

PEOPLE = {
    "referrer": Principal(ME, "staff", "referrer"),
    "panel-member": Principal(ME, "staff", "panel-member", panel_id=MY_PANEL),
    "panel-chair": Principal(ME, "staff", "panel-chair", panel_id=MY_PANEL),
    "council-admin": Principal(ME, "staff", "council-admin"),
    "data-protection-officer": Principal(ME, "staff", "data-protection-officer"),
    "partner-slcn": Principal(ME, "partner",
                              scopes=frozenset({"concerns:write", "concerns:read", "referrals:slcn:read"})),
    "slcn-team": Principal(ME, "partner", scopes=frozenset({"referrals:slcn:read", "referrals:slcn:update"})),
    "partner-write-only": Principal(ME, "partner", scopes=frozenset({"concerns:write"})),
}

OWN, OTHERS = Resource(submitted_by=ME, panel_id=MY_PANEL, pathway="slcn"), Resource(
    submitted_by=OTHER, panel_id=OTHER_PANEL, pathway="outreach")

# (a panel member's "own" concern is one listed on their own panel)
# who → (submit, read own concern, read other's concern, read own-panel case, read other panel's case,
#        decide own panel, decide other panel, read slcn referral, read outreach referral, administer,
#        erase a child's record, read the evidence of a concern sent to the panel, of one not sent,
#        report progress on an slcn referral, on an outreach referral)
MATRIX = {
    "referrer":           (True, True, False, False, False, False, False, False, False, False, False, False, False,
                        False, False),
    "panel-member":       (False, True, False, True, False, False, False, False, False, False, False, True, False,
                        False, False),
    "panel-chair":        (False, True, False, True, False, True, False, False, False, False, False, True, False,
                        False, False),
    "council-admin":      (True, True, True, True, True, False, False, True, True, True, False, True, True,
                        True, True),
    "data-protection-officer": (False, False, False, False, False, False, False, False, False, False, True, False,
                                False, False, False),
    "slcn-team":          (False, False, False, False, False, False, False, True, False, False, False, False, False,
                           True, False),
    "partner-slcn":       (True, True, False, False, False, False, False, True, False, False, False, False, False,
                        False, False),
    "partner-write-only": (True, False, False, False, False, False, False, False, False, False, False, False, False,
                        False, False),
}


def _decisions(p: Principal) -> tuple[bool, ...]:
    return (
        access.can_submit_concern(p),
        access.can_read_concern(p, OWN),
        access.can_read_concern(p, OTHERS),
        access.can_read_panel_case(p, OWN),
        access.can_read_panel_case(p, OTHERS),
        access.can_decide_on_panel(p, OWN),
        access.can_decide_on_panel(p, OTHERS),
        access.can_read_referral(p, Resource(pathway="slcn")),
        access.can_read_referral(p, Resource(pathway="outreach")),
        access.can_administer(p),
        access.can_erase_concern(p),
        access.can_read_panel_evidence(p, sent_to_panel=True),
        access.can_read_panel_evidence(p, sent_to_panel=False),
        access.can_report_referral_progress(p, Resource(pathway="slcn")),
        access.can_report_referral_progress(p, Resource(pathway="outreach")),
    )


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_each_role_may_do_exactly_what_the_matrix_allows(who: str) -> None:
    assert _decisions(PEOPLE[who]) == MATRIX[who]


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_no_one_but_an_administrator_reaches_another_s_object(who: str) -> None:
    p = PEOPLE[who]
    reaches = (access.can_read_concern(p, OTHERS), access.can_read_panel_case(p, OTHERS),
               access.can_decide_on_panel(p, OTHERS))
    assert any(reaches) is (who == "council-admin")


def test_a_panel_member_without_a_panel_sees_no_case() -> None:
    nobody = Principal(ME, "staff", "panel-member", panel_id=None)
    assert not access.can_read_panel_case(nobody, Resource(panel_id=None))
    assert not access.can_read_panel_evidence(nobody, sent_to_panel=True)


def test_only_the_data_protection_officer_erases_and_no_partner_scope_grants_it() -> None:
    everything = Principal(ME, "partner", scopes=frozenset({"concerns:write", "concerns:read", "concerns:erase",
                                                            "data-protection-officer"}))
    impostor = Principal(ME, "partner", role="data-protection-officer")
    assert access.can_erase_concern(PEOPLE["data-protection-officer"])
    assert not access.can_erase_concern(everything)
    assert not access.can_erase_concern(impostor)
