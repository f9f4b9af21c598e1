"""Live server processes for the subscription benches (the same command as `make serve`, without
its set-up), on free local ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, *, start_timeout_seconds: float = 60) -> subprocess.Popen:
    """A uvicorn process serving the app on ``port``, once its health endpoint answers."""
    import httpx

    uvicorn = Path(sys.executable).with_name("uvicorn")
    process = subprocess.Popen([str(uvicorn), "config.asgi:application", "--host", "127.0.0.1", "--port",
                                str(port), "--log-level", "warning", "--ws-per-message-deflate", "false"],
                               cwd=ROOT, env={**os.environ, "LOG_LEVEL": "WARNING"})
    deadline = time.monotonic() + start_timeout_seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")
