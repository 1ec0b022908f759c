"""notifications: delivery state per message, the family journey and private status links

Revision ID: 0002
Revises: 0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
S = "notifications"
TS = sa.DateTime(timezone=True)
UUID = pg.UUID(as_uuid=True)

MESSAGE_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("provider", sa.Text, nullable=False, server_default="dev-mailbox"),
    sa.Column("correlation_id", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS),
    sa.Column("provider_id", sa.Text),
    sa.Column("last_error", sa.Text),
    sa.Column("fallback_of", UUID),
    sa.Column("status_at", TS),
]


def upgrade() -> None:
    for column in MESSAGE_COLUMNS:
        op.add_column("message", column, schema=S)
    # 0001 kept the provider in `channel` and the channel in the address's prefix.
    op.execute(f"UPDATE {S}.message SET provider = channel, channel = split_part(to_address, ':', 1), "
               "status_at = sent_at")
    op.create_index("ix_message_due", "message", ["next_attempt_at"], schema=S,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_message_about_event_id", "message", ["about_event_id"], schema=S)
    op.create_table(
        "journey",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("concern_id", UUID, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("correlation_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("next_step", sa.Text, nullable=False),
        sa.Column("expected_by", sa.Date),
        sa.Column("at", TS, nullable=False),
        schema=S,
    )
    op.create_index("ix_journey_concern_id", "journey", ["concern_id", "at"], schema=S)
    op.create_table(
        "status_link",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("concern_id", UUID, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        schema=S,
    )
    op.create_index("ix_status_link_concern_id", "status_link", ["concern_id"], schema=S)


def downgrade() -> None:
    op.drop_table("status_link", schema=S)
    op.drop_table("journey", schema=S)
    op.drop_index("ix_message_about_event_id", "message", schema=S)
    op.drop_index("ix_message_due", "message", schema=S)
    op.execute(f"UPDATE {S}.message SET channel = provider")
    for column in reversed(MESSAGE_COLUMNS):
        op.drop_column("message", column.name, schema=S)
