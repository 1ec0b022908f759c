"""early_years: panel cases and delivery tables

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
S = "early_years"


def upgrade() -> None:
    create_delivery_tables(op, S)
    op.create_table(
        "panel_case",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("age_in_months", sa.Integer),
        sa.Column("recommended_pathway", sa.Text),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("need_codes", pg.JSONB, nullable=False),
        sa.Column("ranges", pg.JSONB, nullable=False),
        sa.Column("reasons", pg.JSONB, nullable=False),
        sa.Column("policy_version", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in ("panel_case", "dead_letter", "inbox", "outbox"):
        op.drop_table(table, schema=S)
