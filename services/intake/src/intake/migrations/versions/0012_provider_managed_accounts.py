"""intake: accounts the council's OpenID provider manages (made and kept to the roles its directory
gives, `INTAKE_OIDC_ROLES_FILE`), told apart from those added by hand (`frontdoor accounts add-user`).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.add_column("staff_user", sa.Column("managed_by", sa.Text), schema=S)


def downgrade() -> None:
    op.drop_column("staff_user", "managed_by", schema=S)
