"""notifications: recipients, messages and delivery tables

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
S = "notifications"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_delivery_tables(op, S)
    op.create_table(
        "recipient",
        sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "message",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
        sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("about_event_id", sa.Text, nullable=False),
        sa.Column("about_event_type", sa.Text, nullable=False),
        sa.Column("to_address", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        schema=S,
    )
    op.create_index("ix_message_concern_id", "message", ["concern_id"], schema=S)
    op.create_table(
        "pending_notice",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("event", pg.JSONB, nullable=False),
        sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_index("ix_pending_notice_concern_id", "pending_notice", ["concern_id"], schema=S)


def downgrade() -> None:
    for table in ("pending_notice", "message", "recipient", "dead_letter", "inbox", "outbox"):
        op.drop_table(table, schema=S)
