from __future__ import annotations

import pytest

from tests.subscriptions.communicator import WebsocketCommunicator
from tests.waiting import eventually

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
USER_UPDATED = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name organization { id } } }"


def application():
    from config.asgi import application as app

    return app


async def open_socket(path: str, protocol: str = TRANSPORT_WS) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application(), path, subprotocols=[protocol])
    connected, chosen = await communicator.connect(timeout=5)
    assert connected and chosen == protocol
    return communicator


async def wait_for_group(group: str, listeners: int = 1) -> None:
    """Waits until ``listeners`` subscriptions listen on ``group`` and the process has joined it
    on the channel layer (no protocol message says so).

    The hub registers a listener and joins the group under one lock, so once the listener is
    seen, taking the lock means the join (a Redis round trip with channels-redis) is done.
    """
    from schema.realtime.hub import hub

    await eventually(lambda: len(hub().listeners.get(group, ())) >= listeners,
                     what=f"{listeners} listener(s) on {group}")
    async with hub()._lock:
        pass


@pytest.fixture(autouse=True)
def _fresh_layer():
    """Each test gets its own in-memory layer state."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
async def _hub_stopped_before_the_loop_closes():
    """Each test's event loop closes by cancelling its tasks and waiting for them; a hub reading
    from Redis is stopped first, as the server's lifespan shutdown does."""
    yield
    from schema.realtime.hub import stop_hub

    await stop_hub()


@pytest.fixture
def rereads(monkeypatch) -> list[object]:
    """What each per-event re-read of a subscription found (None: nothing visible, nothing sent),
    in the order they finished: the observable sign that an event was handled."""
    from schema.realtime import watch

    found: list[object] = []
    real_first = watch._first

    def recording(records, pk):
        result = real_first(records, pk)
        found.append(result)
        return result

    monkeypatch.setattr(watch, "_first", recording)
    return found
