"""Notifications' tables, in schema `notifications`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.at_rest import data_key_table
from frontdoor_shared.erasure import erased_table

SCHEMA = "notifications"
metadata = sa.MetaData(schema=SCHEMA)
TS = sa.DateTime(timezone=True)

recipient = sa.Table(
    "recipient", metadata,
    sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),  # still sealed: only this service can open it
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)

message = sa.Table(
    "message", metadata,
    sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),  # also Notify's `reference`: opaque
    sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("audience", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),  # email, sms or letter
    sa.Column("provider", sa.Text, nullable=False),  # dev-mailbox, notify or smtp
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("about_event_id", sa.Text, nullable=False, index=True),
    sa.Column("about_event_type", sa.Text, nullable=False),
    sa.Column("correlation_id", sa.Text),
    # encrypted with the concern's data key (frontdoor_shared.at_rest): names and contact details
    sa.Column("to_address", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # pending, sent, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS),
    sa.Column("provider_id", sa.Text),
    sa.Column("last_error", sa.Text),  # a reason from our own words: never a contact detail
    sa.Column("fallback_of", pg.UUID(as_uuid=True)),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("sent_at", TS),
    sa.Column("status_at", TS),
)

pending_notice = sa.Table(
    "pending_notice", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("event", pg.JSONB, nullable=False),  # the envelope: codes and references only
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
)

journey = sa.Table(
    "journey", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("correlation_id", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("line", sa.Text, nullable=False),  # plain English, naming no one
    sa.Column("next_step", sa.Text, nullable=False),
    sa.Column("expected_by", sa.Date),
    sa.Column("at", TS, nullable=False),
    sa.Column("pathway", sa.Text),  # the team a routed or decided step waits on: a code
)

status_link = sa.Table(
    "status_link", metadata,
    sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),  # SHA-256: never the token
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("revoked_at", TS),
)

# one wrapped data key per concern, for its messages; and the concerns erased (ignore late events)
data_key = data_key_table(metadata, SCHEMA)
erased = erased_table(metadata, SCHEMA)
