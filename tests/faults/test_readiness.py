"""/readyz says "not ready" while the database or Redis is unreachable or migrations are pending,
and "ready" when they are back; /healthz is liveness only; every probe is bounded in time."""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import httpx
import psycopg
import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from tests.faults import db_cluster

READY = {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"}}


@pytest.fixture
def no_redis(settings):
    settings.REDIS_URL = ""
    return settings


@pytest.mark.django_db(transaction=True)
def test_ready_when_everything_answers(no_redis):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == READY
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_not_ready_while_the_database_refuses_connections_and_ready_again_after(no_redis, monkeypatch):
    with monkeypatch.context() as patch:
        def refuse(self, conn_params):
            raise self.Database.OperationalError("FATAL:  the database system is starting up")

        patch.setattr(type(connections["default"]), "get_new_connection", refuse)
        response = Client().get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "not ready", "checks": {
            "database": "unavailable", "migrations": "unknown", "redis": "not configured"}}
        assert "starting up" not in response.content.decode()  # the detail is logged, not shown
        # Liveness does not touch the database: a restart would not bring it back.
        assert Client().get("/healthz").status_code == 200
        legacy = Client().get("/api/health")
        assert legacy.status_code == 503 and legacy.json()["database"] == "unavailable"
    assert Client().get("/readyz").json() == READY


@pytest.mark.django_db(transaction=True)
def test_not_ready_while_a_migration_is_pending(no_redis):
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="webhooks").order_by("-id").first()
    last.delete()
    try:
        response = Client().get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "migrations": "1 pending", "redis": "not configured"}
    finally:
        recorder.record_applied(last.app, last.name)
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_not_ready_while_redis_refuses_connections(settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "unavailable"}


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_never_answers_is_bounded_by_the_readiness_timeout(settings):
    """A blackholed Redis (connects, never replies) costs READINESS_TIMEOUT, not a hung probe."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    settings.REDIS_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.READINESS_TIMEOUT = 0.5
    try:
        started = time.monotonic()
        response = Client().get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        listener.close()
        for sock in accepted:
            sock.close()
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] in {"timeout", "unavailable"}
    assert elapsed < 2.0, elapsed


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_then_restarted(tmp_path, settings):
    """A private redis-server: ready, killed (not ready), started again on the same port (ready)."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = db_cluster.free_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"

    def start() -> subprocess.Popen:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return process
            except OSError:
                time.sleep(0.05)
        process.kill()
        raise AssertionError("redis-server did not start")

    redis = start()
    try:
        assert Client().get("/readyz").json()["checks"]["redis"] == "ok"
        redis.kill()
        redis.wait(5)
        response = Client().get("/readyz")
        assert response.status_code == 503 and response.json()["checks"]["redis"] == "unavailable"
        assert Client().get("/healthz").status_code == 200
        redis = start()
        assert Client().get("/readyz").status_code == 200
    finally:
        redis.kill()
        redis.wait(5)


def test_a_live_server_against_postgresql_reports_migrations_outage_and_recovery(tmp_path):
    """A real uvicorn on a private PostgreSQL: not ready while a migration is pending and while
    PostgreSQL is stopped, ready after each, liveness 200 throughout."""
    cluster = db_cluster.shared()
    url = cluster.database("readiness")
    server, base = db_cluster.start_server(cluster.env("readiness"), log=tmp_path / "server.log")
    try:
        def probe(path: str) -> httpx.Response:
            return httpx.get(f"{base}{path}", timeout=10)

        assert probe("/readyz").json() == READY
        with psycopg.connect(url, autocommit=True) as conn:
            app, name = conn.execute("DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM "
                                     "django_migrations) RETURNING app, name").fetchone()
            pending = probe("/readyz")
            assert pending.status_code == 503
            assert pending.json()["checks"] == {"database": "ok", "migrations": "1 pending",
                                                "redis": "not configured"}
            conn.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())", (app, name))
        assert probe("/readyz").json() == READY

        cluster.stop()
        started = time.monotonic()
        down = probe("/readyz")
        assert time.monotonic() - started < 3
        assert down.status_code == 503 and down.json()["checks"]["database"] == "unavailable"
        assert probe("/healthz").json() == {"status": "ok"}
        cluster.start()
        deadline = time.monotonic() + 10
        while probe("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "not ready 10 s after PostgreSQL came back"
            time.sleep(0.2)
    finally:
        db_cluster.stop_server(server)
        cluster.start()
