"""localstripe, a stateful Stripe-compatible server, run on a loopback port for the suite.

The ``stripe`` client talks to it over real HTTP exactly as it would to Stripe. What it cannot
express (issuer-specific decline codes, idempotent replays) is covered by tests that record the
requests the client sends instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StripeServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        executable = shutil.which("localstripe", path=str(Path(sys.executable).parent)) or "localstripe"
        self.process = subprocess.Popen([executable, "--port", str(self.port), "--from-scratch"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("localstripe exited at start-up")
            try:
                request = urllib.request.Request(f"{self.base}/v1/customers",
                                                 headers={"Authorization": "Bearer sk_test_probe"})
                urllib.request.urlopen(request, timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("localstripe did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
