"""Message templates, stored as files (`templates/<audience>/<name>.txt`): the first line is the
subject; partials live in `templates/_partials/`.

A council can put its own words in a folder of its own (NOTIFICATIONS_TEMPLATES_DIR), laid out the
same way: a file there replaces the built-in one of the same path (a partial too), and
`<language>/family/<name>.txt` (a BCP 47 tag in lower case, e.g. `pl`, `ur`, `pt-br`) is the
letter for a family whose preferred language it is, with its own partials under
`<language>/_partials/`. A family whose language has no letter gets the council's English one.
Every file in the folder is checked at start-up (`TemplatesError` names the file and why): it
must replace a built-in template, compile, start with its subject line, and use no value the
built-in template is not given, so a message can never fail to render for a council's wording.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, Template, TemplateError, meta

from notifications.domain.journey import long_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


class TemplatesError(ValueError):
    """A council's template folder has a mistake; the message names the file and why."""


def _long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return long_date(value.date() if isinstance(value, datetime) else value)


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}".replace(".00", "")


def _environment(*folders: Path) -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(f) for f in folders]), undefined=StrictUndefined,
                      autoescape=False,  # noqa: S701 - plain text messages, never HTML
                      keep_trailing_newline=True, trim_blocks=True,
                      # the templates ship with the service and never change under it: no
                      # stat() of the file on every message to see whether it did
                      auto_reload=False)
    env.filters["long_date"] = _long_date
    env.filters["pounds"] = _pounds
    return env


class TemplateRenderer:
    def __init__(self, folder: Path = TEMPLATES, council: Path | None = None) -> None:
        self._env = _environment(*([council] if council else []), folder)
        self._loaded: dict[str, Template] = {}
        self._languages: frozenset[str] = frozenset()
        if council is not None:
            self._languages = check_council_templates(council, _environment(folder), self._env)

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

    def _filename(self, name: str, language: Any) -> str:
        """The family's letter in their language where the council wrote one (the full tag, then its
        primary language), else the English one."""
        if self._languages and name.startswith("family/") and isinstance(language, str):
            tag = language.lower()
            for candidate in (tag, tag.partition("-")[0]):
                if f"{candidate}/{name}" in self._languages:
                    return f"{candidate}/{name}.txt"
        return f"{name}.txt"

    def render(self, name: str, **values: Any) -> tuple[str, str]:
        text = self._template(self._filename(name, values.get("language"))).render(**values)
        first, _, body = text.partition("\n")
        return first.removeprefix("Subject: ").strip(), body.strip() + "\n"

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self._env.list_templates(extensions=["txt"])
                      if not n.startswith("_") and not LANGUAGE.match(n.partition("/")[0]))


def _variables(env: Environment, filename: str, seen: set[str] | None = None) -> set[str]:
    """The values a template (with everything it includes) reads."""
    seen = set() if seen is None else seen
    if filename in seen:
        return set()
    seen.add(filename)
    assert env.loader is not None
    source = env.loader.get_source(env, filename)[0]
    tree = env.parse(source)
    found = set(meta.find_undeclared_variables(tree))
    for included in meta.find_referenced_templates(tree):
        if included is not None:
            found |= _variables(env, included, seen)
    return found


def check_council_templates(council: Path, builtin: Environment, env: Environment) -> frozenset[str]:
    """Check every file of the council's folder; the `<language>/family/<name>` letters it has."""
    if not council.is_dir():
        raise TemplatesError(f"{council}: not a folder")
    known = set(builtin.list_templates(extensions=["txt"]))
    languages: set[str] = set()
    for path in sorted(council.rglob("*")):
        if path.is_dir():
            continue
        relative = path.relative_to(council).as_posix()
        where = f"{council}/{relative}"
        if not relative.endswith(".txt"):
            raise TemplatesError(f"{where}: only .txt templates belong here")
        first, _, rest = relative.partition("/")
        language = first if LANGUAGE.match(first) and rest.split("/")[0] in ("family", "_partials") else None
        stands_for = rest if language else relative
        if language is None and stands_for not in known:
            raise TemplatesError(f"{where}: replaces no built-in template (they are: "
                                 f"{', '.join(sorted(n for n in known if not n.startswith('_')))})")
        if language is not None and not stands_for.startswith("_partials/") and stands_for not in known:
            raise TemplatesError(f"{where}: no built-in family template {stands_for!r} to translate")
        try:
            env.get_template(relative)
            used = _variables(env, relative)
            text = path.read_text(encoding="utf-8")
        except TemplateError as err:
            raise TemplatesError(f"{where}: {type(err).__name__}: {err}") from None
        except UnicodeDecodeError:
            raise TemplatesError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
        if stands_for.startswith("_partials/"):
            continue  # checked with each template that includes it
        if not text.startswith("Subject:"):
            raise TemplatesError(f"{where}: the first line must be the subject, 'Subject: ...'")
        unknown = used - _variables(builtin, stands_for)
        if unknown:
            raise TemplatesError(f"{where}: uses {', '.join(sorted(unknown))}, which {stands_for} is never given")
        if language is not None:
            languages.add(f"{language}/{stands_for.removesuffix('.txt')}")
    return frozenset(languages)
