"""Counting faults that the server rides through instead of failing the request.

When Redis is down, every request would otherwise log the same traceback: thousands of
lines per minute that bury everything else. ``Fault`` counts each occurrence (readable
by operators and tests through ``snapshot()``) and writes at most one warning per
interval, saying how many happened since the previous one.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

_registry: dict[str, Fault] = {}
_registry_lock = threading.Lock()


class Fault:
    """One kind of fault: a counter per process plus a rate-limited warning."""

    def __init__(self, name: str, logger: logging.Logger, message: str, interval_seconds: float = 60.0) -> None:
        self.name = name
        self.logger = logger
        self.message = message
        self.interval_seconds = interval_seconds
        self.count = 0
        self.last_error = ""
        self._unlogged = 0
        self._last_logged = float("-inf")
        self._lock = threading.Lock()
        with _registry_lock:
            _registry[name] = self

    def record(self, error: BaseException | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            self.count += 1
            self._unlogged += 1
            if error is not None:
                self.last_error = f"{type(error).__name__}: {error}"
            if now - self._last_logged < self.interval_seconds:
                return
            self._last_logged = now
            happened, self._unlogged = self._unlogged, 0
        self.logger.warning("%s (%d since the last report, %d in total; last error: %s)",
                            self.message, happened, self.count, self.last_error or "-")

    def reset(self) -> None:
        with self._lock:
            self.count = 0
            self._unlogged = 0
            self.last_error = ""
            self._last_logged = float("-inf")


def snapshot() -> dict[str, dict[str, Any]]:
    """Every fault counter of this process: ``{name: {"count": n, "last_error": "..."}}``."""
    with _registry_lock:
        faults = list(_registry.values())
    return {fault.name: {"count": fault.count, "last_error": fault.last_error} for fault in faults}
