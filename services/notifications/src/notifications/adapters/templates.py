"""Message templates, stored as files (`templates/<audience>/<name>.txt`): the first line is the
subject; partials live in `templates/_partials/`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notifications.domain.journey import long_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return long_date(value.date() if isinstance(value, datetime) else value)


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}".replace(".00", "")


class TemplateRenderer:
    def __init__(self, folder: Path = TEMPLATES) -> None:
        self._env = Environment(loader=FileSystemLoader(folder), undefined=StrictUndefined,
                                autoescape=False,  # noqa: S701 - plain text messages, never HTML
                                keep_trailing_newline=True, trim_blocks=True,
                                # the templates ship with the service and never change under it: no
                                # stat() of the file on every message to see whether it did
                                auto_reload=False)
        self._env.filters["long_date"] = _long_date
        self._env.filters["pounds"] = _pounds

    def render(self, name: str, **values: Any) -> tuple[str, str]:
        text = self._env.get_template(f"{name}.txt").render(**values)
        first, _, body = text.partition("\n")
        return first.removeprefix("Subject: ").strip(), body.strip() + "\n"

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self._env.list_templates(extensions=["txt"])
                      if not n.startswith("_"))
