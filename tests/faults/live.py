"""Helpers of the live fault drills: a private ``redis-server`` killed and restarted under a real uvicorn server.

Nothing here touches the shared Redis: each test starts its own ``redis-server`` on a free
loopback port (no persistence, like the measured outage), kills it with SIGKILL and
restarts it on the same port. The server under test is a uvicorn subprocess, as
``make serve`` runs it. Its database is the test database when that is PostgreSQL, or a
copy of the SQLite test database in a temporary file (taken after the test's fixtures
were written, so the server sees them; a single process needs nothing more).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
UVICORN = Path(sys.executable).with_name("uvicorn")
REDIS_SERVER = shutil.which("redis-server")

needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="fault drills start their own redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server that a test may kill (SIGKILL) and start again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


def database_url(tmp_path: Path) -> str:
    """A URL the server subprocess can open and that holds what the test wrote so far."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    assert connection.vendor == "sqlite", connection.vendor
    connection.ensure_connection()
    copy = tmp_path / "server.sqlite3"
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{copy}"


class LiveServer:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def holds_connection_from(self, client_port: int) -> bool:
        """Whether this server process still has a socket open for the client connected from ``client_port``."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if local_port == self.port and remote_port == client_port and fields[9] != "0":
                    inodes.add(f"socket:[{fields[9]}]")
        fds = Path(f"/proc/{self.process.pid}/fd")
        return any(os.readlink(fd) in inodes for fd in fds.iterdir())

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None,
                timeout: float = 10) -> httpx.Response:
        headers = {"Authorization": f"Basic {key}", "AuthorizationSource": "API"} if key else {}
        return httpx.post(f"{self.http}/graphql", json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(tmp_path: Path, redis: RedisServer, **env: str) -> LiveServer:
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    environment = {
        **os.environ, "DATABASE_URL": database_url(tmp_path), "REDIS_URL": redis.url, "DEBUG": "0",
        "CACHE_KEY_PREFIX": f"faults{port}", "LOG_LEVEL": "WARNING", **env,
    }
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning", "--ws-per-message-deflate", "false"],
            cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT,
        )
    server = LiveServer(port, process, log)
    # Importing the project takes a few seconds of CPU; on a busy machine, many more.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.http}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise AssertionError(f"server on {port} did not start: {server.log_text()[-3000:]}")
