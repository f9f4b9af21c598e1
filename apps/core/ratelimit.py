"""Fixed-window request counters in the Django cache (Redis when REDIS_URL is set, so
every process shares them).

When the cache cannot be reached (Redis restarting, a network partition), a rate limit
must not turn every request into an error. The documented choice (docs/operations.md,
"Rate limits without Redis"):

- ``hit`` (the per-key request budget of the HTTP view and of WebSocket operations)
  **fails open**: the request is allowed, counted in the ``ratelimit.failed_open`` fault
  and reported by one warning per minute;
- ``enforce`` (operation budgets that guard against abuse: sign-in attempts, public
  checkout) **falls back to a per-process counter** with the same limit and window, so
  password guessing stays throttled (per process) while Redis is away.

After a failure the cache is not asked again for ``STORE_RETRY_SECONDS``: a Redis that
does not answer at all would otherwise cost every request its connect timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

from apps.core.errors import RateLimited
from apps.core.faults import Fault

try:  # the redis client is only imported by the cache backend when REDIS_URL is set
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
STORE_RETRY_SECONDS = 1.0
LOCAL_MAX_KEYS = 100_000

failed_open = Fault("ratelimit.failed_open", logger,
                    "per-key request budget not enforced: the rate-limit store is unreachable, requests are "
                    "allowed (fail open)")
local_fallback = Fault("ratelimit.local_fallback", logger,
                       "operation budgets (sign-in, public checkout) counted per process: the rate-limit store "
                       "is unreachable")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int


class _LocalWindows:
    """Per-process fixed-window counters, used only while the shared store is unreachable."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, expires_at: float, now: float) -> int:
        with self._lock:
            expiry, count = self._counts.get(key, (expires_at, 0))
            if key not in self._counts and len(self._counts) >= LOCAL_MAX_KEYS:
                self._evict(now)
            self._counts[key] = (expiry, count + 1)
            return count + 1

    def _evict(self, now: float) -> None:
        for key, (expiry, _) in list(self._counts.items()):
            if expiry <= now:
                del self._counts[key]
        while len(self._counts) >= LOCAL_MAX_KEYS:  # oldest first: the closest to expiring
            del self._counts[next(iter(self._counts))]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_local = _LocalWindows()
_store_skipped_until = 0.0


def _shared_count(key: str, window_seconds: int) -> int:
    # add() is atomic and only sets when missing; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        return 1


def _count(key: str, window_seconds: int, now: float, *, fallback: str) -> int | None:
    """The hits in this window including this one; None when the store is down and ``fallback`` is open."""
    global _store_skipped_until
    error: BaseException | None = None
    if time.monotonic() >= _store_skipped_until:
        try:
            return _shared_count(key, window_seconds)
        except STORE_ERRORS as failure:
            error = failure
            _store_skipped_until = time.monotonic() + STORE_RETRY_SECONDS
    if fallback == "local":
        local_fallback.record(error)
        return _local.incr(key, now + window_seconds + 1, now)
    failed_open.record(error)
    return None


def hit(scope: str, ident: str, *, limit: int, window_seconds: int, fallback: str = "open") -> Decision:
    """Counts one hit; refuses it when the window already holds ``limit`` hits.

    ``fallback`` says what happens while the shared store is unreachable: ``"open"`` allows
    the hit, ``"local"`` counts it in this process instead.
    """
    now = time.time()
    window = int(now // window_seconds)
    count = _count(f"rl:{scope}:{ident}:{window}", window_seconds, now, fallback=fallback)
    if count is not None and count > limit:
        retry_after = max(1, int((window + 1) * window_seconds - now + 0.999))
        return Decision(False, retry_after)
    return Decision(True, 0)


def enforce(scope: str, ident: str, *, limit: int, window_seconds: int, message: str) -> None:
    """Counts one hit and raises ``RateLimited`` (a top-level ``RATE_LIMITED`` error, HTTP 429)
    when it is over ``limit``. Services call it for operation budgets (sign-in, public
    checkout); the HTTP view uses ``hit`` for the per-key request budget. Without the shared
    store the budget is kept per process rather than dropped."""
    decision = hit(scope, ident, limit=limit, window_seconds=window_seconds, fallback="local")
    if not decision.allowed:
        raise RateLimited(decision.retry_after, message)


def reset_fallback() -> None:
    """Forgets the per-process counters and retries the store at once (tests, and after an outage drill)."""
    global _store_skipped_until
    _store_skipped_until = 0.0
    _local.clear()
