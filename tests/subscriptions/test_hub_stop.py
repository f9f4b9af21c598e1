"""The hub stops within its grace period even when its layer's read ignores a cancel, and the
server's lifespan shutdown stops it."""

from __future__ import annotations

import asyncio

from schema.realtime import hub as hub_module
from schema.realtime.lifespan import lifespan


class StubbornLayer:
    """Like a channels-redis read whose cancel redis-py absorbed: only closing its
    connections ends the read."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.reads = 0

    async def new_channel(self, prefix: str) -> str:
        return f"{prefix}stubborn"

    async def receive(self, channel: str) -> dict:
        self.reads += 1
        while not self.closed.is_set():
            try:
                await self.closed.wait()
            except asyncio.CancelledError:
                continue  # absorbed
        raise ConnectionError("Connection closed by server.")

    async def close_pools(self) -> None:
        self.closed.set()


async def _started_hub(layer: StubbornLayer) -> hub_module.Hub:
    hub = hub_module.Hub()
    hub.layer = layer
    await hub._ensure_started()
    await asyncio.sleep(0)
    return hub


async def test_a_read_that_ignores_its_cancel_is_ended_by_closing_the_layer():
    layer = StubbornLayer()
    hub = await _started_hub(layer)
    started = asyncio.get_running_loop().time()
    await hub.stop(grace_seconds=0.2)
    assert asyncio.get_running_loop().time() - started < 1
    assert hub._task.done() and hub._refresh.done()
    assert layer.reads == 1  # the closed read did not start another one
    assert (hub.channel, hub.listeners, hub.joined) == (None, {}, set())


async def test_the_lifespan_shutdown_stops_the_hub_of_its_loop():
    layer = StubbornLayer()
    hub = await _started_hub(layer)
    hub_module._hubs[asyncio.get_running_loop()] = hub
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    await asyncio.wait_for(lifespan({"type": "lifespan"}, receive, send), timeout=5)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    assert hub._task.done() and layer.closed.is_set()
    assert asyncio.get_running_loop() not in hub_module._hubs
