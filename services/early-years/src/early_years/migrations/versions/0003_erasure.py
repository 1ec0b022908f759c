"""early-years: tombstones of concerns erased at intake (ids and times only); a recorded decision
may now be deleted, but only by an erasure (which sets `frontdoor.erasing` for its transaction):
it stays never edited, and never deleted otherwise.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
S = "early_years"


_REFUSE = "RAISE EXCEPTION 'a recorded panel decision is never edited: record a correction instead';"


def _decision_guard(body: str) -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {S}.decision_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {body}
        END $$""")


def upgrade() -> None:
    _decision_guard("IF TG_OP = 'DELETE' AND current_setting('frontdoor.erasing', true) = 'on' THEN "
                    "RETURN OLD; END IF; " + _REFUSE)
    op.create_table(
        "erased_concern",
        sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    _decision_guard(_REFUSE)
    op.drop_table("erased_concern", schema=S)
