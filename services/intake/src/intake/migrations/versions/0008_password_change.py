"""intake: a member of staff given a password by the council must change it at first sign-in.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.add_column("staff_user", sa.Column("must_change_password", sa.Boolean, nullable=False,
                                          server_default=sa.false()), schema=S)


def downgrade() -> None:
    op.drop_column("staff_user", "must_change_password", schema=S)
