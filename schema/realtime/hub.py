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
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.faults import Fault
from schema.realtime.disconnects import Disconnect, FellBehind, LayerUnavailable
from schema.realtime.groups import GROUP_KEY

logger = logging.getLogger(__name__)

layer_lost = Fault("subscriptions.layer_lost", logger,
                   "subscription hub lost the channel layer; its subscriptions were closed with 1013")
join_refused = Fault("subscriptions.join_refused", logger,
                     "new subscriptions refused with 1013: the channel layer is unreachable")
fell_behind = Fault("subscriptions.fell_behind", logger,
                    "subscriptions closed with 4008: their client did not keep up with its events")

# Once a join has failed, further joins are refused at once for this long instead of each
# waiting for the layer's timeout (a reconnect wave during an outage would queue behind it).
REFUSE_AFTER_FAILURE_SECONDS = 1.0


class Inbox:
    """The events waiting for one subscription: at most ``limit``, or it fails with ``FellBehind``.

    A failed inbox drops what it held (that is the memory a stalled client would pin) and
    raises its error to the subscription reading it, which ends it and closes the socket.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: deque[dict[str, Any]] = deque()
        self._waiter: asyncio.Future | None = None
        self.error: Disconnect | None = None

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: dict[str, Any]) -> None:
        if self.error is not None:
            return
        if len(self._items) >= self.limit:
            fell_behind.record()
            self.fail(FellBehind())
            return
        self._items.append(message)
        self._wake()

    def fail(self, error: Disconnect) -> None:
        if self.error is None:
            self.error = error
            self._items.clear()
            self._wake()

    async def get(self) -> dict[str, Any]:
        while not self._items:
            if self.error is not None:
                raise self.error
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Hub:
    """This process's channel-layer membership: one channel, each group joined once.

    A group counts as joined only once ``group_add`` succeeded, and only for the layer
    connection it succeeded on: when the layer fails (its receive raises, or a re-join
    does), every subscription of the process is closed with ``LayerUnavailable`` and all
    memberships are forgotten, because a restarted Redis has lost them. Clients reconnect
    and their new subscriptions join afresh once the layer answers again. Groups are also
    re-joined every ``SUBSCRIPTION_GROUP_REFRESH_SECONDS``, for losses nothing reported
    (a Redis failover, a flush).
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.listeners: dict[str, set[Inbox]] = {}
        self.joined: set[str] = set()
        self._lock = asyncio.Lock()
        self._refuse_until = 0.0
        self._task: asyncio.Task | None = None
        self._refresh: asyncio.Task | None = None
        self._stopping = False

    async def _ensure_started(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel("hub.")
            self._task = asyncio.create_task(self._receive_loop())
            self._refresh = asyncio.create_task(self._refresh_loop())

    async def _receive_loop(self) -> None:
        while not self._stopping:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis went away: what we joined is gone with it
                if self._stopping:
                    return
                self._lost(error)
                await asyncio.sleep(1)
                continue
            for inbox in list(self.listeners.get(message.get(GROUP_KEY, ""), ())):
                inbox.put(message)

    async def _refresh_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(settings.SUBSCRIPTION_GROUP_REFRESH_SECONDS)
            async with self._lock:
                for group in list(self.joined):
                    try:
                        await self._call(self.layer.group_add(group, self.channel))
                    except Exception as error:
                        self._lost(error)
                        break

    async def stop(self, grace_seconds: float = 1.0) -> None:
        """Ends the hub's tasks, within about ``2 * grace_seconds``.

        Cancelling a channels-redis ``receive`` is not enough on its own: redis-py can absorb
        the cancellation and go back to waiting on its socket (seen in CI: an event loop's
        shutdown, which cancels every task and waits for them, hung for good). Closing the
        layer's connections ends that read, and ``_stopping`` keeps the loop from starting
        another one.
        """
        self._stopping = True
        tasks = [task for task in (self._task, self._refresh) if task is not None and not task.done()]
        for task in tasks:
            task.cancel()
        pending: set[asyncio.Task] = set()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        if pending and hasattr(self.layer, "close_pools"):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.layer.close_pools(), grace_seconds)
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=grace_seconds)
        if pending:
            logger.warning("subscription hub: %d task(s) did not stop", len(pending))
        self.listeners, self.joined, self.channel = {}, set(), None

    def _lost(self, error: BaseException) -> None:
        """Ends every subscription of this process: their groups may be gone, events were lost."""
        self._refuse_until = time.monotonic() + REFUSE_AFTER_FAILURE_SECONDS
        if not self.listeners and not self.joined:
            return
        layer_lost.record(error)
        listeners, self.listeners = self.listeners, {}
        self.joined = set()
        for inboxes in listeners.values():
            for inbox in inboxes:
                inbox.fail(LayerUnavailable())

    @staticmethod
    async def _call(call: Awaitable[Any]) -> Any:
        return await asyncio.wait_for(call, timeout=settings.CHANNEL_LAYER_TIMEOUT_SECONDS)

    async def _join(self, group: str) -> None:
        if group in self.joined:
            return
        if time.monotonic() < self._refuse_until:
            join_refused.record()
            raise LayerUnavailable()
        try:
            await self._call(self.layer.group_add(group, self.channel))
        except Exception as error:
            self._refuse_until = time.monotonic() + REFUSE_AFTER_FAILURE_SECONDS
            join_refused.record(error)
            raise LayerUnavailable() from error
        self.joined.add(group)

    @contextlib.asynccontextmanager
    async def listen(self, group: str) -> AsyncIterator[Inbox]:
        """The inbox of ``group``'s events for one subscription; raises ``LayerUnavailable``
        when the group cannot be joined now."""
        inbox = Inbox(settings.SUBSCRIPTION_QUEUE_LIMIT)
        async with self._lock:
            await self._ensure_started()
            await self._join(group)
            self.listeners.setdefault(group, set()).add(inbox)
        try:
            yield inbox
        finally:
            await self._leave(group, inbox)

    async def _leave(self, group: str, inbox: Inbox) -> None:
        async with self._lock:
            inboxes = self.listeners.get(group)
            if inboxes is None or inbox not in inboxes:
                return  # dropped with its layer: the group was forgotten already
            inboxes.discard(inbox)
            if inboxes:
                return
            del self.listeners[group]
            if group in self.joined:
                self.joined.discard(group)
                with contextlib.suppress(Exception):
                    await self._call(self.layer.group_discard(group, self.channel))


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


async def stop_hub() -> None:
    """Stops this event loop's hub, if it has one: before the loop closes (server shutdown, tests)."""
    stopping = _hubs.pop(asyncio.get_running_loop(), None)
    if stopping is not None:
        await stopping.stop()


def shared_reads() -> SharedReads:
    loop = asyncio.get_running_loop()
    if loop not in _reads:
        _reads[loop] = SharedReads()
    return _reads[loop]
