"""ActionCable subscribers that stop reading, against a live server: the bounded queue, then a 4008 close
(after a ``disconnect`` frame when there is room for it), and a connection that never takes the close
is let go of, while a healthy ActionCable subscriber of the same server keeps receiving."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
import websockets
from channels_redis.core import RedisChannelLayer

from apps.events.groups import GROUP_KEY, user_group
from tests import factories
from tests.faults.conftest import live_server_factory, redis_server  # noqa: F401  (fixtures)
from tests.faults.live import needs_redis_server
from tests.faults.wsclient import UPDATE_CLIENT, closed

pytestmark = [needs_redis_server, pytest.mark.django_db(transaction=True)]

CHANNELS_PER_SOCKET = 20
EVENTS = 150
QUEUE_LIMIT = 50
CLOSE_TIMEOUT = 4
# About 4 KB per event and subscription: the buffers between server and client fill after some tens
# of events, far fewer than the 3,000 messages pushed at each stalled socket.
WIDE = ("subscription($id: ID) { userUpdatedSubscription(id: $id) { id "
        + " ".join(f"a{n}: first_name" for n in range(40)) + " __typename } }")
NARROW = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name __typename } }"


def _identifier(n: int | str) -> str:
    return json.dumps({"channel": "GraphqlChannel", "channelId": f"c{n}"})


async def _cable(server, key: str, **options):
    ws = await websockets.connect(f"{server.ws}/subscriptions?token={key}",
                                  subprotocols=["actioncable-v1-json", "actioncable-unsupported"],
                                  open_timeout=5, ping_interval=None, **options)
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "welcome"
    return ws


async def _follow(ws, user_id: int, channel: int | str, query: str) -> None:
    """Subscribes a channel and executes ``query`` on it, without reading the confirmation (a
    stalled client sends and never reads)."""
    await ws.send(json.dumps({"command": "subscribe", "identifier": _identifier(channel)}))
    await ws.send(json.dumps({"command": "message", "identifier": _identifier(channel), "data": json.dumps(
        {"query": query, "variables": {"id": str(user_id)}, "operationName": None, "action": "execute"})}))


async def _stalled(server, key: str):
    """A client whose kernel buffer is tiny and whose library stops reading after a few frames."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    return await _cable(server, key, sock=sock, max_queue=4)


class _Reader:
    """Reads an ActionCable socket in the background, as a well-behaved consumer does."""

    def __init__(self, ws) -> None:
        self.ws, self.names = ws, []
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw).get("message")  # a ping's is its time
            data = message["result"]["data"] if isinstance(message, dict) else None
            if data:
                self.names.append(data["userUpdatedSubscription"]["first_name"])

    async def update_until_delivered(self, server, key: str, user_id: int, label: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            name = f"{label}{attempt}"
            response = await asyncio.to_thread(server.graphql, UPDATE_CLIENT,
                                               {"input": {"id": str(user_id), "first_name": name}}, key=key)
            assert response.json() == {"data": {"updateClient": {"messages": []}}}, response.text
            for _ in range(7):
                if name in self.names:
                    return
                assert not self._task.done()
                await asyncio.sleep(0.1)
        raise AssertionError(f"no event for user {user_id} within {timeout}s")

    async def close(self) -> None:
        await self.ws.close()
        await self._task


def test_an_actioncable_client_that_stops_reading_is_closed_with_4008(redis_server, live_server_factory):  # noqa: F811
    world = factories.world("Stalled Cable")
    patient, other = world.patients[0], world.patients[1]
    patient.first_name = "N" * 100
    patient.save(update_fields=["first_name"])
    key = factories.api_key(world.provider)
    server = live_server_factory(redis_server, SUBSCRIPTION_QUEUE_LIMIT=str(QUEUE_LIMIT),
                                 SUBSCRIPTION_SEND_TIMEOUT_SECONDS="2",
                                 SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS=str(CLOSE_TIMEOUT))

    async def scenario() -> None:
        healthy_socket = await _cable(server, key)
        await _follow(healthy_socket, other.pk, "healthy", NARROW)
        healthy = _Reader(healthy_socket)
        resumes, never_resumes = await _stalled(server, key), await _stalled(server, key)
        for ws in (resumes, never_resumes):
            for n in range(CHANNELS_PER_SOCKET):
                await _follow(ws, patient.pk, n, WIDE)
        await healthy.update_until_delivered(server, key, other.pk, "Warm", timeout=10)
        await asyncio.sleep(0.5)  # the stalled sockets' executes run and join the group too
        rss_before = server.rss_kib()

        layer = RedisChannelLayer(hosts=[redis_server.url], capacity=1500)  # as the server is configured
        group = user_group(patient.pk)
        for n in range(EVENTS):
            await layer.group_send(group, {
                "type": "domain.event", "event_id": 10_000 + n, "event_type": "patient.updated",
                "resource_id": str(patient.pk), "resource_id_type": "User", "organization_id": world.org.pk,
                "changed_fields": ["first_name"], GROUP_KEY: group})
        pushed = time.monotonic()

        deadline = pushed + 10
        while "did not keep up with its events" not in server.log_text():
            assert time.monotonic() < deadline, server.log_text()[-3000:]
            await asyncio.sleep(0.2)
        code, reason, messages = await closed(resumes, timeout=CLOSE_TIMEOUT - 1)
        assert (code, reason) == (4008, "The client fell behind on its events; reconnect and query what changed.")
        # What it still read was in the socket buffers when the server gave up, nothing queued after.
        assert len(messages) < EVENTS * CHANNELS_PER_SOCKET / 2
        assert all(m.get("type") in ("confirm_subscription", "ping", "disconnect") or m["message"]["more"]
                   for m in messages)

        await healthy.update_until_delivered(server, key, other.pk, "Still", timeout=5)

        client_port = never_resumes.local_address[1]
        deadline = pushed + CLOSE_TIMEOUT + 5
        while server.holds_connection_from(client_port):
            assert time.monotonic() < deadline, "the server still holds the stalled connection"
            await asyncio.sleep(0.2)
        assert server.rss_kib() - rss_before < 40_000
        code, _, _ = await closed(never_resumes, timeout=5)
        assert code in (4008, None)  # the close frame if it was sent before the cut, else an abnormal end
        await healthy.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=40))
