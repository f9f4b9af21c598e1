"""The documented retry policy as data: exponential backoff with jitter for up to 3 days.

Delays count from the previous failed try. The final try is pinned to the 3-day
deadline so a receiver that stays down is retried right up to it; the owner is
e-mailed after ~24 hours of failures and the webhook disabled at 3 days (``worker``).
"""

from __future__ import annotations

import datetime as dt
import random

RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=2),
    dt.timedelta(hours=4),
    dt.timedelta(hours=8),
    dt.timedelta(hours=12),
)
RETRY_WINDOW = dt.timedelta(days=3)
WARN_AFTER = dt.timedelta(hours=24)
JITTER = 0.1  # +/- 10 %, so retries of many deliveries do not arrive in lockstep
MAX_RETRY_AFTER = dt.timedelta(hours=12)


def backoff(failures: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """Delay before the next try after ``failures`` failed tries (1-based)."""
    base = RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return base + base * spread


def next_attempt(
    *, now: dt.datetime, first_failed_at: dt.datetime, failures: int, retry_after: dt.timedelta | None = None
) -> dt.datetime | None:
    """When to try again, or ``None`` when the 3-day window is used up.

    A receiver's ``Retry-After`` is honoured when it asks for more time than the
    schedule (capped, and never past the deadline).
    """
    deadline = first_failed_at + RETRY_WINDOW
    if now >= deadline:
        return None
    delay = backoff(failures)
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, MAX_RETRY_AFTER)
    return min(now + delay, deadline)


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return dt.timedelta(seconds=int(value))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, dt.timedelta(0))
