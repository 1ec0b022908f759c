"""Intake's tables, in schema `intake`. Only intake's adapters touch them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import data_key_table

SCHEMA = "intake"
metadata = sa.MetaData(schema=SCHEMA)

concern = sa.Table(
    "concern", metadata,
    sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("reference", sa.Text, nullable=False, unique=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("submitted_by", sa.Text),
    # what the referrer told us (names, NHS number, DOB, address, contacts, description): encrypted
    # with the concern's own data key (frontdoor_shared.at_rest); NULL once the concern is erased
    sa.Column("details_encrypted", sa.Text),
    sa.Column("linked_concern_ids", pg.ARRAY(pg.UUID(as_uuid=True)), nullable=False, server_default="{}"),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("watchdog_redrives", sa.Integer, nullable=False, server_default="0"),
    sa.Column("watchdog_raised_at", sa.DateTime(timezone=True)),
    sa.Column("erased_at", sa.DateTime(timezone=True)),
)

# one wrapped data key per concern: destroying it is what erases the concern (crypto-shredding)
data_key = data_key_table(metadata, SCHEMA)


status_history = sa.Table(
    "status_history", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), sa.ForeignKey(concern.c.id), nullable=False, index=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text),
    sa.Column("event_id", sa.Text),
    sa.Column("detail", pg.JSONB, nullable=False, server_default="{}"),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

idempotency = sa.Table(
    "idempotency_key", metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), sa.ForeignKey(concern.c.id), nullable=False),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_idempotency_key_concern", "concern_id"),  # migration 0010
)

child_match = sa.Table(
    "child_match_key", metadata,
    sa.Column("match_key", sa.Text, primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), sa.ForeignKey(concern.c.id), primary_key=True),
)

staff_user = sa.Table(
    "staff_user", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("panel_id", sa.Text),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("managed_by", sa.Text),  # "provider": made and kept by the council's directory (provider_roles)
)

partner_client = sa.Table(
    "partner_client", metadata,
    sa.Column("client_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status_events", sa.Boolean, nullable=False, server_default=sa.true()),
)

audit = sa.Table(
    "audit", metadata,
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
)
