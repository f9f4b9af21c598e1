"""Generic jobs: a kind, a handler and a retry schedule per kind, one ``Job`` table for all.

A domain adds background work by registering a kind in its ``AppConfig.ready()``::

    jobs.register_kind("scheduling.appointment_reminder", send_reminder, retry=REMINDER_RETRY)

and enqueueing it inside the transaction of the change it follows::

    jobs.enqueue("scheduling.appointment_reminder", {"appointment_id": 42},
                 run_at=start - dt.timedelta(hours=1), subject="appointment:42")

Each job runs in its own transaction, holding its row lock: the handler's database
writes, the job's outcome and its ``JobAttempt`` commit together or not at all. A
second worker cannot claim a row while the handler runs (``SKIP LOCKED`` passes over
it even after the lease ran out); a worker that dies mid-job releases the lock with its
connection and the row is due again when its lease ends. Side effects outside the
database (an e-mail) are therefore at-least-once: repeated only when a worker dies
between sending and committing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.jobs import runner
from apps.core.jobs.models import Claimable, Job, JobAttempt
from apps.core.jobs.runner import Queue
from apps.core.jobs.schedule import RetrySchedule

logger = logging.getLogger("careplatform.worker")

# For kinds registered without their own schedule, and for rows whose kind this process
# does not know (a worker older than the code that enqueued them).
DEFAULT_RETRY = RetrySchedule(
    delays=(dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2)),
    window=dt.timedelta(days=1),
    jitter=0.1,
)


class Cancel(Exception):
    """Raised by a handler when its job no longer applies (the appointment was cancelled)."""


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Callable[[Job], None]
    retry: RetrySchedule | None


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, handler: Callable[[Job], None], *, retry: RetrySchedule | None = DEFAULT_RETRY) -> None:
    """``handler(job)`` does the work; raising retries per ``retry`` (``None``: never retry),
    raising ``Cancel`` ends the job as cancelled."""
    _KINDS[name] = Kind(name, handler, retry)


def kind(name: str) -> Kind | None:
    return _KINDS.get(name)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


QUEUE = Queue(Job, lease=lease)


def enqueue(kind: str, payload: dict[str, Any] | None = None, *, run_at: dt.datetime | None = None,
            subject: str = "", organization_id: int | None = None) -> Job:
    """Writes a due job in the caller's transaction, so a rolled-back change enqueues nothing.

    Outside a transaction there is nothing to roll back with; that is a caller bug.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("jobs.enqueue() must run inside the transaction of the change it follows")
    if kind not in _KINDS:
        raise LookupError(f"unknown job kind {kind!r}")
    return Job.objects.create(kind=kind, payload=payload or {}, subject=subject, organization_id=organization_id,
                              next_attempt_at=run_at or timezone.now())


def cancel(*, subject: str, kinds: list[str] | None = None) -> int:
    """Cancels the pending jobs about ``subject``; a job already running finishes (its handler
    re-checks what it depends on), but cannot record over the cancellation."""
    rows = Job.objects.filter(status=Claimable.PENDING, subject=subject)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.update(status=Claimable.CANCELLED, next_attempt_at=None, claim_token=None,
                       completed_at=timezone.now())


def run_batch(limit: int) -> int:
    """Claims up to ``limit`` due jobs and runs them one by one; returns how many were claimed."""
    claim = QUEUE.claim(limit)
    for index, pk in enumerate(claim.ids):
        if runner.stopping():
            # Shutting down: the job in progress finished; the rest go back for another worker now.
            released = QUEUE.release(claim.token, claim.ids[index:], now=timezone.now())
            logger.info("stopping: released %s claimed job(s)", released)
            break
        run_claimed(pk, claim.token)
    return len(claim.ids)


def run_claimed(pk: int, token: Any) -> str | None:
    """Runs one claimed job; returns its attempt's outcome, or None when the claim was lost."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=pk, **Queue.guard(token)).first()
        if job is None:  # our lease ran out and another worker claimed it, or it was cancelled
            return None
        registered = _KINDS.get(job.kind)
        started_at = timezone.now()
        start = time.monotonic()
        error = ""
        try:
            if registered is None:
                raise LookupError(f"no handler for job kind {job.kind!r} in this worker")
            with transaction.atomic():  # a failing handler's writes roll back; the attempt log stays
                registered.handler(job)
        except Cancel as reason:
            outcome, error = JobAttempt.CANCELLED, str(reason)
            QUEUE.cancel(token, [pk], now=timezone.now(), reason=error)
        except Exception as failure:
            outcome, error = JobAttempt.FAILED, f"{type(failure).__name__}: {failure}"
            result = QUEUE.fail(token, job, now=timezone.now(), error=error,
                                schedule=registered.retry if registered else DEFAULT_RETRY)
            log = logger.warning if result.next_attempt_at else logger.error
            log("job %s (%s) failed on try %s: %s; next try %s", pk, job.kind, result.attempts, error,
                result.next_attempt_at or "never")
        else:
            outcome = JobAttempt.SUCCEEDED
            QUEUE.succeed(token, [pk], now=timezone.now())
        JobAttempt.objects.create(job=job, outcome=outcome, error=error[:500], created_at=started_at,
                                  duration_ms=int((time.monotonic() - start) * 1000))
    return outcome
