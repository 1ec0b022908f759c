"""structlog set-up: JSON outside a terminal; every line carries the service name.

A last processor scrubs any key that names a direct identifier, so a careless `log.info(...,
name=...)` cannot leak a child's name into the logs.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

FORBIDDEN_KEYS = frozenset({
    "name", "first_name", "last_name", "given_name", "family_name", "full_name", "child_name",
    "nhs_number", "upn", "date_of_birth", "dob", "address", "postcode", "email", "phone",
    "telephone", "mobile", "description", "free_text", "notes", "contact", "recipients",
})


def _scrub(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key.lower() in FORBIDDEN_KEYS:
            event_dict[key] = "[withheld]"
    return event_dict


def configure_logging(service: str, *, fmt: str = "auto", level: str = "INFO") -> None:
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _scrub,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processor=renderer, foreign_pre_chain=shared,
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(**bound: Any) -> Any:
    return structlog.get_logger().bind(**bound)
