"""notifications: sessions ended before their tokens run out (`intake.access-revoked.v1`): signed out, a
changed or reset password, a disabled account or partner system. An account id or a random session
id, two times and a reason code; kept only until no token it names could still be valid.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from frontdoor_shared.revocation import create_revoked_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
S = "notifications"


def upgrade() -> None:
    create_revoked_table(op, S)


def downgrade() -> None:
    op.drop_table("revoked_access", schema=S)
