"""Runs the documented JavaScript verification sample under Node against a real delivery.

The sample is read from the published documentation (seed 002) at test time, never
copied into this repository; without that file our own port of the algorithm runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.shared_kit import SHARED

SEED = Path(os.environ.get("SEED_002_PATH") or (SHARED or Path("/work/shared")) / "seeds" / "002_e30ded1095c83cd7.txt")
PORT = Path(__file__).with_name("documented_port.js")
DRIVER = """
const input = JSON.parse(process.env.WEBHOOK_REQUEST);
verifySignature(input.request, input.secret)
  .then((ok) => { console.log(ok ? 'valid' : 'invalid'); process.exit(ok ? 0 : 1); })
  .catch((err) => { console.error(err); process.exit(2); });
"""


def node() -> str | None:
    return shutil.which("node")


def published_sample() -> str | None:
    """The sample's functions, from the first one up to its example usage."""
    if not SEED.exists():
        return None
    text = SEED.read_text(encoding="utf-8")
    start = text.find("async function getSigningKey")
    end = text.find("// Example usage", start)
    if start < 0 or end < 0:
        return None
    return text[start:end]


def verify(request: dict, secret: str, *, source: str | None = None) -> tuple[bool, str]:
    code = (source or published_sample() or PORT.read_text()) + DRIVER
    completed = subprocess.run(
        [node(), "-e", code], env={**os.environ, "WEBHOOK_REQUEST": json.dumps({"request": request, "secret": secret})},
        capture_output=True, text=True, timeout=30,
    )
    return completed.returncode == 0, completed.stdout + completed.stderr
