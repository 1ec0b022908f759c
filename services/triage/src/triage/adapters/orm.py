"""Triage's tables, in schema `triage` (created by the migrations in `triage/migrations`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from frontdoor_shared.erasure import erased_table

SCHEMA = "triage"
metadata = sa.MetaData(schema=SCHEMA)

triage_result = sa.Table(
    "triage_result", metadata,
    sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("pathway", sa.Text),
    sa.Column("recommended_pathway", sa.Text),  # the policy's; `pathway` becomes the panel's
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("reasons", pg.JSONB, nullable=False),
    sa.Column("missing", pg.JSONB, nullable=False),
    sa.Column("policy_version", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("facts", pg.JSONB, nullable=False),
    sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=False),
)

# One row per routed referral, by the policy or the panel: the audit trail of routing.
routing = sa.Table(
    "routing", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("pathway", sa.Text, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decision_id", pg.UUID(as_uuid=True)),
    sa.Column("event_id", sa.Text),
    sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
)

# concerns erased at intake (their rows are gone) or withdrawn (reason `withdrawn`): later events about
# them are ignored
erased = erased_table(metadata, SCHEMA)
