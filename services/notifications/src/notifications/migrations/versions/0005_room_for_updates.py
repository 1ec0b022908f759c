"""notifications: leave room on each page of the outbox and the messages for a row's one later
version (fillfactor).

Every outbox row is marked published once, soon after it is written. Every message is marked sent
once, soon after it is recorded (4.4 messages a concern in the benchmark's mix): on a full page
that update cost twice the server CPU of one on the same page.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from frontdoor_shared.migrations import fill_pages_again, leave_room_for_updates

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
S = "notifications"
TABLES = ("outbox", "message")


def upgrade() -> None:
    leave_room_for_updates(op, S, TABLES)


def downgrade() -> None:
    fill_pages_again(op, S, TABLES)
