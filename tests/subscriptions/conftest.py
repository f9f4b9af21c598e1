from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

from tests.subscriptions.communicator import WebsocketCommunicator

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


async def wait_for_group(group: str, members: int = 1) -> None:
    """Waits until the subscription joined its channel-layer group (no protocol message says so)."""
    layer = get_channel_layer()
    groups = getattr(layer, "groups", None)
    for _ in range(200):
        if groups is not None and len(groups.get(group, {})) >= members:
            return
        if groups is None:  # channels-redis: membership is not observable cheaply; give it a moment
            await asyncio.sleep(0.3)
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"nobody joined {group}")


@pytest.fixture(autouse=True)
def _fresh_layer():
    """Each test gets its own in-memory layer state."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
