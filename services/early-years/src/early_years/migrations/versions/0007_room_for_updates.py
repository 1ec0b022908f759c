"""early years: leave room on each page of the outbox for the row's one later version (fillfactor).

Every outbox row is marked published once, soon after it is written.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from frontdoor_shared.migrations import fill_pages_again, leave_room_for_updates

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
S = "early_years"
TABLES = ("outbox",)


def upgrade() -> None:
    leave_room_for_updates(op, S, TABLES)


def downgrade() -> None:
    fill_pages_again(op, S, TABLES)
