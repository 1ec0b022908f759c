"""early_years: panels, meetings, attendance, agendas, append-only decisions and actions

Revision ID: 0002
Revises: 0001

A recorded decision is never edited: a trigger refuses UPDATE and DELETE on `decision`, and a
correction is a new row naming the decision it corrects (each decision corrected at most once).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
S = "early_years"
UUID = pg.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def _case_columns() -> None:
    op.add_column("panel_case", sa.Column("panel_id", sa.Text), schema=S)
    op.add_column("panel_case", sa.Column("missing", pg.JSONB, nullable=False,
                                          server_default=sa.text("'[]'::jsonb")), schema=S)
    op.add_column("panel_case", sa.Column("triaged_at", TS), schema=S)
    op.create_index("ix_panel_case_panel_status", "panel_case", ["panel_id", "status"], schema=S)


def _panels() -> None:
    op.create_table("panel", sa.Column("id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False), schema=S)
    op.create_table(
        "panel_member",
        sa.Column("panel_id", sa.Text, sa.ForeignKey(f"{S}.panel.id"), primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("agency", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        schema=S)
    op.create_table(
        "panel_meeting",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("panel_id", sa.Text, sa.ForeignKey(f"{S}.panel.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.UniqueConstraint("panel_id", "date", name="uq_panel_meeting_date"),
        schema=S)
    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", UUID, sa.ForeignKey(f"{S}.panel_meeting.id"), primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("agency", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        schema=S)
    op.create_table(
        "agenda_item",
        sa.Column("meeting_id", UUID, sa.ForeignKey(f"{S}.panel_meeting.id"), primary_key=True),
        sa.Column("case_id", UUID, sa.ForeignKey(f"{S}.panel_case.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("deferred", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("added_at", TS, nullable=False),
        schema=S)
    op.create_index("ix_agenda_item_case", "agenda_item", ["case_id"], schema=S)


def _decisions() -> None:
    op.create_table(
        "decision",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("case_id", UUID, sa.ForeignKey(f"{S}.panel_case.id"), nullable=False),
        sa.Column("meeting_id", UUID, sa.ForeignKey(f"{S}.panel_meeting.id"), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("recommended_pathway", sa.Text),
        sa.Column("pathway", sa.Text, nullable=False),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("funding_band", sa.Text),
        sa.Column("funding_amount_pence", sa.BigInteger),
        sa.Column("funding_period", sa.Text),
        sa.Column("next_review", sa.Date),
        sa.Column("present", pg.JSONB, nullable=False),
        sa.Column("agencies_present", pg.JSONB, nullable=False),
        sa.Column("corrects_decision_id", UUID, sa.ForeignKey(f"{S}.decision.id"), unique=True),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.CheckConstraint("outcome IN ('confirmed', 'overridden')", name="ck_decision_outcome"),
        sa.CheckConstraint("funding_amount_pence IS NULL OR funding_amount_pence >= 0",
                           name="ck_decision_funding_not_negative"),
        schema=S)
    op.create_index("ix_decision_case", "decision", ["case_id"], schema=S)
    op.execute(f"""
        CREATE FUNCTION {S}.decision_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'a recorded panel decision is never edited: record a correction instead';
        END $$""")
    op.execute(f"""
        CREATE TRIGGER decision_append_only BEFORE UPDATE OR DELETE ON {S}.decision
        FOR EACH ROW EXECUTE FUNCTION {S}.decision_is_append_only()""")


def _actions() -> None:
    op.create_table(
        "action",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("decision_id", UUID, sa.ForeignKey(f"{S}.decision.id"), nullable=False),
        sa.Column("case_id", UUID, sa.ForeignKey(f"{S}.panel_case.id"), nullable=False),
        sa.Column("agency", sa.Text, nullable=False),
        sa.Column("owner_role", sa.Text, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("completed_at", TS),
        sa.Column("completed_by", sa.Text),
        sa.Column("overdue_raised_at", TS),
        schema=S)
    op.create_index("ix_action_open", "action", ["due"], schema=S,
                    postgresql_where=sa.text("completed_at IS NULL"))


def upgrade() -> None:
    _case_columns()
    _panels()
    _decisions()
    _actions()


def downgrade() -> None:
    op.drop_table("action", schema=S)
    op.execute(f"DROP TRIGGER decision_append_only ON {S}.decision")
    op.execute(f"DROP FUNCTION {S}.decision_is_append_only()")
    for table in ("decision", "agenda_item", "meeting_attendance", "panel_meeting", "panel_member", "panel"):
        op.drop_table(table, schema=S)
    op.drop_index("ix_panel_case_panel_status", "panel_case", schema=S)
    for column in ("triaged_at", "missing", "panel_id"):
        op.drop_column("panel_case", column, schema=S)
