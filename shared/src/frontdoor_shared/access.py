"""Who may do what to which object: every role and scope decision, in one place.

Checked on every object, not only every route: a referrer reads only what they submitted, a panel
member only their own panel's cases, a partner only referrals routed to the pathway its scope
names, a council administrator (audit, dead letters) everything. Only the council's data
protection officer erases a child's record (a right-to-erasure request); no one else, not even an
administrator, and no partner scope reaches that. Families are not principals:
they reach only their own child, through their private link (notifications).
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdoor_shared.auth import Principal

STAFF_ROLES = ("referrer", "panel-member", "panel-chair", "council-admin", "data-protection-officer")
PANEL_ROLES = ("panel-member", "panel-chair")


@dataclass(frozen=True)
class Resource:
    """The facts about an object that decide access (never its contents)."""

    submitted_by: str | None = None
    panel_id: str | None = None
    pathway: str | None = None


def _is(p: Principal, *roles: str) -> bool:
    return p.kind == "staff" and p.role in roles


def _partner_with(p: Principal, scope: str) -> bool:
    return p.kind == "partner" and scope in p.scopes


def can_submit_concern(p: Principal) -> bool:
    return _is(p, "referrer", "council-admin") or _partner_with(p, "concerns:write")


def can_read_concern(p: Principal, r: Resource) -> bool:
    if _is(p, "council-admin"):
        return True
    own = r.submitted_by is not None and r.submitted_by == p.subject
    if _is(p, "referrer"):
        return own
    if p.kind == "partner":
        return own and "concerns:read" in p.scopes
    return _is(p, *PANEL_ROLES) and r.panel_id is not None and r.panel_id == p.panel_id


def can_read_referral(p: Principal, r: Resource) -> bool:
    if _is(p, "council-admin"):
        return True
    return r.pathway is not None and _partner_with(p, f"referrals:{r.pathway}:read")


def can_report_referral_progress(p: Principal, r: Resource) -> bool:
    """The team the child was routed to (its system's `referrals:<pathway>:update` scope) says how
    the referral is going: accepted, first appointment booked, or declined; or the council's
    administrator records what a team without such a system told the council."""
    if r.pathway is None:
        return False
    return _is(p, "council-admin") or _partner_with(p, f"referrals:{r.pathway}:update")


def _same_panel(p: Principal, r: Resource) -> bool:
    return r.panel_id is not None and r.panel_id == p.panel_id


def can_read_panel_case(p: Principal, r: Resource) -> bool:
    return _is(p, "council-admin") or (_is(p, *PANEL_ROLES) and _same_panel(p, r))


def can_read_panel_evidence(p: Principal, sent_to_panel: bool) -> bool:
    """What the referrer told intake about a concern triage sent to the early years panel (the
    concern in their words, what was tried, screening, other concerns about the child): for the
    panel's members, to decide. Intake does not know which of a council's panels lists the case, so
    any panel member may read a case sent to a panel; each read is audited at intake."""
    return _is(p, "council-admin") or (sent_to_panel and _is(p, *PANEL_ROLES) and p.panel_id is not None)


def can_decide_on_panel(p: Principal, r: Resource) -> bool:
    return _is(p, "panel-chair") and _same_panel(p, r)


def can_administer(p: Principal) -> bool:
    """Audit trail, dead letters, replay, revoking family links."""
    return _is(p, "council-admin")


def can_erase_concern(p: Principal) -> bool:
    """Erase a concern and every concern linked to the same child, in every service."""
    return _is(p, "data-protection-officer")
