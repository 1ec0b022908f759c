"""Early years' tables, in schema `early_years`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

SCHEMA = "early_years"
metadata = sa.MetaData(schema=SCHEMA)

panel_case = sa.Table(
    "panel_case", metadata,
    sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
    sa.Column("concern_id", pg.UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("age_in_months", sa.Integer),
    sa.Column("recommended_pathway", sa.Text),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("need_codes", pg.JSONB, nullable=False),
    sa.Column("ranges", pg.JSONB, nullable=False),
    sa.Column("reasons", pg.JSONB, nullable=False),
    sa.Column("policy_version", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
)
