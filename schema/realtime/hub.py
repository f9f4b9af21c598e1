"""Per-process fan-out of committed events to the subscriptions of this server process.

Why not one channel-layer group membership per WebSocket: with channels-redis every
member channel gets its own copy of each event, popped from Redis one round trip at a
time, so 1,000 subscribers cost 1,000 Redis operations per event per process. Here each
process joins a group once (with its own channel) and hands the event to every local
listener through in-memory queues: one Redis message per process per event.

``SharedReads`` then lets listeners whose per-event re-read is the very same scoped
query (same SQL, same parameters: viewers with identical visibility) share one database
round trip per event instead of one each. The query still comes from the viewer's
selector, so authorization is unchanged; identical SQL returns identical rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer

from schema.realtime.groups import GROUP_KEY

logger = logging.getLogger(__name__)

GROUP_REFRESH_SECONDS = 1800  # well inside channels-redis' default group expiry (1 day)


class Hub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.listeners: defaultdict[str, set[asyncio.Queue]] = defaultdict(set)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._refresh: asyncio.Task | None = None

    async def _ensure_started(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel("hub.")
            self._task = asyncio.create_task(self._receive_loop())
            self._refresh = asyncio.create_task(self._refresh_loop())

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a layer hiccup (Redis restart): keep serving once it is back
                logger.exception("subscription hub could not receive; retrying")
                await asyncio.sleep(1)
                continue
            for queue in list(self.listeners.get(message.get(GROUP_KEY, ""), ())):
                queue.put_nowait(message)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            for group in list(self.listeners):
                with contextlib.suppress(Exception):
                    await self.layer.group_add(group, self.channel)

    @contextlib.asynccontextmanager
    async def listen(self, group: str) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        async with self._lock:
            await self._ensure_started()
            first = not self.listeners[group]
            self.listeners[group].add(queue)
            if first:
                await self.layer.group_add(group, self.channel)
        try:
            yield queue
        finally:
            async with self._lock:
                self.listeners[group].discard(queue)
                if not self.listeners[group]:
                    del self.listeners[group]
                    with contextlib.suppress(Exception):
                        await self.layer.group_discard(group, self.channel)


class SharedReads:
    """One in-flight (or just finished) read per key; later askers reuse its result."""

    TTL_SECONDS = 10.0

    def __init__(self) -> None:
        self._results: dict[Any, tuple[float, asyncio.Future]] = {}

    async def get(self, key: Any, read: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        entry = self._results.get(key)
        if entry is None or now - entry[0] > self.TTL_SECONDS:
            self._expire(now)
            future: asyncio.Future = asyncio.get_running_loop().create_future()
            self._results[key] = (now, future)
            try:
                future.set_result(await read())
            except BaseException as error:
                future.set_exception(error)
                future.exception()  # mark retrieved: every waiter re-raises it below
        return await asyncio.shield(self._results[key][1]) if key in self._results else await read()

    def _expire(self, now: float) -> None:
        if len(self._results) < 256:
            return
        for key, (created, _) in list(self._results.items()):
            if now - created > self.TTL_SECONDS:
                del self._results[key]


# One hub per event loop (a server process runs one loop; tests run several).
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_reads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedReads] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]


def shared_reads() -> SharedReads:
    loop = asyncio.get_running_loop()
    if loop not in _reads:
        _reads[loop] = SharedReads()
    return _reads[loop]
