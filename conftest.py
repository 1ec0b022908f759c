"""Every test tier shares the test stack plugin (real PostgreSQL and broker, see frontdoor_cli.testing)."""

pytest_plugins = ["frontdoor_cli.testing"]
