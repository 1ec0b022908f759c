"""intake: the append-only audit trail of every read and change of a child's record

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_kind", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("concern_id", pg.UUID(as_uuid=True)),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        schema=S,
    )
    op.create_index("ix_audit_reference", "audit", ["reference", "at"], schema=S)
    # Append-only: the database itself refuses to change or delete a line of the trail.
    op.execute(f"""
        CREATE FUNCTION {S}.audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$""")
    op.execute(f"""
        CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {S}.audit
        FOR EACH STATEMENT EXECUTE FUNCTION {S}.audit_is_append_only()""")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER audit_append_only ON {S}.audit")
    op.execute(f"DROP FUNCTION {S}.audit_is_append_only()")
    op.drop_table("audit", schema=S)
