"""Shutdown: the server's graceful-shutdown timeout and the container grace periods agree; a worker
finishes what it started and releases the rest on SIGTERM; a killed worker re-sends only what was
in flight, and its tries are in the delivery log."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
import yaml
from django.conf import settings as django_settings
from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.core import jobs
from apps.core.jobs.models import Job, JobAttempt
from apps.events.bus import emit
from tests import factories
from tests.faults import db_cluster
from tests.webhooks import receiver as receiver_module
from webhooks import services, worker
from webhooks.inputs import WebhookInput
from webhooks.models import Attempt, Delivery

ROOT = Path(django_settings.BASE_DIR)


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return float(match.group(1))


def test_the_graceful_shutdown_timeout_is_configured_everywhere_and_shorter_than_the_grace_period():
    makefile = (ROOT / "Makefile").read_text()
    graceful = int(re.search(r"^GRACEFUL_SHUTDOWN \?= (\d+)$", makefile, re.MULTILINE).group(1))
    serve = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "--timeout-graceful-shutdown $(GRACEFUL_SHUTDOWN)" in serve
    assert f'"--timeout-graceful-shutdown", "{graceful}"' in (ROOT / "Dockerfile").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, worker_service = compose["services"]["web"], compose["services"]["worker"]
    assert f"--timeout-graceful-shutdown {graceful}" in web["command"][-1]
    assert _seconds(web["stop_grace_period"]) > graceful
    # The worker's longest graceful stop: the sends in flight run out their total timeout.
    assert _seconds(worker_service["stop_grace_period"]) > django_settings.WEBHOOK_TOTAL_TIMEOUT + 5
    assert "/readyz" in " ".join(web["healthcheck"]["test"])


# ---- in process: the stop request ------------------------------------------------------------

@pytest.fixture
def stop_cleared():
    jobs.clear_stop()
    yield
    jobs.clear_stop()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    r = receiver_module.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.mark.django_db
def test_a_stop_during_a_batch_finishes_the_send_in_flight_and_releases_the_rest(receiver, settings,
                                                                                stop_cleared):
    settings.WEBHOOK_CONCURRENCY_PER_HOST = 1  # one in flight, four waiting for the slot
    world = factories.world("Stop", patients=1)
    services.webhook_create(Viewer(user=world.owner), data=WebhookInput(url=receiver.url("/s"),
                                                                        event_type="patient.updated"))
    with transaction.atomic():
        for _ in range(5):
            emit("patient.updated", world.patients[0], organization_id=world.org.pk, changed_fields=["first_name"])

    def stop_on_first(received):
        jobs.request_stop()  # SIGTERM arrives while this try is in flight
        return 200, {}, b"ok"

    receiver.responder = stop_on_first
    before = time.time()
    assert worker.run_batch(100) == 5
    assert len(receiver.requests) == 1
    sent = Delivery.objects.get(status=Delivery.SUCCEEDED)
    assert Attempt.objects.get().delivery_id == sent.pk and Attempt.objects.get().succeeded
    released = Delivery.objects.exclude(pk=sent.pk)
    assert released.count() == 4
    for delivery in released:
        assert (delivery.status, delivery.claim_token, delivery.attempts) == (Delivery.PENDING, None, 0)
        assert delivery.next_attempt_at.timestamp() <= time.time() and delivery.next_attempt_at.timestamp() >= before
    jobs.clear_stop()
    receiver.responder = lambda received: (200, {}, b"ok")
    assert worker.run_batch(100) == 4  # due at once for the next worker, not after the lease
    assert len(receiver.requests) == 5


@pytest.mark.django_db
def test_a_stop_during_generic_jobs_finishes_the_running_job_and_releases_the_rest(stop_cleared):
    from apps.core.jobs import generic

    ran: list[int] = []

    def handler(job):
        ran.append(job.pk)
        jobs.request_stop()

    jobs.register_kind("tests.stop", handler)
    try:
        with transaction.atomic():
            created = [jobs.enqueue("tests.stop", {"n": n}) for n in range(3)]
        assert generic.run_batch(10) == 3
    finally:
        generic._KINDS.pop("tests.stop", None)
    assert ran == [created[0].pk]
    assert JobAttempt.objects.get().job_id == created[0].pk
    rest = Job.objects.filter(pk__in=[j.pk for j in created[1:]])
    assert {(j.status, j.claim_token, j.attempts) for j in rest} == {(Job.PENDING, None, 0)}


# ---- real worker processes on a private PostgreSQL -------------------------------------------

HOOKED = """
from django.db import transaction
from apps.accounts.models import Organization
from apps.accounts.viewer import Viewer
from apps.events.bus import emit
from webhooks import services
from webhooks.inputs import WebhookInput
org = Organization.objects.get(name="Faults")
services.webhook_create(Viewer(user=org.owner), data=WebhookInput(url="{url}", event_type="patient.updated"))
patient = org.users.filter(is_patient=True).first()
with transaction.atomic():
    for _ in range({count}):
        emit("patient.updated", patient, organization_id=org.pk, changed_fields=["first_name"])
