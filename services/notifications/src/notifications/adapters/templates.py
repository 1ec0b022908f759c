"""Message templates, stored as files (`templates/<audience>/<name>.txt`): the first line is the
subject; partials live in `templates/_partials/`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

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
        self._loaded: dict[str, Template] = {}

    def _template(self, filename: str) -> Template:
        """The template, loaded once. Its globals become a plain dict: Jinja keeps them as a ChainMap
        of the template's and the environment's, and every render copied that ChainMap key by key,
        twice (measured: a quarter of each message's rendering). Nothing adds globals after start."""
        template = self._loaded.get(filename)
        if template is None:
            template = self._env.get_template(filename)
            template.globals = dict(template.globals)
            self._loaded[filename] = template
        return template

    def render(self, name: str, **values: Any) -> tuple[str, str]:
        text = self._template(f"{name}.txt").render(**values)
        first, _, body = text.partition("\n")
        return first.removeprefix("Subject: ").strip(), body.strip() + "\n"

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self._env.list_templates(extensions=["txt"])
                      if not n.startswith("_"))
