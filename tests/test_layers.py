"""The layering the architecture promises, checked on the source: ``apps/`` (domain code) never
imports the GraphQL layer (``schema``) or a subscriber of the event bus (``webhooks``), and
domain services reach the event bus through ``apps.events``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_FROM_APPS = ("schema", "webhooks")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):  # inline imports inside functions count too
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _python_files("apps"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_code_imports_neither_the_graphql_layer_nor_webhooks(path):
    bad = [f"line {line}: {name}" for line, name in _imports(path)
           if name.split(".")[0] in FORBIDDEN_FROM_APPS]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_check_sees_an_offending_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from webhooks.models import Delivery\n")
    assert _imports(sample) == [(2, "webhooks.models")]
