"""intake: a partner system hears back on its own topic (`partner.<client id>.status.v1`).

On by default, for the partners registered before as for new ones; the council can stop a partner's
events (`frontdoor accounts partner-status-events --client-id C --off`) when its system does not read
them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.add_column("partner_client", sa.Column("status_events", sa.Boolean, nullable=False,
                                              server_default=sa.true()), schema=S)


def downgrade() -> None:
    op.drop_column("partner_client", "status_events", schema=S)
