"""Notes across processes (PostgreSQL and Redis): a note sent over HTTP to one server reaches a
member subscribed on another, and a scheduled note delivered by a worker process reaches it too."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests import factories
from tests.subscriptions.test_cross_process import ROOT, _database_url, _free_port, _group_members, _start_server
from tests.waiting import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="cross-process delivery needs REDIS_URL (channels-redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="server and worker processes need a shared database (PostgreSQL)"),
]

SUBSCRIBE = ("subscription($id: String) { noteAddedSubscription(conversationId: $id) "
             "{ id content user_id conversation_id } }")
CREATE = ("mutation($input: createNoteInput!) { createNote(input: $input) "
          "{ note { id } messages { field message } } }")


def _run_worker() -> None:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL, "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", "run_worker", "--once"], cwd=ROOT, env=env, check=True,
                   timeout=60, capture_output=True)


def test_notes_reach_a_member_subscribed_on_another_process():
    import websockets

    world = factories.world("Cross Process Chat")
    chat = factories.conversation(world.provider, world.patients[0])
    provider_key, patient_key = factories.api_key(world.provider), factories.api_key(world.patients[0])
    port_a, port_b = _free_port(), _free_port()
    servers = [_start_server(port_a), _start_server(port_b)]
    group = f"conversation.{chat.pk}"
    assert _group_members(group, forget=True) == 0
    try:
        async def send(http: httpx.AsyncClient, **values) -> str:
            response = await http.post(f"http://127.0.0.1:{port_b}/graphql",
                                       json={"query": CREATE, "variables": {"input": {
                                           "conversation_id": str(chat.pk), **values}}},
                                       headers={"Authorization": f"Basic {provider_key}"})
            payload = response.json()["data"]["createNote"]
            assert payload["messages"] == []
            return payload["note"]["id"]

        async def scenario() -> list[tuple[str, dict]]:
            received = []
            uri = f"ws://127.0.0.1:{port_a}/subscriptions?token={patient_key}"
            async with websockets.connect(uri, subprotocols=["graphql-transport-ws"]) as ws, \
                    httpx.AsyncClient() as http:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv()) == {"type": "connection_ack"}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                    "query": SUBSCRIBE, "variables": {"id": str(chat.pk)}}}))
                await eventually(lambda: _group_members(group) >= 1, timeout=10, interval=0.02,
                                 what=f"the subscribing server to join {group}")
                now_id = await send(http, content="over HTTP on the other server")
                received.append((now_id, json.loads(await asyncio.wait_for(ws.recv(), timeout=10))))
                due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                later_id = await send(http, content="scheduled", scheduled_at=due)
                await asyncio.sleep(2)
                await asyncio.to_thread(_run_worker)
                received.append((later_id, json.loads(await asyncio.wait_for(ws.recv(), timeout=10))))
            return received

        for note_id, message in asyncio.run(scenario()):
            assert message["type"] == "next"
            note = message["payload"]["data"]["noteAddedSubscription"]
            assert note["id"] == note_id and note["conversation_id"] == str(chat.pk)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
