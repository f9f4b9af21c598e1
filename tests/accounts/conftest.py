"""Helpers for the accounts API tests: documented operations loaded from the acceptance kit."""

from __future__ import annotations

import pytest

from tests.shared_kit import OPERATIONS_DIR

ABSENT = "the acceptance kit (shared/acceptance) is not beside the clone, at /work/shared or in ACCEPTANCE_KIT"


def documented_operation(filename: str) -> str:
    """The text of one documented example operation, exactly as the documentation wrote it."""
    if OPERATIONS_DIR is None or not OPERATIONS_DIR.is_dir():
        pytest.skip(ABSENT)
    return (OPERATIONS_DIR / filename).read_text()


def documented_files(*domains: str) -> set[str]:
    if OPERATIONS_DIR is None or not OPERATIONS_DIR.is_dir():
        pytest.skip(ABSENT)
    found = set()
    for path in OPERATIONS_DIR.glob("*.graphql"):
        head = path.read_text().splitlines()[:3]
        if any(line.strip() in {f"# domain: {d}" for d in domains} for line in head):
            found.add(path.name)
    return found
