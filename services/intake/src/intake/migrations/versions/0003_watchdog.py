"""intake: watchdog bookkeeping on concerns (re-drives and when it was raised to staff)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.add_column("concern", sa.Column("watchdog_redrives", sa.Integer, nullable=False, server_default="0"),
                  schema=S)
    op.add_column("concern", sa.Column("watchdog_raised_at", sa.DateTime(timezone=True)), schema=S)
    op.create_index("ix_concern_status_updated", "concern", ["status", "updated_at"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_concern_status_updated", "concern", schema=S)
    op.drop_column("concern", "watchdog_raised_at", schema=S)
    op.drop_column("concern", "watchdog_redrives", schema=S)
