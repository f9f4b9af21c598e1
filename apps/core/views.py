"""Probes for load balancers and orchestrators (docs/operations.md#readiness-and-liveness).

- ``/healthz``: liveness. The process answers HTTP; it touches nothing else, so a database
  or Redis outage never gets a healthy process restarted.
- ``/readyz``: readiness. The database answers, every migration is applied and (when
  ``REDIS_URL`` is set) Redis answers; otherwise 503, so the balancer sends traffic elsewhere
  until they return. The probes together take at most ``READINESS_TIMEOUT``.
- ``/api/health``: the documented health endpoint, kept as it was: the database check of
  ``/readyz`` in its original shape (it does not report Redis or migrations).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("careplatform.readiness")

OK = "ok"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return OK if not pending else f"{len(pending)} pending"


def _redis() -> str:
    import redis

    timeout = settings.READINESS_TIMEOUT
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def _attempt(name: str, probe: Callable[[], str]) -> str:
    try:
        return probe()
    except Exception as error:  # the point is to report it, not to raise
        logger.warning("readiness: %s unavailable: %s", name, error)
        return "unavailable"


def _in_thread(target: Callable[[], None], name: str) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()  # this thread's own connection: never leave it open

    thread = threading.Thread(target=run, name=f"readiness-{name}", daemon=True)
    thread.start()
    return thread


def readiness_checks(timeout: float | None = None) -> dict[str, str]:
    """Runs the probes concurrently, each thread with its own database connection, and reports
    what answered within ``timeout`` (``READINESS_TIMEOUT``) in all.

    A probe that hangs (a blackholed host) is abandoned, not awaited: its thread ends when the
    driver's own timeout fires (``DATABASE_CONNECT_TIMEOUT``, the Redis socket timeouts).
    """
    timeout = settings.READINESS_TIMEOUT if timeout is None else timeout
    # Without a database there is no migration table to read: that is one failure, not two.
    checks = {"database": "timeout", "migrations": "unknown",
              "redis": "timeout" if settings.REDIS_URL else "not configured"}

    def database_then_migrations() -> None:
        checks["database"] = _attempt("database", _database)
        if checks["database"] == OK:
            checks["migrations"] = "timeout"
            checks["migrations"] = _attempt("migrations", _migrations)

    def redis() -> None:
        checks["redis"] = _attempt("redis", _redis)

    threads = [_in_thread(database_then_migrations, "database")]
    if settings.REDIS_URL:
        threads.append(_in_thread(redis, "redis"))
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    snapshot = dict(checks)
    for name, value in snapshot.items():
        if value == "timeout":
            logger.warning("readiness: %s did not answer within %s s", name, timeout)
    return snapshot


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness_checks()
    ready = all(value in (OK, "not configured") for value in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status=200 if ready else 503)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Unauthenticated: 200 when the database answers, 503 when not (the original contract)."""
    database = "ok" if readiness_checks()["database"] == OK else "unavailable"
    status = "ok" if database == "ok" else "degraded"
    return JsonResponse(
        {"status": status, "time": timezone.now().isoformat(), "version": settings.VERSION, "database": database},
        status=200 if status == "ok" else 503,
    )
