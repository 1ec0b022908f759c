"""The domain is plain Python: no framework, no database, no validation library."""

from __future__ import annotations

import ast
from pathlib import Path

import notifications

FORBIDDEN = ("sqlalchemy", "faststream", "fastapi", "pydantic", "httpx", "jinja2", "frontdoor_shared")


def test_the_domain_imports_no_framework() -> None:
    domain = Path(notifications.__file__).parent / "domain"
    for path in domain.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_no_module_is_over_three_hundred_lines() -> None:
    package = Path(notifications.__file__).parent
    long = [p.name for p in package.rglob("*.py") if len(p.read_text().splitlines()) > 300]
    assert long == []
