"""Agenda positions become numeric, so a case slots in between two others without renumbering.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("agenda_item", "position", type_=sa.Numeric, existing_nullable=False,
                    postgresql_using="position::numeric", schema="early_years")
    op.create_index("ix_agenda_item_meeting_position", "agenda_item", ["meeting_id", "position"],
                    schema="early_years")


def downgrade() -> None:
    op.drop_index("ix_agenda_item_meeting_position", table_name="agenda_item", schema="early_years")
    op.alter_column("agenda_item", "position", type_=sa.Integer, existing_nullable=False,
                    postgresql_using="round(position)::integer", schema="early_years")
