"""triage: take the panel chair's free text (panel-decision v1's `panel-reason`) out of results
and of stored routed-referral events; panel reasons are codes from now on (panel-decision v2).

Revision ID: 0004
Revises: 0003
"""

from typing import Any

from alembic import op

from frontdoor_shared.migrations import PANEL_FREE_TEXT_RULE, rewrite_outbox, without_panel_free_text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
S = "triage"


def _strip(event: dict[str, Any]) -> dict[str, Any] | None:
    data = event.get("data")
    if not isinstance(data, dict) or "reasons" not in data:
        return None
    return {**event, "data": {**data, "reasons": without_panel_free_text(data["reasons"])}}


def upgrade() -> None:
    op.execute(f"""
        UPDATE {S}.triage_result SET reasons = COALESCE(
            (SELECT jsonb_agg(r) FROM jsonb_array_elements(reasons) r WHERE r->>'rule' IS DISTINCT FROM
             '{PANEL_FREE_TEXT_RULE}'), '[]'::jsonb)
        WHERE reasons @> '[{{"rule": "{PANEL_FREE_TEXT_RULE}"}}]'""")
    rewrite_outbox(op.get_bind(), S, PANEL_FREE_TEXT_RULE, _strip)


def downgrade() -> None:
    """Nothing to put back: the free text is gone on purpose."""
