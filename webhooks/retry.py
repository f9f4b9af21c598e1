"""The documented webhook retry policy as data: exponential backoff with jitter for up to 3 days.

``SCHEDULE`` is what the shared runner (``apps.core.jobs``) applies to a failed delivery:
delays count from the previous failed try, the final try is pinned to the 3-day
deadline so a receiver that stays down is retried right up to it, and a receiver's
``Retry-After`` is honoured when it asks for more time (capped at 12 hours, never past
the deadline). The webhook-level escalation lives in ``worker``: the owner is e-mailed
after ~24 hours of failures and the webhook disabled at 3 days.
"""

from __future__ import annotations

import datetime as dt

from apps.core.jobs import RetrySchedule

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

SCHEDULE = RetrySchedule(delays=RETRY_DELAYS, window=RETRY_WINDOW, jitter=JITTER, max_retry_after=MAX_RETRY_AFTER)


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" passes isdigit() alone, then int() raises
        return dt.timedelta(seconds=int(value))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, dt.timedelta(0))
