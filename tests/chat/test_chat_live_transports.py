"""Live chat over a real WebSocket, for each of the three transports, across two server processes
(PostgreSQL and Redis): members subscribed on one process receive notes created over HTTP on the
other; a non-member is refused; a member who archived the conversation or was removed from it
receives nothing more."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from django.conf import settings
from django.db import connection

from apps.chat.models import ConversationMembership
from tests import factories
from tests.subscriptions.test_cross_process import _free_port, _group_members, _start_server
from tests.waiting import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="cross-process delivery needs REDIS_URL (channels-redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two server processes need a shared database (PostgreSQL), not in-memory SQLite"),
]

SUBSCRIBE = ("subscription($id: String) { noteAddedSubscription(conversationId: $id) "
             "{ id content conversation_id __typename } }")
CREATE = "mutation($input: createNoteInput!) { createNote(input: $input) { note { id } messages { field message } } }"
ARCHIVE = ("mutation($input: updateConversationMembershipInput) { updateConversationMembership(input: $input) "
           "{ messages { field message } } }")
REMOVE = ("mutation($input: deleteConversationMembershipInput) { deleteConversationMembership(input: $input) "
          "{ messages { field message } } }")
CABLE_ID = json.dumps({"channel": "GraphqlChannel", "channelId": "chat"})


class LiveClient:
    """Speaks one transport over a real socket: starts the note subscription, then hands back
    each event's data (or the error that ended it), skipping keep-alives."""

    def __init__(self, ws, protocol: str) -> None:
        self.ws, self.protocol = ws, protocol

    async def _frame(self, timeout: float) -> dict:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=timeout))
            if frame.get("type") not in ("ping", "ka", "welcome", "confirm_subscription"):
                return frame

    async def start(self, conversation_id: str) -> None:
        variables = {"id": conversation_id}
        if self.protocol == "actioncable-v1-json":
            await self.ws.send(json.dumps({"command": "subscribe", "identifier": CABLE_ID}))
            await self.ws.send(json.dumps({"command": "message", "identifier": CABLE_ID, "data": json.dumps(
                {"query": SUBSCRIBE, "variables": variables, "operationName": None, "action": "execute"})}))
            return
        await self.ws.send(json.dumps({"type": "connection_init"}))
        assert (await self._frame(10))["type"] == "connection_ack"
        start = "subscribe" if self.protocol == "graphql-transport-ws" else "start"
        await self.ws.send(json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIBE,
                                                                          "variables": variables}}))

    async def next(self, timeout: float = 10) -> dict:
        """The next event's ``data`` or ``{"errors": [...]}``; raises TimeoutError when none comes."""
        frame = await self._frame(timeout)
        if self.protocol == "actioncable-v1-json":
            result = frame["message"]["result"]
        else:
            result = frame["payload"] if frame["type"] in ("next", "data") else {"errors": frame["payload"]}
        return {"errors": result["errors"]} if result.get("errors") else result["data"]

    async def nothing_within(self, seconds: float) -> bool:
        """No note arrives within ``seconds`` (an operation's end, "complete", is no note)."""
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                frame = await self._frame(left)
            except TimeoutError:
                return True
            except Exception:  # the server closed the socket: nothing more will come either
                return True
            result = frame.get("message", {}).get("result") if "message" in frame else frame.get("payload")
            if isinstance(result, dict) and (result.get("data") or {}).get("noteAddedSubscription"):
                return False
        return True


@pytest.mark.parametrize("protocol", ["actioncable-v1-json", "graphql-transport-ws", "graphql-ws"])
def test_members_receive_notes_from_another_process_and_nobody_else_does(protocol):
    import websockets

    world = factories.world(f"Live chat {protocol}")
    stays, archives = world.patients[0], world.patients[1]
    removed, outsider = world.staff, world.owner
    chat = factories.conversation(world.provider, stays, archives, removed)
    keys = {user.pk: factories.api_key(user) for user in (world.provider, stays, archives, removed, outsider)}
    archived_membership = ConversationMembership.objects.get(conversation=chat, user=archives).pk
    port_a, port_b = _free_port(), _free_port()
    servers = [_start_server(port_a), _start_server(port_b)]
    group = f"conversation.{chat.pk}"
    assert _group_members(group, forget=True) == 0

    async def http(query: str, variables: dict, user) -> dict:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"http://127.0.0.1:{port_b}/graphql", timeout=10,
                                         json={"query": query, "variables": variables},
                                         headers={"Authorization": f"Basic {keys[user.pk]}"})
        payload = next(iter(response.json()["data"].values()))
        assert payload["messages"] == [], payload
        return payload

    async def note(content: str) -> str:
        return (await http(CREATE, {"input": {"conversation_id": str(chat.pk), "content": content}},
                           world.provider))["note"]["id"]

    async def scenario() -> None:
        sockets = {}
        for user in (stays, archives, removed, outsider):
            uri = f"ws://127.0.0.1:{port_a}/subscriptions?token={keys[user.pk]}"
            ws = await websockets.connect(uri, subprotocols=[protocol])
            assert ws.subprotocol == protocol
            sockets[user.pk] = LiveClient(ws, protocol)
            await sockets[user.pk].start(str(chat.pk))
        try:
            refused = await sockets[outsider.pk].next()
            assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND", refused
            await eventually(lambda: _group_members(group) >= 1, timeout=10, interval=0.02,
                             what=f"the subscribing server to join {group}")
            await asyncio.sleep(1)  # every subscription of the process listens once its group is joined

            first = await note("to everyone")
            for user in (stays, archives, removed):
                assert (await sockets[user.pk].next())["noteAddedSubscription"]["id"] == first

            await http(ARCHIVE, {"input": {"id": str(archived_membership), "archived": True}}, archives)
            await http(REMOVE, {"input": {"conversation_id": str(chat.pk), "user_id": str(removed.pk)}},
                       world.provider)
            second = await note("members only")
            event = (await sockets[stays.pk].next())["noteAddedSubscription"]
            assert (event["id"], event["content"], event["__typename"]) == (second, "members only", "Note")
            for user in (archives, removed, outsider):
                assert await sockets[user.pk].nothing_within(1.5), user
        finally:
            for client in sockets.values():
                await client.ws.close()

    try:
        asyncio.run(scenario())
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
