"""Which messages each status event calls for, for whom, and their unique keys. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass

FAMILY, REFERRER, STAFF = "family", "referrer", "panel"  # staff messages travel as audience "panel"

SUBMITTED = "submitted"
TRIAGED = "triaged"
ESCALATED = "safeguarding-escalated"
LISTED = "case-listed"
DECIDED = "panel-decision"
ACTION_ASSIGNED = "action-assigned"
ACTION_OVERDUE = "action-overdue"
WITHDRAWN = "concern-withdrawn"
PROGRESSED = "referral-progressed"  # the pathway team accepted, booked the first appointment, or declined

TRIAGE_OUTCOMES = ("routed", "panel", "more-information-needed", "safeguarding")
REFERRER_HEARS_OF = ("routed", "panel", "more-information-needed")

PATHWAY_NAMES = {
    "slcn": "speech, language and communication",
    "outreach": "specialist outreach",
    "sen-support": "SEN support and inclusion funding",
    "statutory": "education, health and care needs assessment",
    "universal-advice": "early years advice",
}


@dataclass(frozen=True)
class Planned:
    audience: str
    template: str
    recipient: str  # carer-0 (carer-1 ... the others), referrer, staff or safeguarding-team: who, not saying who

    @property
    def needs_contact_details(self) -> bool:
        return self.audience in (FAMILY, REFERRER)


def _family(template: str) -> Planned:
    return Planned(FAMILY, f"family/{template}", "carer-0")


def _referrer(template: str) -> Planned:
    return Planned(REFERRER, f"referrer/{template}", "referrer")


def plan_for(kind: str, outcome: str | None = None) -> list[Planned]:
    """The family hears of every change of status, the referrer of what they must act on or
    know, and staff of what needs a human; the template says what it means."""
    if kind == SUBMITTED:
        return [_family("concern-submitted"), _referrer("concern-submitted")]
    if kind == TRIAGED and outcome == "safeguarding":
        # Nothing automatic to the family: a message could warn a harmful adult. The safeguarding
        # team (told by the escalation event) decides who contacts the family, and how.
        return []
    if kind == TRIAGED and outcome in TRIAGE_OUTCOMES:
        told = [_referrer(f"concern-triaged-{outcome}")] if outcome in REFERRER_HEARS_OF else []
        return [_family(f"concern-triaged-{outcome}"), *told]
    if kind == LISTED:
        return [_family("case-listed")]
    if kind == DECIDED:
        return [_family("panel-decision"), _referrer("panel-decision")]
    if kind == PROGRESSED and outcome == "appointment-booked":  # the family's appointment: theirs to hear
        return [_family("appointment-booked")]
    if kind == PROGRESSED and outcome == "accepted":
        return [_family("referral-accepted"), _referrer("referral-accepted")]
    if kind == PROGRESSED and outcome == "declined":  # back to the council: a human finds the right help
        return [_family("referral-declined"), _referrer("referral-declined"),
                Planned(STAFF, "staff/referral-declined", "staff")]
    if kind == WITHDRAWN:  # the referrer withdrew it: they know; the family must hear it, and why
        return [_family("concern-withdrawn")]
    if kind == ESCALATED:  # never the family: a human in the safeguarding team acts first
        return [Planned(STAFF, "staff/safeguarding-escalated", "safeguarding-team")]
    if kind == ACTION_OVERDUE:
        return [Planned(STAFF, "staff/action-overdue", "staff")]
    return []


def still_waiting_plan() -> list[Planned]:
    return [_family("still-waiting"), _referrer("still-waiting")]


def unanswered_plan() -> list[Planned]:
    """A pathway team let the date the family was given pass without a word: staff chase the team,
    and the family hears that the council, not they, is following it up."""
    return [Planned(STAFF, "staff/referral-unanswered", "staff"), _family("team-not-heard")]


def delivery_failed_plan() -> Planned:
    return Planned(STAFF, "staff/delivery-failed", "staff")


def details_missing_plan() -> Planned:
    return Planned(STAFF, "staff/details-missing", "staff")


def dedupe_key(event_id: str, audience: str, recipient: str, template: str) -> str:
    """One message per event, recipient and template, whatever is redelivered or replayed."""
    return f"{event_id}|{audience}|{recipient}|{template}"


def recipient_of(key: str) -> str:
    """The recipient a message's key names (a fallback's key extends the failed message's)."""
    parts = key.split("|")
    return parts[2] if len(parts) > 2 else ""


def carer_number(recipient: str) -> int:
    """Which of the family's carers a recipient is ("carer-1" -> 1); the first for anything else."""
    number = recipient.removeprefix("carer-")
    return int(number) if number.isdigit() else 0


def fallback_key(failed_key: str, kind: str) -> str:
    """The one retry of a failed message by the next channel."""
    return f"{failed_key}|fallback:{kind}"


def staff_alert_key(failed_message_id: str) -> str:
    return f"failed|{failed_message_id}"
