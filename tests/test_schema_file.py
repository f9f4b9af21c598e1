"""docs/schema.graphql is the published SDL: it must match the schema the server runs."""

from __future__ import annotations

import difflib
from pathlib import Path

from django.conf import settings

from schema.management.commands.export_schema import schema_sdl

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "schema.graphql"
FIX = "run `python manage.py export_schema` (or `make schema`) and commit docs/schema.graphql"


def schema_file_problem(path: Path, live: str) -> str | None:
    """Why the file at ``path`` is not the live SDL ``live``, or ``None`` when it is."""
    if not path.exists():
        return f"{path} is missing: {FIX}."
    committed = path.read_text(encoding="utf-8")
    if committed == live:
        return None
    diff = difflib.unified_diff(committed.splitlines(), live.splitlines(), "docs/schema.graphql", "live schema",
                                lineterm="", n=1)
    excerpt = "\n".join(list(diff)[:40])
    return f"docs/schema.graphql is stale: {FIX}.\n{excerpt}"


def test_committed_schema_matches_live_schema():
    problem = schema_file_problem(SCHEMA_FILE, schema_sdl())
    assert problem is None, problem
