"""intake: encryption at rest of each concern's details (a data key per concern, wrapped by a KEK)
and erasure bookkeeping. Existing concerns are encrypted in place; the clear `details` column goes.

Revision ID: 0005
Revises: 0004
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import Keyring, decrypt_json, encrypt_json, new_data_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
S = "intake"
TS = sa.DateTime(timezone=True)
PURPOSE = "intake.concern.details"


def _keyring() -> Keyring:
    # the same keys the service will run with (INTAKE_DATA_KEYS / INTAKE_DATA_KEY_ID)
    from intake.config import IntakeSettings

    s = IntakeSettings()
    return Keyring.from_config(s.data_keys.get_secret_value() if s.data_keys else None, s.data_key_id,
                               service="intake", production=s.environment == "production", setting="INTAKE")


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
    op.add_column("concern", sa.Column("details_encrypted", sa.Text), schema=S)
    op.add_column("concern", sa.Column("erased_at", TS), schema=S)
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, details::text AS details FROM {S}.concern")).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            owner = uuid.UUID(str(row.id))
            key = new_data_key()
            bind.execute(sa.text(f"INSERT INTO {S}.data_key (owner_id, kek_id, wrapped) VALUES (:o, :k, :w)"),
                         {"o": owner, "k": keyring.current, "w": keyring.wrap(key, owner)})
            bind.execute(sa.text(f"UPDATE {S}.concern SET details_encrypted = :d WHERE id = :o"),
                         {"o": owner, "d": encrypt_json(key, json.loads(row.details), purpose=PURPOSE, owner=owner)})
    op.drop_column("concern", "details", schema=S)


def downgrade() -> None:
    op.add_column("concern", sa.Column("details", pg.JSONB, nullable=False, server_default="{}"), schema=S)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT c.id, c.details_encrypted, k.wrapped FROM {S}.concern c "
        f"JOIN {S}.data_key k ON k.owner_id = c.id WHERE c.details_encrypted IS NOT NULL")).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            owner = uuid.UUID(str(row.id))
            details = decrypt_json(keyring.unwrap(row.wrapped, owner), row.details_encrypted, purpose=PURPOSE,
                                   owner=owner)
            bind.execute(sa.text(f"UPDATE {S}.concern SET details = CAST(:d AS jsonb) WHERE id = :o"),
                         {"o": owner, "d": json.dumps(details)})
    op.drop_column("concern", "erased_at", schema=S)
    op.drop_column("concern", "details_encrypted", schema=S)
    op.drop_index("ix_data_key_kek_id", "data_key", schema=S)
    op.drop_table("data_key", schema=S)
