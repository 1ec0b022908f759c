"""The domain is plain Python, and every module stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import early_years

FORBIDDEN = ("sqlalchemy", "faststream", "fastapi", "pydantic", "jinja2", "frontdoor_shared", "starlette")
PACKAGE = Path(early_years.__file__).parent


def test_the_domain_imports_no_framework() -> None:
    for path in (PACKAGE / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_no_module_is_over_three_hundred_lines() -> None:
    long = [p.name for p in PACKAGE.rglob("*.py") if len(p.read_text().splitlines()) > 300]
    assert long == []
