"""Fixed-window request counters in the Django cache (Redis when REDIS_URL is set, so
every process shares them)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from apps.core.errors import RateLimited


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int


def hit(scope: str, ident: str, *, limit: int, window_seconds: int) -> Decision:
    """Counts one hit; refuses it when the window already holds ``limit`` hits."""
    now = time.time()
    window = int(now // window_seconds)
    key = f"rl:{scope}:{ident}:{window}"
    # add() is atomic and only sets when missing; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * window_seconds - now + 0.999))
        return Decision(False, retry_after)
    return Decision(True, 0)


def enforce(scope: str, ident: str, *, limit: int, window_seconds: int, message: str) -> None:
    """Counts one hit and raises ``RateLimited`` (a top-level ``RATE_LIMITED`` error, HTTP 429)
    when it is over ``limit``. Services call it for operation budgets (sign-in, public
    checkout); the HTTP view uses ``hit`` for the per-key request budget."""
    decision = hit(scope, ident, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise RateLimited(decision.retry_after, message)
