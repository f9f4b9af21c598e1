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
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._servers import free_port, start_server  # noqa: E402  (needs ROOT on the path)


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

    arrivals: dict[str, list[float]] = {}
    ready = 0
    query = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name } }"
    failures: dict[str, int] = {}

    async def subscriber(index: int, key: str) -> None:
        try:
            await subscribe_and_listen(index, key)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # reported in the summary: a lost subscriber is a finding
            name = f"{type(error).__name__}: {str(error)[:80]}"
            failures[name] = failures.get(name, 0) + 1

    async def subscribe_and_listen(index: int, key: str) -> None:
        nonlocal ready
        uri = f"ws://127.0.0.1:{ports[index % len(ports)]}/subscriptions?token={key}"
        async with websockets.connect(uri, subprotocols=["graphql-transport-ws"], max_queue=None,
                                      open_timeout=60, ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": {"id": str(patient_id)}}}))
            ready += 1
            while True:
                message = json.loads(await ws.recv())
                received = time.perf_counter()
                assert message["type"] == "next", message
                # Rounds are told apart by the value pushed, not by counting messages.
                name = message["payload"]["data"]["userUpdatedSubscription"]["first_name"]
                arrivals.setdefault(name, []).append(received)

    tasks = []
    for i, key in enumerate(keys):
        tasks.append(asyncio.create_task(subscriber(i, key)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not stampede the servers' accept queues
    while ready < len(keys):
        await asyncio.sleep(0.1)
    # The client's own pauses count in every sample: move the long-lived connection objects out
    # of the collector's reach and record the collections that still happen while timing.
    gc.collect()
    gc.freeze()
    pauses: list[float] = []
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if info.get("generation") == 2:
            if phase == "start":
                started[:] = [time.perf_counter()]
            elif started:
                pauses.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(on_gc)
    latencies: list[float] = []
    response_ms: list[float] = []
    mutation_port = ports[-1]
    async with httpx.AsyncClient(timeout=30) as http:

        async def mutate(first_name: str) -> float:
            body = {"query": "mutation($i: updateClientInput) { updateClient(input: $i) { messages { field } } }",
                    "variables": {"i": {"id": str(patient_id), "first_name": first_name}}}
            sent = time.perf_counter()
            response = await http.post(f"http://127.0.0.1:{mutation_port}/graphql", json=body,
                                       headers={"Authorization": f"Basic {writer_key}",
                                                "AuthorizationSource": "API"})
            response_ms.append((time.perf_counter() - sent) * 1000)
            assert response.json()["data"]["updateClient"]["messages"] == [], response.text
            return sent

        async def wait_for(name: str, seconds: float) -> list[float]:
            deadline = time.monotonic() + seconds
            while len(arrivals.get(name, [])) < len(keys) and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            return arrivals.get(name, [])

        # Warm-up: repeat until every subscriber got an event, so every subscription is live
        # (the servers may still be validating queued subscribe messages) before timing.
        for attempt in range(30):
            await mutate(f"Warmup{attempt}")
            if len(await wait_for(f"Warmup{attempt}", 5)) == len(keys):
                break
        else:
            print("warning: not every subscriber became live during warm-up")
        await asyncio.sleep(0.5)
        for round_ in range(args.rounds):
            name = f"Round{round_}"
            sent = await mutate(name)
            got = await wait_for(name, 30)
            if len(got) < len(keys):
                print(f"round {round_}: only {len(got)} of {len(keys)} subscribers received the event")
            this_round = sorted((t - sent) * 1000 for t in got)
            latencies.extend(this_round)
            if args.verbose and this_round:
                middle = this_round[len(this_round) // 2]
                print(f"round {round_}: first {this_round[0]:.0f} ms, median {middle:.0f} ms, "
                      f"last {this_round[-1]:.0f} ms")
            await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    for name, count in failures.items():
        print(f"{count} subscriber(s) failed: {name}")
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"subscribers: {len(keys)} over {len(ports)} server process(es); rounds: {args.rounds}; "
          f"layer: {'redis' if os.environ.get('REDIS_URL') else 'in-memory'}")
    print(f"mutation sent -> event arrived: p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms, "
          f"max {latencies[-1]:.0f} ms, mean {statistics.mean(latencies):.0f} ms (target p99 < 250 ms)")
    print(f"mutation HTTP response time: median {statistics.median(response_ms):.0f} ms")
    print(f"client full GC pauses while timing: {len(pauses)}, longest {max(pauses, default=0):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print each round")
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
