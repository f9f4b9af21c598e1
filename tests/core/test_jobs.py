"""The job runner itself: claims, leases, retry schedules, cancellation, killed workers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.accounts import mail as account_mail
from apps.core import jobs
from apps.core.crypto import token_hash
from apps.core.jobs import email, generic
from apps.core.jobs.models import Job, JobAttempt
from tests import factories
from tests.core import smtp
from tests.waiting import wait_until

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="needs PostgreSQL (SKIP LOCKED, row locks, a database shared by processes)")
STEADY = jobs.RetrySchedule(delays=(dt.timedelta(seconds=10), dt.timedelta(minutes=1)), max_attempts=3)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kinds(monkeypatch) -> Callable[..., list]:
    """Registers a job kind for one test; returns the list of payloads its handler saw."""
    monkeypatch.setattr(generic, "_KINDS", dict(generic._KINDS))

    def register(name: str, handler: Callable[[Job], None] | None = None, **options) -> list:
        seen: list = []

        def record(job: Job) -> None:
            seen.append(job.payload)
            if handler is not None:
                handler(job)

        jobs.register_kind(name, record, **options)
        return seen

    return register


def enqueue(kind: str, payload: dict | None = None, **options) -> Job:
    with transaction.atomic():
        return jobs.enqueue(kind, payload, **options)


# ---- the schedule as data -------------------------------------------------------------------

def test_retry_schedule_spaces_tries_and_gives_up_by_attempts_or_window():
    assert [STEADY.next_attempt(now=START, failures=n) for n in (1, 2, 3)] == [
        START + dt.timedelta(seconds=10), START + dt.timedelta(minutes=1), None]  # 3 tries in all
    jittered = jobs.RetrySchedule(delays=(dt.timedelta(minutes=10),), jitter=0.2)
    delays = {jittered.backoff(4) for _ in range(50)}
    assert all(dt.timedelta(minutes=8) <= d <= dt.timedelta(minutes=12) for d in delays) and len(delays) > 1
    windowed = jobs.RetrySchedule(delays=(dt.timedelta(hours=5),), window=dt.timedelta(hours=12),
                                  max_retry_after=dt.timedelta(hours=1))
    first = START - dt.timedelta(hours=10)
    assert windowed.next_attempt(now=START, failures=3, first_failed_at=first) == first + dt.timedelta(hours=12)
    assert windowed.next_attempt(now=first + dt.timedelta(hours=12), failures=4, first_failed_at=first) is None
    asked = windowed.next_attempt(now=first, failures=1, first_failed_at=first, retry_after=dt.timedelta(hours=9))
    assert asked == first + dt.timedelta(hours=5)  # a longer Retry-After is capped, never below the schedule
    with pytest.raises(ValueError):
        jobs.RetrySchedule(delays=())
    with pytest.raises(ValueError):
        jobs.RetrySchedule(delays=(dt.timedelta(0),))


# ---- enqueue --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_rolled_back_change_enqueues_nothing(kinds):
    kinds("test.note")
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        jobs.enqueue("test.note", {"n": 1})
        raise RuntimeError("boom")
    assert Job.objects.count() == 0
    with pytest.raises(LookupError):
        enqueue("test.unknown")


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(kinds):
    kinds("test.note")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        jobs.enqueue("test.note", {"n": 1})
    assert Job.objects.count() == 0


# ---- running, retrying, cancelling ----------------------------------------------------------

@pytest.mark.django_db
def test_a_due_job_runs_once_and_its_attempt_is_logged(kinds, clock):
    seen = kinds("test.note")
    later = enqueue("test.note", {"n": 2}, run_at=START + dt.timedelta(hours=1))
    now = enqueue("test.note", {"n": 1})
    assert jobs.drain() == 1 and seen == [{"n": 1}]
    assert jobs.drain() == 0  # done jobs are not claimed again; the later one is not due
    now.refresh_from_db()
    assert (now.status, now.attempts, now.claim_token, now.completed_at) == (Job.SUCCEEDED, 1, None, START)
    assert list(now.attempt_rows.values_list("outcome", flat=True)) == [JobAttempt.SUCCEEDED]
    clock.shift(dt.timedelta(hours=1))
    assert jobs.drain() == 1 and seen == [{"n": 1}, {"n": 2}]
    assert Job.objects.get(pk=later.pk).status == Job.SUCCEEDED


@pytest.mark.django_db
def test_failures_follow_the_kinds_schedule_and_roll_back_the_handlers_writes(kinds, clock):
    calls = []

    def flaky(job: Job) -> None:
        calls.append(timezone.now())
        jobs.enqueue("test.follow_up", {"after": job.pk})  # a write the job makes
        if len(calls) < 3:
            raise ConnectionError(f"down #{len(calls)}")

    kinds("test.follow_up")
    kinds("test.flaky", flaky, retry=STEADY)
    job = enqueue("test.flaky")
    assert jobs.drain() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.first_failed_at) == (Job.PENDING, 1, START)
    assert job.next_attempt_at == START + dt.timedelta(seconds=10) and job.last_error == "ConnectionError: down #1"
    assert not Job.objects.filter(kind="test.follow_up").exists()  # rolled back with the failure
    clock.shift(dt.timedelta(seconds=9))
    assert jobs.drain() == 0  # nothing runs early
    clock.shift(dt.timedelta(seconds=1))
    assert jobs.drain() == 1
    job.refresh_from_db()
    assert job.next_attempt_at == START + dt.timedelta(seconds=70)
    clock.shift(dt.timedelta(minutes=1))
    assert jobs.drain() == 2  # the third try succeeds, and the follow-up it enqueued runs too
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.SUCCEEDED, 3)
    assert calls == [START, START + dt.timedelta(seconds=10), START + dt.timedelta(seconds=70)]
    assert [a.outcome for a in job.attempt_rows.order_by("id")] == ["failed", "failed", "succeeded"]
    assert Job.objects.filter(kind="test.follow_up").count() == 1


@pytest.mark.django_db
def test_a_job_fails_for_good_when_its_schedule_is_used_up(kinds, clock):
    def broken(job: Job) -> None:
        raise ValueError("bad payload")

    kinds("test.broken", broken, retry=STEADY)
    kinds("test.once", broken, retry=None)
    job, once = enqueue("test.broken"), enqueue("test.once")
    for _ in range(5):
        jobs.drain()
        clock.shift(dt.timedelta(minutes=2))
    job.refresh_from_db()
    once.refresh_from_db()
    assert (job.status, job.attempts, job.next_attempt_at) == (Job.FAILED, 3, None)
    assert (once.status, once.attempts) == (Job.FAILED, 1)
    assert job.attempt_rows.count() == 3 and once.attempt_rows.count() == 1


@pytest.mark.django_db
def test_jobs_are_cancelled_by_subject_or_by_their_handler(kinds, clock):
    def obsolete(job: Job) -> None:
        raise jobs.Cancel("nothing to remind of")

    seen = kinds("test.note")
    kinds("test.obsolete", obsolete)
    kept = enqueue("test.note", {"n": 1}, subject="thing:1")
    dropped = enqueue("test.note", {"n": 2}, subject="thing:2")
    done = enqueue("test.obsolete", subject="thing:2")
    claim = generic.QUEUE.claim(10)  # a worker holds all three when thing 2 changes
    with transaction.atomic():
        assert jobs.cancel(subject="thing:2", kinds=["test.note"]) == 1
    assert generic.run_claimed(dropped.pk, claim.token) is None  # the cancellation stands
    assert generic.run_claimed(kept.pk, claim.token) == JobAttempt.SUCCEEDED
    assert generic.run_claimed(done.pk, claim.token) == JobAttempt.CANCELLED
    assert seen == [{"n": 1}]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {kept.pk: Job.SUCCEEDED, dropped.pk: Job.CANCELLED, done.pk: Job.CANCELLED}
    assert Job.objects.get(pk=done.pk).last_error == "nothing to remind of"


@pytest.mark.django_db
def test_a_job_of_an_unknown_kind_waits_for_a_worker_that_knows_it(clock):
    job = Job.objects.create(kind="retired.kind", next_attempt_at=START)  # e.g. enqueued by newer code
    assert jobs.drain() == 1
    job.refresh_from_db()
    assert job.status == Job.PENDING and job.attempts == 1 and "no handler" in job.last_error
    assert job.next_attempt_at > START


# ---- claims and leases ----------------------------------------------------------------------

@pytest.mark.django_db
def test_two_claims_never_share_a_row(kinds, clock):
    kinds("test.note")
    for n in range(5):
        enqueue("test.note", {"n": n})
    first = generic.QUEUE.claim(2)
    second = generic.QUEUE.claim(10)
    assert len(first.ids) == 2 and len(second.ids) == 3 and not set(first.ids) & set(second.ids)
    assert first.token != second.token
    assert generic.QUEUE.claim(10).ids == []  # everything is leased
    row = Job.objects.get(pk=first.ids[0])
    assert (row.claim_token, row.claimed_at, row.next_attempt_at) == (first.token, START, START + generic.lease())


@pytest.mark.django_db
def test_an_expired_lease_is_claimed_again_and_the_stale_worker_is_refused(kinds, clock, settings):
    settings.JOB_LEASE_SECONDS = 30
    seen = kinds("test.note")
    job = enqueue("test.note", {"n": 1})
    stale = generic.QUEUE.claim(10)  # this worker stalls (or died) before running the job
    assert stale.ids == [job.pk]
    clock.shift(dt.timedelta(seconds=29))
    assert generic.QUEUE.claim(10).ids == []  # still leased
    clock.shift(dt.timedelta(seconds=1))
    fresh = generic.QUEUE.claim(10)
    assert fresh.ids == [job.pk] and fresh.token != stale.token
    # The stale worker wakes up: it may neither run the job nor record anything over the new claim.
    assert generic.run_claimed(job.pk, stale.token) is None
    assert generic.QUEUE.succeed(stale.token, [job.pk], now=timezone.now()) == 0
    assert not generic.QUEUE.fail(stale.token, job, now=timezone.now(), error="late", schedule=STEADY).recorded
    assert generic.run_claimed(job.pk, fresh.token) == JobAttempt.SUCCEEDED
    assert seen == [{"n": 1}]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.last_error) == (Job.SUCCEEDED, 1, "")


# ---- e-mail jobs ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_account_mail_is_stored_encrypted_and_sent_by_the_worker(world, clock):
    patient = world.patients[0]
    code = "cpi_sign-up-code-7f3a9c"
    with transaction.atomic():
        account_mail.welcome(patient, code)
    assert mail.outbox == []
    job = Job.objects.get()
    stored = str(Job.objects.values_list("payload", "subject", "last_error").get())
    for secret in (code, patient.email, "Welcome"):
        assert secret not in stored
    assert (job.kind, job.subject, job.organization_id) == (email.KIND, f"user:{patient.pk}", world.org.pk)
    assert jobs.drain() == 1
    [sent] = mail.outbox
    assert sent.to == [patient.email] and sent.subject == f"Welcome to {world.org.name}"
    assert f"on this service with this code: {code}\n" in sent.body


@pytest.mark.django_db(transaction=True)
def test_run_worker_drives_every_registered_queue():
    assert {"jobs", "webhooks"} <= set(jobs.queue_names())
    with transaction.atomic():
        email.send_later(["ada@example.com"], "Your plan was updated", "See the app.\n")
    call_command("run_worker", "--once", "--only", "jobs")
    assert [(m.to, m.subject) for m in mail.outbox] == [(["ada@example.com"], "Your plan was updated")]
    assert Job.objects.get().status == Job.SUCCEEDED
    with pytest.raises(CommandError, match="unknown queue"):
        call_command("run_worker", "--once", "--only", "mail")


# ---- PostgreSQL: concurrent workers and killed processes ------------------------------------

@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_concurrent_claims_on_postgresql_take_each_row_once(kinds):
    kinds("test.note")
    with transaction.atomic():
        for n in range(300):
            jobs.enqueue("test.note", {"n": n})
    barrier = threading.Barrier(4)
    claims: list[list[int]] = []

    def worker() -> None:
        barrier.wait()
        try:
            while ids := generic.QUEUE.claim(7).ids:
                claims.append(ids)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for ids in claims for pk in ids]
    assert len(every) == 300 and set(every) == set(Job.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_concurrent_workers_on_postgresql_send_each_email_once():
    with transaction.atomic():
        for n in range(200):
            email.send_later([f"p{n}@example.com"], f"Message {n}", "Hello\n")
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            while generic.run_batch(10):
                pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 200 and len(set(subjects)) == 200
    assert JobAttempt.objects.count() == 200
    assert set(Job.objects.values_list("status", flat=True)) == {Job.SUCCEEDED}


def _worker_env(box: smtp.Mailbox, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@", 1)
    return {**os.environ, **box.env(), "DATABASE_URL": url, "LOG_LEVEL": "WARNING", **extra}


WORKER = [sys.executable, "manage.py", "run_worker", "--only", "jobs", "--idle-sleep", "0.1"]


def _run_once(env: dict[str, str]) -> None:
    assert subprocess.run([*WORKER, "--once"], cwd=ROOT, env=env, timeout=60).returncode == 0


def _wait_for_lease_end(job: Job) -> None:
    job.refresh_from_db()
    # The lease runs on the clock of worker processes, which no frozen clock here reaches:
    # real time has to pass (JOB_LEASE_SECONDS=1).
    wait_until(lambda: timezone.now() > job.next_attempt_at, timeout=15, interval=0.05, what="the lease to end")


def _row_unlocked(job: Job) -> bool:
    with transaction.atomic():
        return Job.objects.select_for_update(skip_locked=True).filter(pk=job.pk).exists()


def _finish_with_survivor(env: dict[str, str], job: Job) -> None:
    """Runs one ``--once`` worker once PostgreSQL has torn down the dead worker's connection,
    and with it the row lock (a moment after the kill)."""
    wait_until(lambda: _row_unlocked(job), timeout=15, what="the killed worker's row lock to go")
    _run_once(env)
    job.refresh_from_db()


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_a_worker_process_killed_mid_job_leaves_it_to_another_worker():
    """A real ``run_worker`` is SIGKILLed while its mail server holds the send open."""
    box = smtp.start(hold_first=True)
    with transaction.atomic():
        job = email.send_later(["ada@example.com"], "Lab results are ready", "Log in to see them.\n")
    env = _worker_env(box, JOB_LEASE_SECONDS="1")
    doomed = subprocess.Popen(WORKER, cwd=ROOT, env=env)
    try:
        assert box.data_started.wait(30), "the first worker never started sending"
        # Alive past its lease, the first worker still holds the job's row lock: nobody else runs it.
        _wait_for_lease_end(job)
        _run_once(env)
        job.refresh_from_db()
        assert box.messages == [] and job.status == Job.PENDING and job.claim_token is not None
        doomed.kill()
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
        box.release.set()
    _finish_with_survivor(env, job)
    assert job.status == Job.SUCCEEDED and job.attempts == 1
    assert [m["Subject"] for m in box.messages] == ["Lab results are ready"]
    # The killed try left no attempt row: it died with the transaction that would have written it.
    assert list(job.attempt_rows.values_list("outcome", flat=True)) == [JobAttempt.SUCCEEDED]
    box.stop()


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_a_welcome_email_survives_a_killed_worker_and_is_sent_once(gql):
    from apps.accounts.models import User
    from tests.accounts.conftest import documented_operation
    from tests.conftest import data_of

    box = smtp.start(hold_first=True)
    world = factories.world("Survivor Care", patients=0)
    created = data_of(gql(documented_operation("0537_createClient.graphql"),
                          {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
                          key=factories.api_key(world.provider)))["createClient"]
    user = User.objects.get(pk=created["user"]["id"])
    job = Job.objects.get(kind=email.KIND)
    code = factories.invitation_code(email.message_of(job)["body"])
    assert user.signup_token_hash == token_hash(code) and code not in str(job.payload)
    env = _worker_env(box, JOB_LEASE_SECONDS="1")
    doomed = subprocess.Popen(WORKER, cwd=ROOT, env=env)
    try:
        assert box.data_started.wait(30), "the first worker never started sending"
        doomed.kill()  # before the message went out
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
        box.release.set()
    _wait_for_lease_end(job)
    _finish_with_survivor(env, job)
    _run_once(env)  # a further worker finds nothing left to send
    assert job.status == Job.SUCCEEDED
    [sent] = box.messages
    assert sent["To"] == "grace@example.com" and sent["Subject"] == "Welcome to Survivor Care"
    assert code in sent.get_payload(decode=True).decode()
    box.stop()
