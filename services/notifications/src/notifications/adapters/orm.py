"""Notifications' tables, in schema `notifications`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

SCHEMA = "notifications"
metadata = sa.MetaData(schema=SCHEMA)

recipient = sa.Table(
    "recipient", metadata,
    sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),  # still sealed: only this service can open it
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

message = sa.Table(
    "message", metadata,
    sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("audience", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("about_event_id", sa.Text, nullable=False),
    sa.Column("about_event_type", sa.Text, nullable=False),
    sa.Column("to_address", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)

pending_notice = sa.Table(
    "pending_notice", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("event", pg.JSONB, nullable=False),  # the envelope: codes and references only
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
