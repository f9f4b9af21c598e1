"""Retries, escalation e-mails and disabling under a frozen clock; claims that never double-send."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from apps.core import jobs
from tests.webhooks.conftest import create_webhook, update_client
from webhooks import retry, worker
from webhooks.inputs import WebhookInput
from webhooks.models import Attempt, Delivery, Webhook, WebhookEvent

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def drain() -> int:
    total = 0
    while handled := worker.run_batch(100):
        total += handled
    return total


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hooked(gql, dev_key, receiver, loopback_allowed):
    return create_webhook(gql, dev_key, receiver.url("/hooks"), ["patient.updated"])


def test_schedule_is_exponential_with_jitter_and_bounded_by_three_days():
    assert [d.total_seconds() for d in retry.SCHEDULE.delays[:4]] == [5, 60, 300, 1800]
    for failures in range(1, 12):
        base = retry.RETRY_DELAYS[min(failures, len(retry.RETRY_DELAYS)) - 1]
        for _ in range(20):
            delay = retry.SCHEDULE.backoff(failures)
            assert base * 0.9 <= delay <= base * 1.1
    late = retry.SCHEDULE.next_attempt(now=START + dt.timedelta(hours=71, minutes=59), first_failed_at=START,
                                       failures=12)
    assert late == START + retry.RETRY_WINDOW  # the last try is pinned to the deadline
    assert retry.SCHEDULE.next_attempt(now=START + retry.RETRY_WINDOW, first_failed_at=START, failures=13) is None
    capped = retry.SCHEDULE.next_attempt(now=START, first_failed_at=START, failures=1,
                                         retry_after=dt.timedelta(days=2))
    assert capped == START + retry.MAX_RETRY_AFTER  # Retry-After is honoured up to 12 hours


def test_failed_delivery_is_retried_on_schedule_and_keeps_its_webhook_id(gql, keys, world, receiver, hooked, clock):
    receiver.reply_with(500)
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    assert drain() == 1
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.PENDING and delivery.attempts == 1
    first_retry = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=4.5) <= first_retry <= dt.timedelta(seconds=5.5)
    assert drain() == 0  # not due yet: nothing is sent early
    clock.shift(first_retry)
    assert drain() == 1
    delivery.refresh_from_db()
    second_retry = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=54) <= second_retry <= dt.timedelta(seconds=66)
    clock.shift(second_retry)
    receiver.reply_with(204)
    assert drain() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.SUCCEEDED and delivery.attempts == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # receivers can deduplicate
    assert len(receiver.requests) == 3
    assert [a.response_status for a in Attempt.objects.order_by("id")] == [500, 500, 204]
    event = WebhookEvent.objects.get()
    assert event.retry_count == 1 and event.first_failed_at is not None
    assert Webhook.objects.get().failing_since is None  # a success resets the failure clock


def test_timeouts_and_connection_errors_are_failures_that_retry(gql, dev_key, keys, world, loopback_allowed,
                                                                 clock, settings):
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    create_webhook(gql, dev_key, f"http://127.0.0.1:{port}/down", ["patient.updated"])
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    attempt = Attempt.objects.get()
    assert attempt.response_status is None and attempt.error.startswith("connection error")
    assert Delivery.objects.get().status == Delivery.PENDING


def test_slow_receivers_time_out(gql, keys, world, receiver, hooked, settings):
    import threading

    settings.WEBHOOK_TOTAL_TIMEOUT = 0.3
    answer = threading.Event()

    def slow(_):
        answer.wait(10)  # holds the reply until the sender has given up (or 10 s pass)
        return 200, {}, b"late"

    receiver.responder = slow
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    try:
        drain()
    finally:
        answer.set()
    attempt = Attempt.objects.get()
    assert attempt.error == "timeout" and not attempt.succeeded
    assert Delivery.objects.get().status == Delivery.PENDING


def test_retry_after_is_honoured(gql, keys, world, receiver, hooked, clock):
    receiver.reply_with(429, {"Retry-After": "600"})
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    assert Delivery.objects.get().next_attempt_at == timezone.now() + dt.timedelta(seconds=600)


def test_without_should_retry_a_failure_is_final(gql, dev_key, keys, world, receiver, loopback_allowed, clock):
    create_webhook(gql, dev_key, receiver.url("/once"), ["patient.updated"], should_retry=False)
    receiver.reply_with(500)
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    clock.shift(dt.timedelta(days=1))
    assert drain() == 0
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.FAILED and len(receiver.requests) == 1


def test_receiver_down_for_an_hour_gets_every_event_afterwards(gql, keys, world, receiver, hooked, clock):
    receiver.reply_with(503)
    for i, patient in enumerate(world.patients):
        update_client(gql, keys["provider"], patient.pk, first_name=f"Down{i}")
        clock.shift(dt.timedelta(minutes=10))
        drain()
    clock.shift(dt.timedelta(minutes=30))
    drain()
    receiver.reply_with(200)
    receiver.requests.clear()
    clock.shift(dt.timedelta(hours=1))
    drain()
    assert sorted(r.json["resource_id"] for r in receiver.requests) == sorted(str(p.pk) for p in world.patients)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SUCCEEDED}


def test_owner_is_emailed_after_a_day_and_the_webhook_disabled_after_three(gql, keys, world, receiver, hooked,
                                                                           clock):
    receiver.reply_with(500)
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    mail.outbox.clear()
    drain()
    webhook = Webhook.objects.get()
    assert webhook.failing_since == START
    hours_tried = []
    while Delivery.objects.filter(status=Delivery.PENDING).exists():
        due = Delivery.objects.get().next_attempt_at
        clock.move_to(due)
        drain()
        jobs.drain(only=["jobs"])  # the owner e-mails are jobs enqueued with the state change
        hours_tried.append((timezone.now() - START) / dt.timedelta(hours=1))
        webhook.refresh_from_db()
        if webhook.warned_at is None:
            assert mail.outbox == []
        if len(hours_tried) > 30:
            pytest.fail("retries never stopped")
    webhook.refresh_from_db()
    warned_after = (webhook.warned_at - START) / dt.timedelta(hours=1)
    assert 24 <= warned_after < 40
    assert webhook.is_enabled is False and webhook.disabled_at == START + retry.RETRY_WINDOW
    assert hours_tried[-1] == 72  # retried right up to the 3-day mark
    assert [m.subject for m in mail.outbox] == ["Your webhook is failing", "Your webhook was disabled"]
    assert all(m.to == [world.owner.email] for m in mail.outbox)
    assert Delivery.objects.get().status == Delivery.FAILED
    # A disabled webhook gets no new deliveries until someone enables it again.
    update_client(gql, keys["provider"], world.patients[1].pk, first_name="Bea")
    assert Delivery.objects.count() == 1


def test_two_workers_never_claim_the_same_delivery(gql, keys, world, receiver, hooked):
    for i, patient in enumerate(world.patients):
        update_client(gql, keys["provider"], patient.pk, first_name=f"N{i}")
    now = timezone.now()
    token_a, first = worker.claim(2, now=now)
    token_b, second = worker.claim(100, now=now)
    assert len(first) == 2 and len(second) == 1
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert worker.claim(100, now=now)[1] == []  # everything is leased


def test_a_killed_workers_delivery_is_retried_after_its_lease(gql, keys, world, receiver, hooked, clock):
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    _, claimed = worker.claim(10)  # this worker dies before sending or recording anything
    assert len(claimed) == 1
    assert drain() == 0  # the lease protects it from a second, concurrent send
    clock.shift(worker.lease() + dt.timedelta(seconds=1))
    assert drain() == 1
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == Delivery.SUCCEEDED


def test_a_late_result_from_an_expired_claim_does_not_overwrite_the_new_one(gql, keys, world, receiver, hooked,
                                                                            clock):
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    old_token, claimed = worker.claim(10)
    clock.shift(worker.lease() + dt.timedelta(seconds=1))
    assert drain() == 1  # another worker delivered it
    jobs = worker.prepare(claimed, now=timezone.now())
    late = [worker.Outcome(claimed[0].pk, 500, "", "", 1, timezone.now())]
    worker.record(old_token, jobs, late, now=timezone.now())
    assert Delivery.objects.get().status == Delivery.SUCCEEDED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent claims need PostgreSQL (SKIP LOCKED)")
def test_concurrent_workers_on_postgresql_send_each_delivery_once(receiver, settings):
    import threading

    from django.db import connections

    from apps.events.bus import emit
    from tests import factories
    from webhooks import services

    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    world = factories.world("Concurrent", patients=1)
    viewer = __import__("apps.accounts.viewer", fromlist=["Viewer"]).Viewer(user=world.owner)
    services.webhook_create(viewer, data=WebhookInput(url=receiver.url("/c"), event_type="patient.updated"))
    from django.db import transaction

    with transaction.atomic():
        for _ in range(300):
            emit("patient.updated", world.patients[0], organization_id=world.org.pk, changed_fields=["first_name"])
    barrier = threading.Barrier(3)

    def run():
        barrier.wait()
        try:
            while worker.run_batch(25):
                pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 300 and len(set(ids)) == 300
    assert Attempt.objects.count() == 300
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SUCCEEDED}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need a shared database (PostgreSQL)")
def test_a_worker_process_killed_mid_delivery_leaves_it_to_another_worker(receiver, settings):
    """A real ``run_worker`` process is SIGKILLed while the receiver holds its request open."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    from pathlib import Path

    from django.db import transaction

    from apps.accounts.viewer import Viewer
    from apps.events.bus import emit
    from tests import factories
    from webhooks import services

    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    world = factories.world("Killed worker", patients=1)
    services.webhook_create(Viewer(user=world.owner), data=WebhookInput(url=receiver.url("/k"),
                                                                        event_type="patient.updated"))
    with transaction.atomic():
        emit("patient.updated", world.patients[0], organization_id=world.org.pk, changed_fields=["first_name"])
    first_request = threading.Event()
    release = threading.Event()

    def hold_first(received):
        if not first_request.is_set():
            first_request.set()
            release.wait(20)  # the worker dies while we hold its request
        return 200, {}, b"ok"

    receiver.responder = hold_first
    db = connection.settings_dict
    env = {**os.environ, "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1", "WEBHOOK_ALLOW_HTTP": "1",
           "WEBHOOK_LEASE_SECONDS": "1", "WEBHOOK_TOTAL_TIMEOUT": "0.5", "LOG_LEVEL": "WARNING",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "manage.py", "run_worker", "--only", "webhooks", "--idle-sleep", "0.1"]
    doomed = subprocess.Popen(command, cwd=root, env={**env, "WEBHOOK_TOTAL_TIMEOUT": "30",
                                                      "WEBHOOK_LEASE_SECONDS": "40"})
    try:
        assert first_request.wait(30), "the first worker never sent the delivery"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
    finally:
        release.set()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.PENDING and delivery.claim_token is not None  # claimed, never finished
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its lease runs out
    survivor = subprocess.Popen([*command[:-2], "--once"], cwd=root, env=env)
    assert survivor.wait(60) == 0
    delivery.refresh_from_db()
    assert delivery.status == Delivery.SUCCEEDED
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 2 and len(set(ids)) == 1  # retried, with the same id for deduplication
