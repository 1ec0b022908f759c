-- Front Door's database, created once when the postgres volume is first initialised
-- (the postgres image runs /docker-entrypoint-initdb.d/*.sql with psql and ON_ERROR_STOP).
--
-- Schemas are NOT created here: each service creates its own schema (intake, triage,
-- early_years, notifications) and its tables in its own Alembic migration, run by
-- `frontdoor-<service> serve --migrate` or `frontdoor-<service> migrate`.
--
-- The compose stack gives every service one DATABASE_URL, so all four connect as the one
-- superuser from POSTGRES_USER/POSTGRES_PASSWORD. The roles below document least privilege for
-- a real deployment: point each service's DATABASE_URL at its own role, and that role will own
-- its schema and nothing else.

CREATE DATABASE frontdoor;

\connect frontdoor

-- Nobody connects or creates anything unless granted below.
REVOKE ALL ON DATABASE frontdoor FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- One login role per service. No passwords in this file: set them out of band
-- (ALTER ROLE ... PASSWORD, or your platform's IAM authentication) before using a role.
CREATE ROLE frontdoor_intake LOGIN;
CREATE ROLE frontdoor_triage LOGIN;
CREATE ROLE frontdoor_early_years LOGIN;
CREATE ROLE frontdoor_notifications LOGIN;

-- CONNECT to reach the database. CREATE (on the database) because each migration begins with
-- `CREATE SCHEMA IF NOT EXISTS "<schema>"`, and PostgreSQL checks that privilege even when the
-- schema already exists. The role that runs the migration first creates the schema and so owns
-- it; a schema's owner grants nothing to others, so no service can read another's tables.
-- (Run each service's first migration as its own role, so that role owns its schema.)
GRANT CONNECT, CREATE ON DATABASE frontdoor TO frontdoor_intake;
GRANT CONNECT, CREATE ON DATABASE frontdoor TO frontdoor_triage;
GRANT CONNECT, CREATE ON DATABASE frontdoor TO frontdoor_early_years;
GRANT CONNECT, CREATE ON DATABASE frontdoor TO frontdoor_notifications;
