"""early-years: a decision's reasons are codes; the chair's note is encrypted at rest.

Decisions carried the chair's free-text reason in clear, in `decision.reason` and on the
panel-decision v1 topic. Now `reason_codes` holds the council's reason codes and `note` the
chair's text, encrypted with the concern's data key (wrapped by EARLY_YEARS_DATA_KEYS), so a
dump holds no free text and erasure shreds it. Existing reasons become encrypted notes; stored
v1 decision events in the outbox become v2 (no reasons in clear, the note sealed for
notifications).

Revision ID: 0006
Revises: 0005
"""

import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import Keyring, encrypt, new_data_key
from frontdoor_shared.migrations import rewrite_outbox, without_panel_free_text
from frontdoor_shared.sealed import development_keypair, seal

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
S = "early_years"
TS = sa.DateTime(timezone=True)
NOTE = "early-years.decision.note"
V1, V2 = "uk.frontdoor.early-years.panel.decision.v1", "uk.frontdoor.early-years.panel.decision.v2"


def _settings() -> Any:
    from early_years.config import EarlyYearsSettings

    return EarlyYearsSettings()


def _keyring(s: Any) -> Keyring:
    return Keyring.from_config(s.data_keys.get_secret_value() if s.data_keys else None, s.data_key_id,
                               service="early-years", production=s.environment == "production",
                               setting="EARLY_YEARS")


def upgrade() -> None:
    op.create_table(
        "data_key",
        sa.Column("owner_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("kek_id", sa.Text, nullable=False),
        sa.Column("wrapped", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("rewrapped_at", TS),
        schema=S,
    )
    op.create_index("ix_data_key_kek_id", "data_key", ["kek_id"], schema=S)
    op.add_column("decision", sa.Column("reason_codes", pg.JSONB, nullable=False, server_default="[]"), schema=S)
    op.add_column("decision", sa.Column("note", sa.Text), schema=S)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT d.id, d.reason, c.concern_id FROM {S}.decision d JOIN {S}.panel_case c ON c.id = d.case_id "
        "WHERE d.reason <> ''")).all()
    settings = _settings() if rows or _has_v1_events(bind) else None
    if rows:
        keyring, keys = _keyring(settings), {}
        # the decision guard refuses edits; this one-off move of the text is the migration's, not a user's
        bind.execute(sa.text(f"ALTER TABLE {S}.decision DISABLE TRIGGER decision_append_only"))
        for row in rows:
            owner = uuid.UUID(str(row.concern_id))
            if owner not in keys:
                keys[owner] = new_data_key()
                bind.execute(sa.text(f"INSERT INTO {S}.data_key (owner_id, kek_id, wrapped) VALUES (:o, :k, :w)"),
                             {"o": owner, "k": keyring.current, "w": keyring.wrap(keys[owner], owner)})
            bind.execute(sa.text(f"UPDATE {S}.decision SET note = :n WHERE id = :i"),
                         {"i": row.id, "n": encrypt(keys[owner], row.reason.encode(), purpose=NOTE, owner=owner)})
        bind.execute(sa.text(f"ALTER TABLE {S}.decision ENABLE TRIGGER decision_append_only"))
    op.drop_column("decision", "reason", schema=S)
    if settings is not None:
        public = settings.notifications_public_key or development_keypair()[1]
        rewrite_outbox(bind, S, V1, lambda event: _as_v2(event, public), topics={V2: "early-years.panel-decision.v2"})


def _has_v1_events(bind: sa.Connection) -> bool:
    return bool(bind.scalar(sa.text(f"SELECT count(*) FROM {S}.outbox WHERE event_type = :t"), {"t": V1}))


def _as_v2(event: dict[str, Any], public_key: str) -> dict[str, Any] | None:
    if event.get("type") != V1:
        return None
    data = dict(event["data"])
    texts = [r.get("text", "") for r in data.get("reasons", []) if r.get("rule") == "panel-reason"]
    data["reasons"] = without_panel_free_text(data.get("reasons", []))
    data["note_sealed"] = seal(public_key, "\n".join(texts).encode()) if any(texts) else None
    schema_uri = event.get("dataschema")
    event = {**event, "type": V2, "data": data}
    if schema_uri:
        event["dataschema"] = schema_uri.replace(V1, V2)
    return event


def downgrade() -> None:
    raise NotImplementedError("the chair's notes are encrypted and reasons coded; restore from a backup")
