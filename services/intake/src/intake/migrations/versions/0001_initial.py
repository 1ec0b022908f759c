"""intake: concerns, status history, idempotency keys, child match keys, delivery tables

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
S = "intake"
TS = sa.DateTime(timezone=True)
UUID = pg.UUID(as_uuid=True)


def upgrade() -> None:
    create_delivery_tables(op, S)
    op.create_table(
        "concern",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("reference", sa.Text, nullable=False, unique=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("submitted_by", sa.Text),
        sa.Column("details", pg.JSONB, nullable=False),
        sa.Column("linked_concern_ids", pg.ARRAY(UUID), nullable=False, server_default="{}"),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        schema=S,
    )
    op.create_index("ix_concern_submitted_by", "concern", ["submitted_by"], schema=S)
    op.create_table(
        "status_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("concern_id", UUID, sa.ForeignKey(f"{S}.concern.id"), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text),
        sa.Column("event_id", sa.Text),
        sa.Column("detail", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("at", TS, nullable=False),
        schema=S,
    )
    op.create_index("ix_status_history_concern_id", "status_history", ["concern_id"], schema=S)
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("concern_id", UUID, sa.ForeignKey(f"{S}.concern.id"), nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "child_match_key",
        sa.Column("match_key", sa.Text, primary_key=True),
        sa.Column("concern_id", UUID, sa.ForeignKey(f"{S}.concern.id"), primary_key=True),
        schema=S,
    )


def downgrade() -> None:
    for table in ("child_match_key", "idempotency_key", "status_history", "concern",
                  "dead_letter", "inbox", "outbox"):
        op.drop_table(table, schema=S)
