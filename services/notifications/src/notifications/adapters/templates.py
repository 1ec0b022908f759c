"""Message templates, stored as files: the first line is the subject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class TemplateRenderer:
    def __init__(self, folder: Path = TEMPLATES) -> None:
        self._env = Environment(loader=FileSystemLoader(folder), undefined=StrictUndefined,
                                autoescape=False, keep_trailing_newline=True)  # noqa: S701 - plain text

    def render(self, name: str, **values: Any) -> tuple[str, str]:
        text = self._env.get_template(f"{name}.txt").render(**values)
        first, _, body = text.partition("\n")
        return first.removeprefix("Subject: ").strip(), body.strip() + "\n"

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self._env.list_templates(extensions=["txt"]))
