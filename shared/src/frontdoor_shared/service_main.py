"""Each service's command line: `frontdoor-<service> serve | migrate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import uvicorn

from frontdoor_shared import heap
from frontdoor_shared.logging import configure_logging
from frontdoor_shared.migrations import upgrade
from frontdoor_shared.settings import ServiceSettings


def service_cli(*, service: str, schema: str, migrations_dir: Path, default_port: int,
                settings: Callable[[], ServiceSettings], create_app: Callable[[Any], Any]
                ) -> typer.Typer:
    app = typer.Typer(help=f"Front Door {service} service", no_args_is_help=True)

    @app.command()
    def serve(port: int = typer.Option(default_port, envvar=f"{schema.upper()}_PORT"),
              migrate_first: bool = typer.Option(False, "--migrate")) -> None:
        """Run the service: its consumers, its outbox relay and its HTTP interface."""
        heap.hold_mmap_threshold()  # freed buffers go back to the system, whatever was freed before
        s = settings()
        configure_logging(service, fmt=s.log_format, level=s.log_level)
        if migrate_first:
            upgrade(migrations_dir, s.database_url.get_secret_value(), schema)
        service_app = create_app(s)
        heap.settle()  # the heap built so far is the service itself: out of every later collection
        # uvloop and httptools, not the pure-Python defaults: the event loop and HTTP parsing were
        # the largest shares of every service's CPU (profiled under `make bench`)
        uvicorn.run(service_app, host=s.host, port=port, log_config=None, loop="uvloop", http="httptools",
                    timeout_graceful_shutdown=int(s.graceful_timeout_seconds), access_log=False)

    @app.command()
    def migrate(revision: str = "head") -> None:
        """Bring this service's schema up to date."""
        s = settings()
        upgrade(migrations_dir, s.database_url.get_secret_value(), schema, revision)
        typer.echo(f"{service}: schema {schema} at {revision}")

    return app
