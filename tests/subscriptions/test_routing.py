"""``/subscriptions`` picks the transport by the subprotocols the client offers (schema.realtime.routing)."""

from __future__ import annotations

import pytest

from tests.subscriptions.communicator import WebsocketCommunicator
from tests.subscriptions.conftest import LEGACY_WS, TRANSPORT_WS, application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("offered", "chosen"), [
    (["chat", LEGACY_WS, TRANSPORT_WS], LEGACY_WS),
    (["chat", TRANSPORT_WS, LEGACY_WS], TRANSPORT_WS),
])
async def test_the_first_offered_subprotocol_we_speak_wins(keys, offered, chosen):
    socket = WebsocketCommunicator(application(), f"/subscriptions?token={keys['owner']}", subprotocols=offered)
    assert await socket.connect(timeout=5) == (True, chosen)
    await socket.send_json_to({"type": "connection_init"})
    assert await socket.receive_json_from(timeout=5) == {"type": "connection_ack"}
    await socket.disconnect()


@pytest.mark.parametrize("offered", [[], ["chat"]])
async def test_a_socket_offering_no_protocol_we_speak_is_closed(keys, offered):
    socket = WebsocketCommunicator(application(), f"/subscriptions?token={keys['owner']}", subprotocols=offered)
    await socket.connect(timeout=5)
    closed = await socket.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4406


async def test_the_router_hands_each_socket_to_the_transport_of_its_subprotocol():
    from schema.realtime.routing import SubprotocolRouter

    reached: list[tuple[str, list[str]]] = []

    def transport(name: str):
        async def app(scope, receive, send):
            reached.append((name, scope["subprotocols"]))
        return app

    router = SubprotocolRouter({"a": transport("a"), "b": transport("b")}, fallback=transport("fallback"))
    for offered in (["b", "a"], ["x", "a"], ["x"], []):
        await router({"type": "websocket", "subprotocols": offered}, None, None)
    assert reached == [("b", ["b", "a"]), ("a", ["x", "a"]), ("fallback", ["x"]), ("fallback", [])]


@pytest.mark.parametrize("path", ["/graphql", "/", "/subscriptions/extra", "/cable"])
async def test_a_websocket_to_another_path_is_declined_cleanly(path):
    socket = WebsocketCommunicator(application(), path, subprotocols=[TRANSPORT_WS])
    connected, code = await socket.connect(timeout=5)
    assert (connected, code) == (False, 1008)
