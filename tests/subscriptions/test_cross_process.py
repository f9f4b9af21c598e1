"""Two live server processes sharing PostgreSQL and Redis: a mutation on one reaches a subscriber on the other."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests import factories
from tests.waiting import eventually, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
UVICORN = Path(sys.executable).with_name("uvicorn")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="cross-process delivery needs REDIS_URL (channels-redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two server processes need a shared database (PostgreSQL), not in-memory SQLite"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL, "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--log-level",
         "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health", status=200)
    except AssertionError:
        process.kill()
        raise AssertionError(f"server on {port} did not start: {process.stderr.read().decode()[-2000:]}") from None
    return process


def _group_members(group: str, *, forget: bool = False) -> int:
    """Channels joined to ``group`` in Redis (channels-redis keeps a sorted set per group, under
    its default prefix); ``forget`` drops the joins first."""
    import redis

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        if forget:
            client.delete(f"asgi:group:{group}")
        return client.zcard(f"asgi:group:{group}")


def test_subscriber_on_one_process_receives_a_mutation_made_on_another():
    import websockets

    world = factories.world("Cross Process")
    patient = world.patients[0]
    key = factories.api_key(world.provider)
    port_a, port_b = _free_port(), _free_port()
    servers = [_start_server(port_a), _start_server(port_b)]
    group = f"user.{patient.pk}"
    assert _group_members(group, forget=True) == 0  # a join left by an earlier run must not count as this one
    try:
        async def scenario() -> dict:
            uri = f"ws://127.0.0.1:{port_a}/subscriptions?token={key}"
            async with websockets.connect(uri, subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv()) == {"type": "connection_ack"}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                    "query": "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name } }",
                    "variables": {"id": str(patient.pk)}}}))
                # The subscribing server joins the patient's group in Redis; no protocol message says so.
                await eventually(lambda: _group_members(group) >= 1, timeout=10, interval=0.02,
                                 what=f"the subscribing server to join {group}")
                mutation = {"query": "mutation($input: updateClientInput) { updateClient(input: $input) "
                                     "{ messages { field message } } }",
                            "variables": {"input": {"id": str(patient.pk), "first_name": "AcrossProcesses"}}}
                async with httpx.AsyncClient() as http:
                    response = await http.post(f"http://127.0.0.1:{port_b}/graphql", json=mutation,
                                               headers={"Authorization": f"Basic {key}",
                                                        "AuthorizationSource": "API"})
                assert response.json() == {"data": {"updateClient": {"messages": []}}}
                return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))

        message = asyncio.run(scenario())
        assert message == {"id": "1", "type": "next", "payload": {"data": {"userUpdatedSubscription": {
            "id": str(patient.pk), "first_name": "AcrossProcesses"}}}}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
