"""intake: idempotency keys found by their concern.

A partner (or any API client) lists its concerns with the Idempotency-Key each was sent with (for
a concern sent as an event, the event's id), and an erasure deletes a concern's keys: both look
keys up by concern, which without this index read every key of the table.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.create_index("ix_idempotency_key_concern", "idempotency_key", ["concern_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_idempotency_key_concern", table_name="idempotency_key", schema=S)
