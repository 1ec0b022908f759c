"""Early years' tables, in schema `early_years` (the migrations create them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import data_key_table
from frontdoor_shared.erasure import erased_table

SCHEMA = "early_years"
metadata = sa.MetaData(schema=SCHEMA)
UUID = pg.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)

panel_case = sa.Table(
    "panel_case", metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("concern_id", UUID, nullable=False, unique=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("age_in_months", sa.Integer),
    sa.Column("recommended_pathway", sa.Text),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("need_codes", pg.JSONB, nullable=False),
    sa.Column("ranges", pg.JSONB, nullable=False),
    sa.Column("reasons", pg.JSONB, nullable=False),
    sa.Column("policy_version", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("listed_at", TS, nullable=False),
    sa.Column("panel_id", sa.Text),
    sa.Column("missing", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("triaged_at", TS),
    sa.Column("received_on", sa.Date),  # the day the council received the concern: the statutory clock's start
    sa.Column("team_answer", pg.JSONB),  # the latest answer of the team it was referred to (codes and days)
)

panel = sa.Table(
    "panel", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
)

panel_member = sa.Table(
    "panel_member", metadata,
    sa.Column("panel_id", sa.Text, sa.ForeignKey("panel.id"), primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
)

panel_meeting = sa.Table(
    "panel_meeting", metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("panel_id", sa.Text, sa.ForeignKey("panel.id"), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
)

meeting_attendance = sa.Table(
    "meeting_attendance", metadata,
    sa.Column("meeting_id", UUID, sa.ForeignKey("panel_meeting.id"), primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
)

agenda_item = sa.Table(
    "agenda_item", metadata,
    sa.Column("meeting_id", UUID, sa.ForeignKey("panel_meeting.id"), primary_key=True),
    sa.Column("case_id", UUID, sa.ForeignKey("panel_case.id"), primary_key=True),
    sa.Column("position", sa.Numeric, nullable=False),
    sa.Column("rank_key", sa.BigInteger, nullable=False),  # domain.agenda.rank_key of the case
    sa.Column("deferred", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("added_at", TS, nullable=False),
)

decision = sa.Table(
    "decision", metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("case_id", UUID, sa.ForeignKey("panel_case.id"), nullable=False),
    sa.Column("meeting_id", UUID, sa.ForeignKey("panel_meeting.id"), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("recommended_pathway", sa.Text),
    sa.Column("pathway", sa.Text, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("reason_codes", pg.JSONB, nullable=False),  # the council's reason codes, never free text
    sa.Column("note", sa.Text),  # the chair's note, encrypted with the concern's data key (at_rest)
    sa.Column("funding_band", sa.Text),
    sa.Column("funding_amount_pence", sa.BigInteger),
    sa.Column("funding_period", sa.Text),
    sa.Column("next_review", sa.Date),
    sa.Column("present", pg.JSONB, nullable=False),
    sa.Column("agencies_present", pg.JSONB, nullable=False),
    sa.Column("corrects_decision_id", UUID, sa.ForeignKey("decision.id"), unique=True),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", TS, nullable=False),
)

action = sa.Table(
    "action", metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("decision_id", UUID, sa.ForeignKey("decision.id"), nullable=False),
    sa.Column("case_id", UUID, sa.ForeignKey("panel_case.id"), nullable=False),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("task", sa.Text),  # a code of domain.agencies.TASKS; None on actions set before 0009
    sa.Column("owner_role", sa.Text, nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("assigned_at", TS, nullable=False),
    sa.Column("completed_at", TS),
    sa.Column("completed_by", sa.Text),
    sa.Column("overdue_raised_at", TS),
)

# concerns erased at intake: their case is gone and later events about them are ignored
erased = erased_table(metadata, SCHEMA)

# one wrapped data key per concern: it encrypts the chair's notes; erasure destroys it
data_key = data_key_table(metadata, SCHEMA)
