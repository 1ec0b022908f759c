"""early years: the answer of the team a panel's case was referred to.

After the panel decides, the pathway team says how the referral is going
(`intake.referral-progressed.v1`): accepted (and by when it will contact the family), the first
appointment booked, or declined. The case keeps the latest, so the panel sees it on the case's page
when it reviews the case. Codes and days only.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
S = "early_years"


def upgrade() -> None:
    op.add_column("panel_case", sa.Column("team_answer", pg.JSONB), schema=S)


def downgrade() -> None:
    op.drop_column("panel_case", "team_answer", schema=S)
