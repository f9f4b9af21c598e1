"""Helpers for the accounts API tests: documented operations loaded from the acceptance kit."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# The acceptance kit ships in shared/ beside the repository (CI clones main with shared/ next to it).
OPERATIONS_DIR = (REPO_ROOT / ".." / "shared" / "acceptance" / "healthie_docs_operations").resolve()


def documented_operation(filename: str) -> str:
    """The text of one documented example operation, exactly as the documentation wrote it."""
    if not OPERATIONS_DIR.is_dir():
        pytest.skip(f"documented operations folder {OPERATIONS_DIR} is absent (shared/ is not beside the repo)")
    return (OPERATIONS_DIR / filename).read_text()


def documented_files(*domains: str) -> set[str]:
    if not OPERATIONS_DIR.is_dir():
        pytest.skip(f"documented operations folder {OPERATIONS_DIR} is absent (shared/ is not beside the repo)")
    found = set()
    for path in OPERATIONS_DIR.glob("*.graphql"):
        head = path.read_text().splitlines()[:3]
        if any(line.strip() in {f"# domain: {d}" for d in domains} for line in head):
            found.add(path.name)
    return found