"""

WORKER_ENV = {"WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1", "WEBHOOK_ALLOW_HTTP": "1", "LOG_LEVEL": "INFO"}


def _deliveries(url: str) -> list[tuple[int, str, object, int, object]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, status, claim_token, attempts, next_attempt_at <= now() "
                            "FROM webhooks_delivery ORDER BY id").fetchall()


def _attempts(url: str) -> list[tuple[int, bool, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT delivery_id, succeeded, error FROM webhooks_attempt ORDER BY id").fetchall()


def _worker(cluster, database: str, log: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([db_cluster.PYTHON, "manage.py", "run_worker", "--only", "webhooks", "--idle-sleep",
                             "0.1", *args], cwd=db_cluster.ROOT, env=cluster.env(database, **WORKER_ENV, **env),
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.fixture
def live_receiver():
    r = receiver_module.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _hooked_database(cluster, name: str, receiver, count: int) -> str:
    url = cluster.database(name)
    cluster.manage("shell", "-c", HOOKED.format(url=receiver.url("/w"), count=count), database=name, **WORKER_ENV)
    return url


def test_sigterm_lets_the_worker_finish_its_sends_and_release_the_rest(tmp_path, live_receiver):
    cluster = db_cluster.shared()
    url = _hooked_database(cluster, "shutdown_term", live_receiver, 10)
    first = threading.Event()

    def slow(received):
        first.set()
        time.sleep(1.0)  # the SIGTERM arrives while two tries are in flight
        return 200, {}, b"ok"

    live_receiver.responder = slow
    log = tmp_path / "worker.log"
    process = _worker(cluster, "shutdown_term", log, WEBHOOK_CONCURRENCY_PER_HOST="2")
    try:
        assert first.wait(60), log.read_text()[-2000:]
        process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        assert process.wait(15) == 0
        assert time.monotonic() - stopped_at < 10  # the sends in flight (1 s), not the lease
    finally:
        if process.poll() is None:
            process.kill()
    rows = _deliveries(url)
    done = [r for r in rows if r[1] == "succeeded"]
    assert len(done) == len(live_receiver.requests) == 2, (rows, log.read_text()[-2000:])
    assert {(status, token, attempts, due) for _, status, token, attempts, due in rows if status != "succeeded"} \
        == {("pending", None, 0, True)}  # released: due now for another worker
    assert [(d, ok, error) for d, ok, error in _attempts(url)] == [(r[0], True, "") for r in done]
    live_receiver.responder = lambda received: (200, {}, b"ok")
    survivor = _worker(cluster, "shutdown_term", log, "--once")
    assert survivor.wait(60) == 0
    ids = [r.headers["webhook-id"] for r in live_receiver.requests]
    assert len(ids) == 10 and len(set(ids)) == 10  # nothing sent twice
    assert "worker stopping (SIGTERM)" in log.read_text()


def test_a_killed_worker_resends_only_what_was_in_flight_and_its_try_is_logged(tmp_path, live_receiver):
    cluster = db_cluster.shared()
    url = _hooked_database(cluster, "shutdown_kill", live_receiver, 10)
    held = threading.Event()
    release = threading.Event()
    lock = threading.Lock()

    def hold_one(received):
        with lock:
            hold = not held.is_set()
            held.set()
        if hold:
            release.wait(30)  # the worker is killed while this try is in flight
        return 200, {}, b"ok"

    live_receiver.responder = hold_one
    log = tmp_path / "worker.log"
    process = _worker(cluster, "shutdown_kill", log, WEBHOOK_TOTAL_TIMEOUT="30")
    try:
        deadline = time.monotonic() + 60
        # Nine answered tries recorded (the results are written as they arrive, not per batch).
        while sum(1 for r in _deliveries(url) if r[1] == "succeeded") < 9:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    rows = _deliveries(url)
    [stuck] = [r for r in rows if r[1] != "succeeded"]
    assert stuck[1] == "pending" and stuck[2] is not None  # still claimed by the dead worker
    in_flight = [a for a in _attempts(url) if a[0] == stuck[0]]
    assert in_flight == [(stuck[0], False, worker.IN_FLIGHT_ERROR)]  # the killed worker's try is logged
    with psycopg.connect(url) as conn:  # its lease runs out
        conn.execute("UPDATE webhooks_delivery SET next_attempt_at = now() WHERE id = %s", (stuck[0],))
    survivor = _worker(cluster, "shutdown_kill", log, "--once")
    assert survivor.wait(60) == 0
    ids = [r.headers["webhook-id"] for r in live_receiver.requests]
    assert len(ids) == 11 and len(set(ids)) == 10  # exactly one delivery sent twice: the one in flight
    assert all(status == "succeeded" for _, status, *_ in _deliveries(url))
    assert len(_attempts(url)) == 11
