"""The one claim loop: every queue of durable rows is claimed and recorded here.

A queue is a model built on ``Claimable``. Each round a worker:

1. **claims** due rows in one short transaction: pending rows whose ``next_attempt_at``
   has passed are locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database
   has it, then stamped with a fresh claim token and pushed one lease ahead. The
   stamping ``UPDATE`` re-checks the due time, so on databases without SKIP LOCKED a
   losing worker simply stamps nothing. A worker killed after claiming leaves its rows
   due again when the lease ends.
2. does the work (the queue's business: an e-mail, concurrent HTTP sends);
3. **records** success, cancellation or failure. Every recording ``UPDATE`` is guarded
   by the claim token and the pending status, so a worker whose lease ran out cannot
   overwrite what a newer claim (or a cancellation) wrote. A failure takes its next due
   time from the queue's ``RetrySchedule``; without one, or past it, the row fails.

``run_worker`` drives every registered queue through ``run_round``. On SIGTERM it calls
``request_stop()``: queues finish what they already started, ``release`` what they claimed
but did not start (due again at once for another worker, not after the lease), and return.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.core.jobs.models import Claimable
from apps.core.jobs.schedule import RetrySchedule

logger = logging.getLogger("careplatform.worker")

MAX_ERROR = 500

_stop = threading.Event()


def request_stop() -> None:
    """Asks every queue to finish what it started and release the rest (SIGTERM)."""
    _stop.set()


def clear_stop() -> None:
    _stop.clear()


def stopping() -> bool:
    return _stop.is_set()


def wait_for_stop(seconds: float) -> bool:
    """Sleeps ``seconds`` unless a stop is requested meanwhile (an idle worker stops at once)."""
    return _stop.wait(seconds)


@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    recorded: bool  # False: the claim was lost (lease ran out, row cancelled); nothing was written
    next_attempt_at: dt.datetime | None  # None: the row failed for good
    attempts: int


@dataclass(frozen=True)
class Queue:
    """Claiming and recording for one ``Claimable`` model.

    ``lease`` is read at every claim so settings changed at runtime (and in tests) apply.
    ``eligible`` narrows what may be claimed beyond "pending and due" (a disabled webhook's
    deliveries wait, unclaimed, until it is enabled again).
    """

    model: type[Claimable]
    lease: Callable[[], dt.timedelta]
    eligible: Callable[[], Q] | None = None

    def due(self, now: dt.datetime) -> QuerySet:
        rows = self.model.objects.filter(status=Claimable.PENDING, next_attempt_at__lte=now)
        if self.eligible is not None:
            rows = rows.filter(self.eligible())
        return rows

    def claim(self, limit: int, *, now: dt.datetime | None = None) -> Claim:
        now = now or timezone.now()
        token = uuid.uuid4()
        with transaction.atomic():
            due = self.due(now).order_by("next_attempt_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            ids = list(due.values_list("pk", flat=True)[:limit])
            if not ids:
                return Claim(token)
            self.model.objects.filter(pk__in=ids, status=Claimable.PENDING, next_attempt_at__lte=now).update(
                claim_token=token, claimed_at=now, next_attempt_at=now + self.lease()
            )
        claimed = self.model.objects.filter(pk__in=ids, claim_token=token).order_by("id").values_list("pk", flat=True)
        return Claim(token, list(claimed))

    @staticmethod
    def guard(token: uuid.UUID | None) -> dict[str, Any]:
        """The condition of every recording update; no token = a row sent outside the loop."""
        conditions: dict[str, Any] = {"status": Claimable.PENDING}
        if token is not None:
            conditions["claim_token"] = token
        return conditions

    def succeed(self, token: uuid.UUID | None, ids: list[int], *, now: dt.datetime, **changes: Any) -> int:
        return self.model.objects.filter(pk__in=ids, **self.guard(token)).update(
            status=Claimable.SUCCEEDED, attempts=F("attempts") + 1, next_attempt_at=None, claim_token=None,
            completed_at=now, **changes,
        )

    def cancel(self, token: uuid.UUID | None, ids: list[int], *, now: dt.datetime, reason: str = "") -> int:
        return self.model.objects.filter(pk__in=ids, **self.guard(token)).update(
            status=Claimable.CANCELLED, next_attempt_at=None, claim_token=None, completed_at=now,
            last_error=reason[:MAX_ERROR],
        )

    def release(self, token: uuid.UUID, ids: list[int], *, now: dt.datetime) -> int:
        """Un-claims rows this worker claimed but will not work on: due at once for any worker."""
        if not ids:
            return 0
        return self.model.objects.filter(pk__in=ids, **self.guard(token)).update(
            claim_token=None, claimed_at=None, next_attempt_at=now,
        )

    def fail(self, token: uuid.UUID | None, row: Claimable, *, now: dt.datetime, error: str,
             schedule: RetrySchedule | None, retry_after: dt.timedelta | None = None, **changes: Any) -> Failure:
        """Records one failed try of ``row`` (as claimed) and schedules the next one, if any."""
        attempts = row.attempts + 1
        first_failed_at = row.first_failed_at or now
        next_at = None
        if schedule is not None:
            next_at = schedule.next_attempt(now=now, failures=attempts, first_failed_at=first_failed_at,
                                            retry_after=retry_after)
        values: dict[str, Any] = {"attempts": attempts, "first_failed_at": first_failed_at,
                                  "last_error": error[:MAX_ERROR], "claim_token": None, **changes}
        if next_at is None:
            values.update(status=Claimable.FAILED, next_attempt_at=None, completed_at=now)
        else:
            values.update(status=Claimable.PENDING, next_attempt_at=next_at)
        updated = self.model.objects.filter(pk=row.pk, **self.guard(token)).update(**values)
        return Failure(bool(updated), next_at, attempts)


# ---- the queues run_worker drives -----------------------------------------------------------

_QUEUES: dict[str, Callable[[int], int]] = {}


def register_queue(name: str, run_batch: Callable[[int], int]) -> None:
    """``run_batch(limit)`` claims at most ``limit`` rows through a ``Queue``, handles them and
    returns how many it claimed. Apps register theirs in ``AppConfig.ready()``."""
    _QUEUES[name] = run_batch


def queue_names() -> list[str]:
    return list(_QUEUES)


def run_round(limit: int, only: list[str] | None = None) -> int:
    """One pass over the (selected) queues; returns how many rows were claimed."""
    handled = 0
    for name, run_batch in _QUEUES.items():
        if stopping():
            break
        if only and name not in only:
            continue
        try:
            handled += run_batch(limit)
        except Exception:  # one failing queue must not stop the others
            logger.exception("job queue %s failed", name)
    return handled


def drain(limit: int = 100, only: list[str] | None = None, max_rounds: int = 1000) -> int:
    """Runs rounds until nothing is due (tests, ``--once``); returns how many rows were claimed."""
    total = 0
    for _ in range(max_rounds):
        handled = run_round(limit, only)
        if not handled:
            break
        total += handled
    return total
