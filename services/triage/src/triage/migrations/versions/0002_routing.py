"""triage: routing history, and the policy's own recommendation kept beside the panel's decision

Every routed referral (by the policy or by the panel) gets a `routing` row, so who routed a
child where, when and on which decision is auditable. `triage_result.recommended_pathway` keeps
what the policy recommended once a panel decision has replaced `pathway`.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
S = "triage"


def upgrade() -> None:
    op.add_column("triage_result", sa.Column("recommended_pathway", sa.Text), schema=S)
    op.execute(f"UPDATE {S}.triage_result SET recommended_pathway = pathway")
    op.create_table(
        "routing",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("pathway", sa.Text, nullable=False),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decision_id", pg.UUID(as_uuid=True)),
        sa.Column("event_id", sa.Text),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decided_by IN ('policy', 'panel')", name="ck_routing_decided_by"),
        schema=S,
    )
    op.create_index("ix_routing_concern_id", "routing", ["concern_id"], schema=S)
    # Referrals routed before this revision: recorded from their results (no event id kept then).
    op.execute(
        f"INSERT INTO {S}.routing (concern_id, reference, pathway, priority, decided_by, routed_at) "
        f"SELECT concern_id, reference, pathway, priority, 'policy', triaged_at "
        f"FROM {S}.triage_result WHERE outcome = 'routed' AND pathway IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("routing", schema=S)
    op.drop_column("triage_result", "recommended_pathway", schema=S)
