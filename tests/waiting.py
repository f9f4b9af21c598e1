"""Waiting in tests for something to happen, not for time to pass.

A fixed sleep is either too short on a busy machine (a flaky test) or too long everywhere
else (a slow one). These poll an observable condition at a short interval and fail with a
message once a generous deadline passes, so a test waits exactly as long as it needs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.01,
               what: str = "the condition") -> T:
    """The first truthy value of ``condition()``; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)
    return value


async def eventually(condition: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.005,
                     what: str = "the condition") -> T:
    """``wait_until`` for coroutines: yields to the event loop between polls."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)
    return value


def wait_for_http(url: str, *, timeout: float = 30.0, status: int | None = None) -> None:
    """Waits until a server started by the test answers ``url`` (with ``status``, when given)."""
    import httpx

    def answers() -> bool:
        try:
            response = httpx.get(url, timeout=1)
        except httpx.HTTPError:
            return False
        return status is None or response.status_code == status

    wait_until(answers, timeout=timeout, interval=0.05, what=f"a server to answer {url}")
