"""Where the shared acceptance kit and seeds are: beside the clone, at /work/shared, or named by
ACCEPTANCE_KIT (the same lookup `.ci/run` uses), so a clone anywhere on this machine finds them."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_root() -> Path | None:
    candidates = []
    if os.environ.get("ACCEPTANCE_KIT"):
        candidates.append(Path(os.environ["ACCEPTANCE_KIT"]).resolve().parent)
    candidates += [(REPO_ROOT / ".." / "shared").resolve(), Path("/work/shared")]
    return next((c for c in candidates if (c / "acceptance").is_dir()), None)


SHARED = shared_root()
OPERATIONS_DIR = (SHARED / "acceptance" / "healthie_docs_operations") if SHARED else None
