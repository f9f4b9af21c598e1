"""Latency from a committed mutation to the event arriving at N connected subscribers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_events REDIS_URL=redis://127.0.0.1:6379/2 \
        python bench/subscription_fanout.py --subscribers 1000 --rounds 10

Starts ``--servers`` uvicorn processes (the ASGI app from config.asgi), spreads N
graphql-transport-ws connections over them, each authenticated with its own provider
key and subscribed with ``userUpdatedSubscription`` to one patient. Each round sends
``updateClient`` over HTTP and records, for every subscriber, the time from the moment
the mutation request was sent to the moment the pushed event arrived. That is an upper
bound of commit-to-arrival: it also counts the mutation's own parsing, authentication
and transaction (publishing happens on commit, before the HTTP response, so events
usually arrive before the response does). Prints p50/p99/max over all samples.
With more than one server (or a separate mutation server) REDIS_URL is required.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    import httpx

    uvicorn = Path(sys.executable).with_name("uvicorn")
    process = subprocess.Popen([str(uvicorn), "config.asgi:application", "--host", "127.0.0.1", "--port",
                                str(port), "--log-level", "warning", "--ws-per-message-deflate", "false"],
                               cwd=ROOT, env={**os.environ, "LOG_LEVEL": "WARNING"})
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def setup_data(subscribers: int) -> tuple[int, str, list[str]]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts.authentication import API_KEY_PREFIX
    from apps.accounts.models import ApiKey, Organization, OrganizationMembership, User
    from apps.core.crypto import random_token, token_hash

    org = Organization.objects.create(name=f"Fan-out bench {time.time():.0f}")
    users = User.objects.bulk_create([
        User(organization=org, is_patient=False, first_name="Sub", last_name=f"Scriber{i}",
             email=f"fanout{i}-{org.pk}@example.com") for i in range(subscribers + 1)
    ])
    OrganizationMembership.objects.bulk_create([OrganizationMembership(organization=org, user=u) for u in users])
    patient = User.objects.create(organization=org, first_name="Pat", last_name="Fanout", dietitian=users[0])
    plain = [random_token(API_KEY_PREFIX, 30) for _ in users]
    ApiKey.objects.bulk_create([ApiKey(user=u, key_hash=token_hash(p), displayable_key=p[:7])
                                for u, p in zip(users, plain, strict=True)])
    return patient.pk, plain[0], plain[1:]


async def run(args: argparse.Namespace, patient_id: int, writer_key: str, keys: list[str], ports: list[int]) -> None:
    import httpx
    import websockets

    arrivals: list[list[float]] = [[] for _ in range(args.rounds)]
    ready = 0
    query = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name } }"

    async def subscriber(index: int, key: str, started: asyncio.Event) -> None:
        nonlocal ready
        uri = f"ws://127.0.0.1:{ports[index % len(ports)]}/subscriptions?token={key}"
        async with websockets.connect(uri, subprotocols=["graphql-transport-ws"], max_queue=None,
                                      open_timeout=60, ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": {"id": str(patient_id)}}}))
            ready += 1
            for round_ in range(args.rounds):
                message = json.loads(await ws.recv())
                arrivals[round_].append(time.perf_counter())
                assert message["type"] == "next", message
            started.set()

    done = asyncio.Event()
    tasks = []
    for i, key in enumerate(keys):
        tasks.append(asyncio.create_task(subscriber(i, key, done)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not stampede the servers' accept queues
    while ready < len(keys):
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # let every group join settle (Redis round trips)
    latencies: list[float] = []
    response_ms: list[float] = []
    mutation_port = ports[-1]
    async with httpx.AsyncClient(timeout=30) as http:
        for round_ in range(args.rounds):
            body = {"query": "mutation($i: updateClientInput) { updateClient(input: $i) { messages { field } } }",
                    "variables": {"i": {"id": str(patient_id), "first_name": f"Round{round_}"}}}
            sent = time.perf_counter()
            response = await http.post(f"http://127.0.0.1:{mutation_port}/graphql", json=body,
                                       headers={"Authorization": f"Basic {writer_key}",
                                                "AuthorizationSource": "API"})
            responded = time.perf_counter()
            response_ms.append((responded - sent) * 1000)
            assert response.json()["data"]["updateClient"]["messages"] == [], response.text
            deadline = time.monotonic() + 30
            while len(arrivals[round_]) < len(keys) and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            got = arrivals[round_]
            if len(got) < len(keys):
                print(f"round {round_}: only {len(got)} of {len(keys)} subscribers received the event")
            latencies.extend((t - sent) * 1000 for t in got)
            await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"subscribers: {len(keys)} over {len(ports)} server process(es); rounds: {args.rounds}; "
          f"layer: {'redis' if os.environ.get('REDIS_URL') else 'in-memory'}")
    print(f"mutation sent -> event arrived: p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms, "
          f"max {latencies[-1]:.0f} ms, mean {statistics.mean(latencies):.0f} ms (target p99 < 250 ms)")
    print(f"mutation HTTP response time: median {statistics.median(response_ms):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--servers", type=int, default=1)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/fanout.sqlite3"
    if args.servers > 1 and not os.environ.get("REDIS_URL"):
        raise SystemExit("--servers > 1 needs REDIS_URL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["RATE_LIMIT_API_KEY_PER_SECOND"] = "100000"
    patient_id, writer_key, keys = setup_data(args.subscribers)
    ports = [free_port() for _ in range(args.servers)]
    servers = [start_server(port) for port in ports]
    try:
        asyncio.run(run(args, patient_id, writer_key, keys, ports))
    finally:
        for server in servers:
            server.terminate()


if __name__ == "__main__":
    main()
