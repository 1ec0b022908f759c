"""early years: what each multi-agency action is, as a code of the council's tasks.

An action had an agency, an owner's role and a due date but not what was to be done, so the
family's page could only say that the panel asked an agency "to act". `task` holds a code of
`domain.agencies.TASKS`; actions set before this revision keep none (nothing is invented for them).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
S = "early_years"


def upgrade() -> None:
    op.add_column("action", sa.Column("task", sa.Text), schema=S)


def downgrade() -> None:
    op.drop_column("action", "task", schema=S)
