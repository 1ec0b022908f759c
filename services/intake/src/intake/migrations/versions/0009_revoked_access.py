"""intake: sessions ended before their tokens run out (`intake.access-revoked.v1`): signed out, a
changed or reset password, a disabled account or partner system. An account id or a random session
id, two times and a reason code; kept only until no token it names could still be valid.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

from frontdoor_shared.revocation import create_revoked_table

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    create_revoked_table(op, S)


def downgrade() -> None:
    op.drop_table("revoked_access", schema=S)
