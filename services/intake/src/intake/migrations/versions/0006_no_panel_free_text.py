"""intake: take the panel chair's free text (panel-decision v1's `panel-reason`) out of the status
history; panel reasons are codes from now on (panel-decision v2).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from frontdoor_shared.migrations import PANEL_FREE_TEXT_RULE

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
S = "intake"


def upgrade() -> None:
    op.execute(f"""
        UPDATE {S}.status_history SET detail = jsonb_set(detail, '{{reasons}}', COALESCE(
            (SELECT jsonb_agg(r) FROM jsonb_array_elements(detail->'reasons') r WHERE r->>'rule' IS DISTINCT FROM
             '{PANEL_FREE_TEXT_RULE}'), '[]'::jsonb))
        WHERE detail->'reasons' @> '[{{"rule": "{PANEL_FREE_TEXT_RULE}"}}]'""")


def downgrade() -> None:
    """Nothing to put back: the free text is gone on purpose."""
