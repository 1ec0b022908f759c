"""A council's panel vocabulary from a YAML file (`EARLY_YEARS_VOCABULARY_FILE`):

    agencies:            # who sits on the panel: code -> name
      portage: Portage home visiting
    reasons:             # the reasons the panel gives: code -> the council's published sentence
      needs-met-in-setting: The setting can meet the child's needs with what it ordinarily provides.
    tasks:               # what an action asks, read after "asked <agency> to": code -> words
      home-visit: visit the family at home

Each section given replaces the default list; one left out keeps it. A mistake is refused at
start-up with the section, the code and what is wrong, so the panel never runs on a half-read list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from early_years.domain.vocabulary import Vocabulary

SECTIONS = ("agencies", "reasons", "tasks")
CODE = re.compile(r"^[a-z][a-z0-9-]{0,59}$")
LONGEST = {"agencies": 120, "reasons": 300, "tasks": 200}


class VocabularyError(ValueError):
    """The file cannot be used; the message names the section and code at fault, and why."""


def load_vocabulary(path: Path) -> Vocabulary:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise VocabularyError(f"{path}: cannot be read as YAML ({err})") from None
    if not isinstance(data, dict) or not data:
        raise VocabularyError(f"{path}: give one or more of the sections {', '.join(SECTIONS)}")
    unknown = sorted(str(k) for k in data if k not in SECTIONS)
    if unknown:
        raise VocabularyError(f"{path}: {', '.join(unknown)}: not a section (use {', '.join(SECTIONS)})")
    return Vocabulary(**{name: _section(path, name, data[name]) for name in SECTIONS if name in data})


def _section(path: Path, name: str, entries: Any) -> dict[str, str]:
    if not isinstance(entries, dict) or not entries:
        raise VocabularyError(f"{path}: {name}: give at least one code and its words")
    checked = {}
    for code, words in entries.items():
        where = f"{path}: {name}.{code}"
        if not isinstance(code, str) or not CODE.match(code):
            raise VocabularyError(f"{where}: a code is lower-case letters, digits and hyphens, starting with a "
                                  "letter, at most 60")
        if not isinstance(words, str) or not words.strip():
            raise VocabularyError(f"{where}: give the words for this code")
        if len(words.strip()) > LONGEST[name]:
            raise VocabularyError(f"{where}: at most {LONGEST[name]} characters")
        checked[code] = " ".join(words.split())
    return checked
