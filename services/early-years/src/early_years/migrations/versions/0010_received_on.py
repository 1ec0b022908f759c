"""early years: the day the council received the concern, from triage's event.

The statutory clock (decide whether to carry out an EHC needs assessment within 6 weeks,
SEND Regulations 2014 reg 5(1)) runs from it, so a panel decision for the statutory pathway can say
by when (`frontdoor_shared.statutory`). Cases listed before this revision keep none: nothing is
invented for them, and their decisions state no date.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
S = "early_years"


def upgrade() -> None:
    op.add_column("panel_case", sa.Column("received_on", sa.Date), schema=S)


def downgrade() -> None:
    op.drop_column("panel_case", "received_on", schema=S)
