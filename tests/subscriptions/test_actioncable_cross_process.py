"""ActionCable across two live server processes sharing PostgreSQL and Redis: a mutation over HTTP
on one reaches an ActionCable subscriber on the other."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests import factories
from tests.subscriptions.test_cross_process import _free_port, _group_members, _start_server
from tests.waiting import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="cross-process delivery needs REDIS_URL (channels-redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two server processes need a shared database (PostgreSQL), not in-memory SQLite"),
]

IDENTIFIER = json.dumps({"channel": "GraphqlChannel", "channelId": "cross-process"})
SUBSCRIPTION = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name __typename } }"
MUTATION = "mutation($input: updateClientInput) { updateClient(input: $input) { messages { field message } } }"


async def _frame(ws) -> dict:
    while (frame := json.loads(await asyncio.wait_for(ws.recv(), timeout=10))).get("type") == "ping":
        pass
    return frame


def test_an_actioncable_subscriber_on_one_process_receives_a_mutation_made_on_another():
    import websockets

    world = factories.world("Cable Cross Process")
    patient = world.patients[0]
    key = factories.api_key(world.provider)
    port_a, port_b = _free_port(), _free_port()
    servers = [_start_server(port_a), _start_server(port_b)]
    group = f"user.{patient.pk}"
    assert _group_members(group, forget=True) == 0
    try:
        async def scenario() -> dict:
            uri = f"ws://127.0.0.1:{port_a}/subscriptions?token={key}"
            async with websockets.connect(uri, subprotocols=["actioncable-v1-json", "actioncable-unsupported"]) as ws:
                assert ws.subprotocol == "actioncable-v1-json"
                assert (await _frame(ws))["type"] == "welcome"
                await ws.send(json.dumps({"command": "subscribe", "identifier": IDENTIFIER}))
                assert await _frame(ws) == {"identifier": IDENTIFIER, "type": "confirm_subscription"}
                await ws.send(json.dumps({"command": "message", "identifier": IDENTIFIER, "data": json.dumps({
                    "query": SUBSCRIPTION, "variables": {"id": str(patient.pk)}, "operationName": None,
                    "action": "execute"})}))
                await eventually(lambda: _group_members(group) >= 1, timeout=10, interval=0.02,
                                 what=f"the subscribing server to join {group}")
                async with httpx.AsyncClient() as http:
                    response = await http.post(
                        f"http://127.0.0.1:{port_b}/graphql",
                        json={"query": MUTATION, "variables": {"input": {"id": str(patient.pk),
                                                                         "first_name": "CableAcross"}}},
                        headers={"Authorization": f"Basic {key}", "AuthorizationSource": "API"})
                assert response.json() == {"data": {"updateClient": {"messages": []}}}
                return await _frame(ws)

        message = asyncio.run(scenario())
        assert message == {"identifier": IDENTIFIER, "message": {"more": True, "result": {"data": {
            "userUpdatedSubscription": {"id": str(patient.pk), "first_name": "CableAcross", "__typename": "User"}}}}}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
