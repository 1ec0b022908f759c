"""Alembic environment: the shared runner keeps the version table in this service's schema."""

from alembic import context

from frontdoor_shared.migrations import run_env

run_env(context)
