"""triage: triage results and delivery tables

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.migrations import create_delivery_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
S = "triage"


def upgrade() -> None:
    create_delivery_tables(op, S)
    op.create_table(
        "triage_result",
        sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("pathway", sa.Text),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("reasons", pg.JSONB, nullable=False),
        sa.Column("missing", pg.JSONB, nullable=False),
        sa.Column("policy_version", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("facts", pg.JSONB, nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in ("triage_result", "dead_letter", "inbox", "outbox"):
        op.drop_table(table, schema=S)
