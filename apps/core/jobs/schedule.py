"""Retry schedules as data: how long to wait after each failure, and when to give up."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetrySchedule:
    """Delays count from the failed try they follow; the last delay repeats.

    ``window`` bounds the whole retry period from the first failure: the final try is
    pinned to that deadline, so a target that stays down is retried right up to it.
    ``max_attempts`` counts every try, the first included. ``jitter`` spreads each
    delay by up to that fraction either way so many failures do not retry in lockstep.
    ``max_retry_after`` caps how much longer than the schedule a target may ask for
    (an HTTP ``Retry-After``).
    """

    delays: tuple[dt.timedelta, ...]
    window: dt.timedelta | None = None
    jitter: float = 0.0
    max_attempts: int | None = None
    max_retry_after: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if not self.delays or any(d <= dt.timedelta(0) for d in self.delays):
            raise ValueError("a retry schedule needs at least one positive delay")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction below 1")

    def backoff(self, failures: int, *, rng: random.Random | None = None) -> dt.timedelta:
        """Delay before the next try after ``failures`` failed tries (1-based)."""
        base = self.delays[min(max(failures, 1), len(self.delays)) - 1]
        if not self.jitter:
            return base
        return base + base * (rng or random).uniform(-self.jitter, self.jitter)

    def next_attempt(self, *, now: dt.datetime, failures: int, first_failed_at: dt.datetime | None = None,
                     retry_after: dt.timedelta | None = None) -> dt.datetime | None:
        """When to try again after the ``failures``-th failed try, or ``None`` to give up."""
        if self.max_attempts is not None and failures >= self.max_attempts:
            return None
        deadline = (first_failed_at or now) + self.window if self.window is not None else None
        if deadline is not None and now >= deadline:
            return None
        delay = self.backoff(failures)
        if retry_after is not None:
            asked = min(retry_after, self.max_retry_after) if self.max_retry_after is not None else retry_after
            delay = max(delay, asked)  # a target may ask for more time, never for less
        due = now + delay
        return min(due, deadline) if deadline is not None else due

