"""Every topic Front Door uses, in one place. Internal topics are `<producer>.<event>.v<N>`."""

from __future__ import annotations

PARTNER_CONCERNS = "partner.concerns.v1"  # public, inbound: partners' concerns

CONCERN_SUBMITTED = "intake.concern-submitted.v1"
CONCERN_ERASED = "intake.concern-erased.v1"
CONCERN_WITHDRAWN = "intake.concern-withdrawn.v1"
CONCERN_UPDATED = "intake.concern-updated.v1"  # a concern's triage facts changed (information added)
ACCESS_REVOKED = "intake.access-revoked.v1"  # sessions ended before their tokens run out
REFERRAL_PROGRESSED = "intake.referral-progressed.v1"  # the pathway team accepted, booked or declined
CONCERN_TRIAGED = "triage.concern-triaged.v1"
SAFEGUARDING_ESCALATED = "triage.safeguarding-escalated.v1"
CASE_LISTED = "early-years.case-listed.v1"
PANEL_DECISION = "early-years.panel-decision.v2"
ACTION_ASSIGNED = "early-years.action-assigned.v1"
ACTION_OVERDUE = "early-years.action-overdue.v1"
NOTIFICATION_SENT = "notifications.notification-sent.v2"
NOTIFICATION_SENT_V1 = "notifications.notification-sent.v1"  # retired: no longer published, still read by intake

PATHWAYS = ("slcn", "outreach", "sen-support", "statutory", "universal-advice")


def referrals(pathway: str) -> str:
    """The public topic for one pathway, so a partner's ACL can be scoped to it."""
    if pathway not in PATHWAYS:
        raise ValueError(f"unknown pathway {pathway!r}; expected one of {', '.join(PATHWAYS)}")
    return f"referrals.{pathway}.v1"


def partner_status(client_id: str) -> str:
    """A partner's own outbound topic: what became of the concerns it sent (one partition: in order).
    Client ids are 3-64 lower-case letters, digits and hyphens, so every one makes a valid topic name."""
    return f"partner.{client_id}.status.v1"


def is_partner_status(topic: str) -> bool:
    return topic.startswith("partner.") and topic.endswith(".status.v1") and topic.count(".") == 3


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


# A few events a day (sessions ended; a team's answer about a referral, a few in each referral's
# life): one partition each, since every partition is a cost in every fetch of every consumer that
# reads it, events or not
ONE_PARTITION = frozenset({ACCESS_REVOKED, dlq(ACCESS_REVOKED), REFERRAL_PROGRESSED, dlq(REFERRAL_PROGRESSED)})


def partitions_of(topic: str, default: int) -> int:
    return 1 if topic in ONE_PARTITION or is_partner_status(topic) else default


def all_topics() -> list[str]:
    """Every topic and its dead-letter topic, for creating them at start-up."""
    base = [
        PARTNER_CONCERNS, CONCERN_SUBMITTED, CONCERN_ERASED, CONCERN_UPDATED, CONCERN_WITHDRAWN, ACCESS_REVOKED,
        REFERRAL_PROGRESSED,
        CONCERN_TRIAGED, SAFEGUARDING_ESCALATED,
        CASE_LISTED, PANEL_DECISION, ACTION_ASSIGNED, ACTION_OVERDUE, NOTIFICATION_SENT, NOTIFICATION_SENT_V1,
        *(referrals(p) for p in PATHWAYS),
    ]
    return [*base, *(dlq(t) for t in base)]
