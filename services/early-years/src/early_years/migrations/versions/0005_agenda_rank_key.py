"""Each agenda item keeps its case's rank (priority, then time listed) as one sortable integer,
indexed, so the items a new case outranks are an index range, not a scan of the whole agenda.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "early_years"


def upgrade() -> None:
    op.add_column("agenda_item", sa.Column("rank_key", sa.BigInteger), schema=S)
    # domain.agenda.rank_key, as it is today (migrations are frozen): rank * 10^16 + microseconds since 1970
    op.execute(f"""
        UPDATE {S}.agenda_item AS g SET rank_key =
            (CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'routine' THEN 2 ELSE 9 END)::bigint
            * 10000000000000000
            + (extract(epoch FROM c.listed_at) * 1000000)::bigint
        FROM {S}.panel_case AS c WHERE c.id = g.case_id""")
    op.alter_column("agenda_item", "rank_key", nullable=False, schema=S)
    op.create_index("ix_agenda_item_meeting_rank", "agenda_item", ["meeting_id", "rank_key"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_agenda_item_meeting_rank", table_name="agenda_item", schema=S)
    op.drop_column("agenda_item", "rank_key", schema=S)
