"""notifications: messages encrypted at rest (a data key per concern, wrapped by a KEK) and the
tombstones of erased concerns. Existing messages are encrypted in place.

Revision ID: 0003
Revises: 0002
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import Keyring, decrypt, encrypt, new_data_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
S = "notifications"
TS = sa.DateTime(timezone=True)
FIELDS = ("to_address", "subject", "body")


def _keyring() -> Keyring:
    # the same keys the service will run with (NOTIFICATIONS_DATA_KEYS / NOTIFICATIONS_DATA_KEY_ID)
    from notifications.config import NotificationsSettings

    s = NotificationsSettings()
    return Keyring.from_config(s.data_keys.get_secret_value() if s.data_keys else None, s.data_key_id,
                               service="notifications", production=s.environment == "production",
                               setting="NOTIFICATIONS")


def _purpose(name: str, message_id: uuid.UUID) -> str:
    return f"notifications.message.{name}.{message_id}"


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
    op.create_table(
        "erased_concern",
        sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("erased_at", TS, nullable=False),
        schema=S,
    )
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, concern_id, to_address, subject, body FROM {S}.message")).all()
    if not rows:
        return
    keyring, keys = _keyring(), {}
    for row in rows:
        owner, message_id = uuid.UUID(str(row.concern_id)), uuid.UUID(str(row.id))
        if owner not in keys:
            keys[owner] = new_data_key()
            bind.execute(sa.text(f"INSERT INTO {S}.data_key (owner_id, kek_id, wrapped) VALUES (:o, :k, :w)"),
                         {"o": owner, "k": keyring.current, "w": keyring.wrap(keys[owner], owner)})
        sealed = {name: encrypt(keys[owner], getattr(row, name).encode(), purpose=_purpose(name, message_id),
                                owner=owner) for name in FIELDS}
        bind.execute(sa.text(f"UPDATE {S}.message SET to_address = :to_address, subject = :subject, body = :body "
                             "WHERE id = :id"), {"id": message_id, **sealed})


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT m.id, m.concern_id, m.to_address, m.subject, m.body, k.wrapped FROM {S}.message m "
        f"JOIN {S}.data_key k ON k.owner_id = m.concern_id")).all()
    keyring = _keyring() if rows else None
    for row in rows:
        assert keyring is not None
        owner, message_id = uuid.UUID(str(row.concern_id)), uuid.UUID(str(row.id))
        key = keyring.unwrap(row.wrapped, owner)
        clear = {name: decrypt(key, getattr(row, name), purpose=_purpose(name, message_id), owner=owner).decode()
                 for name in FIELDS}
        bind.execute(sa.text(f"UPDATE {S}.message SET to_address = :to_address, subject = :subject, body = :body "
                             "WHERE id = :id"), {"id": message_id, **clear})
    op.drop_table("erased_concern", schema=S)
    op.drop_index("ix_data_key_kek_id", "data_key", schema=S)
    op.drop_table("data_key", schema=S)
