"""Subscribers that stop reading: closed with 4008, their queued events dropped, cut off if they
never take the close frame, while a healthy subscriber of the same server keeps receiving."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from channels_redis.core import RedisChannelLayer

from apps.events.groups import GROUP_KEY, user_group
from tests import factories
from tests.faults.live import needs_redis_server
from tests.faults.wsclient import Reader, closed, connect, subscribe

pytestmark = [needs_redis_server, pytest.mark.django_db(transaction=True)]

SUBSCRIPTIONS_PER_SOCKET = 20
EVENTS = 150
QUEUE_LIMIT = 50
CLOSE_TIMEOUT = 4
# About 4 KB per event and subscription: the socket buffers between server and client fill after
# a few hundred messages (some tens of events), far fewer than the 3,000 pushed at each stalled socket.
WIDE = ("subscription($id: ID) { userUpdatedSubscription(id: $id) { id "
        + " ".join(f"a{n}: first_name" for n in range(40)) + " } }")


async def stalled_socket(server, key: str):
    """A client whose kernel buffer is tiny and whose library stops reading after a few frames."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    ws = await connect(server, key, sock=sock, max_queue=4)
    return ws


def test_a_client_that_stops_reading_is_closed_with_4008_and_its_events_are_dropped(redis_server,
                                                                                   live_server_factory):
    world = factories.world("Stalled")
    patient, other = world.patients[0], world.patients[1]
    patient.first_name = "N" * 100
    patient.save(update_fields=["first_name"])
    key = factories.api_key(world.provider)
    server = live_server_factory(redis_server, SUBSCRIPTION_QUEUE_LIMIT=str(QUEUE_LIMIT),
                                 SUBSCRIPTION_SEND_TIMEOUT_SECONDS="2",
                                 SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS=str(CLOSE_TIMEOUT))

    async def scenario() -> None:
        healthy_socket = await connect(server, key)
        await subscribe(healthy_socket, other.pk)
        healthy = Reader(healthy_socket)
        resumes, never_resumes = await stalled_socket(server, key), await stalled_socket(server, key)
        for ws in (resumes, never_resumes):
            for n in range(SUBSCRIPTIONS_PER_SOCKET):
                await subscribe(ws, patient.pk, str(n), WIDE)
        await healthy.update_until_delivered(server, key, other.pk, "Warm", timeout=10)
        await asyncio.sleep(0.5)  # the stalled sockets' group join travels to Redis too
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
        assert len(messages) < EVENTS * SUBSCRIPTIONS_PER_SOCKET / 2

        # Other subscribers of the process are not held up.
        await healthy.update_until_delivered(server, key, other.pk, "Still", timeout=5)

        # The one that never reads again is let go of once the close timeout passed: the server
        # process no longer holds its connection (the kernel may still deliver what was sent).
        client_port = never_resumes.local_address[1]
        assert server.holds_connection_from(client_port)
        deadline = pushed + CLOSE_TIMEOUT + 5
        while server.holds_connection_from(client_port):
            assert time.monotonic() < deadline, "the server still holds the stalled connection"
            await asyncio.sleep(0.2)
        assert server.rss_kib() - rss_before < 40_000
        code, _, _ = await closed(never_resumes, timeout=5)
        assert code in (4008, None)  # the close frame if it was sent before the cut, else an abnormal end
        await healthy.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=40))
