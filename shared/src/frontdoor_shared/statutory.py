"""The statutory clocks that start when the council receives a concern (SEND Regulations 2014).

One day-counting convention for the whole platform, written down once:

- **The day received** is the calendar day in England (Europe/London) on which the concern
  reached the front door, whatever door it came through and whatever the hour: a concern sent at
  00:30 on 1 July (BST; 23:30 on 30 June in UTC) was received on 1 July.
- **A limit of N weeks** ends on the same weekday N weeks later: received on Tuesday 1 December
  2026, six weeks end on Tuesday 12 January 2027. The day received is day 0, so the council has
  the whole of the last day. Weekends and bank holidays count: the regulations give weeks, not
  working days.

Front Door starts the clock when the concern is received, the earliest reading of "receives a
request" (regulation 3): for a concern the council routes to the statutory pathway, the family
is never promised a later date than the law allows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Regulation 5(1): decide whether to carry out an EHC needs assessment, and tell the family
# (a refusal with their right of appeal), within 6 weeks of receiving the request.
DECIDE_WHETHER_TO_ASSESS = timedelta(weeks=6)
STATUTORY_PATHWAY = "statutory"

ENGLAND = ZoneInfo("Europe/London")  # from the tzdata package where the system has no zone files


def received_on(at: datetime) -> date:
    """The day in England on which something that arrived at `at` (aware) was received."""
    return at.astimezone(ENGLAND).date()


def assessment_decision_due(received: date) -> date:
    """The last day to decide whether to carry out an EHC needs assessment and tell the family."""
    return received + DECIDE_WHETHER_TO_ASSESS


def clock_for(pathway: str | None, received: date | None) -> date | None:
    """The statutory decision's last day when a concern goes to the statutory pathway; else None."""
    if pathway != STATUTORY_PATHWAY or received is None:
        return None
    return assessment_decision_due(received)
