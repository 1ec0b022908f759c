"""notifications: the pathway a family's step waits on (routed, decided), so a team that lets the
date the family was given pass without a word is chased. A code, never a person.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
S = "notifications"


def upgrade() -> None:
    op.add_column("journey", sa.Column("pathway", sa.Text), schema=S)
    # Steps recorded before this revision: their line names the team in the family's words.
    op.execute(f"""
        UPDATE {S}.journey SET pathway = CASE
            WHEN next_step LIKE 'We must decide whether to carry out an education, health and care needs%'
                THEN 'statutory'
            WHEN line LIKE '%speech, language and communication team%' THEN 'slcn'
            WHEN line LIKE '%specialist outreach team%' THEN 'outreach'
            WHEN line LIKE '%SEN support and inclusion funding team%' THEN 'sen-support'
            WHEN line LIKE '%early years advice team%' THEN 'universal-advice'
        END
        WHERE status IN ('routed', 'decided')""")


def downgrade() -> None:
    op.drop_column("journey", "pathway", schema=S)
