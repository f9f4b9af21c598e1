"""A private PostgreSQL 15 cluster and uvicorn servers for fault tests that stop and restart them.

Never the shared PostgreSQL on 5432: each test gets its own cluster in a temporary directory,
on a free loopback port, owned by the ``postgres`` user when the tests run as root (``initdb``
refuses root). Tests skip, with the reason, where the binaries or that user are missing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
UVICORN = Path(sys.executable).with_name("uvicorn")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run initdb as")
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser to drop to the 'postgres' user")
    return ["runuser", "-u", "postgres", "--"]


class Cluster:
    """``start``/``stop``/``restart`` with ``pg_ctl``; ``url`` is what DATABASE_URL should be."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL binaries not found in {PG_BIN}")
        self.prefix = _run_as()
        self.home = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.home / "data"
        self.port = free_port()
        if self.prefix:
            shutil.chown(self.home, "postgres", "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

        self.seeded: tuple[str, int] | None = None

    def url_of(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        with psycopg.connect(self.url_of("postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def database(self, name: str, *, migrated: bool = True) -> str:
        """A new database in this cluster (a copy of one migrated and seeded once per session)."""
        if migrated and self.seeded is None:
            self.sql("CREATE DATABASE faults_template")
            out = self.manage("shell", "-c", SEED, database="faults_template", timeout=300)
            lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
            self.seeded = (lines["KEY"].strip(), int(lines["PATIENT"]))
        self.sql(f"CREATE DATABASE {name}" + (" TEMPLATE faults_template" if migrated else ""))
        return self.url_of(name)

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.prefix, str(PG_BIN / tool), *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.home / "server.log"), "-w",
                 "-t", "30", *args)

    def start(self) -> None:
        """Starts the cluster unless it is running."""
        running = subprocess.run([*self.prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if running.returncode != 0:
            self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def env(self, database: str, **extra: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url_of(database), "REDIS_URL": "", "LOG_LEVEL": "WARNING",
                **extra}

    def manage(self, *args: str, database: str, timeout: float = 120, **env: str) -> str:
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(database, **env),
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout


def start_server(env: dict[str, str], *extra: str, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A uvicorn process as ``make serve`` runs it; returns it and its base URL once it answers."""
    port = free_port()
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--ws-per-message-deflate", "false", "--log-level", "warning", *extra],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return process, base
        except httpx.HTTPError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"uvicorn did not start ({log.read_text()[-2000:] if log else ''})")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


SEED = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from tests import factories
world = factories.world("Faults", patients=2)
print("KEY", factories.api_key(world.provider))
print("PATIENT", world.patients[0].pk)
"""

_shared: list[Cluster] = []


def shared() -> Cluster:
    """One cluster per test session (initdb and the migrated template are slow); running again
    when a test hands it back, since tests stop and restart it."""
    if not _shared:
        cluster = Cluster()
        _shared.append(cluster)
        atexit.register(cluster.destroy)
    cluster = _shared[0]
    cluster.start()
    return cluster
