"""Time from a mutation to its event at N subscribers, over ActionCable and over graphql-transport-ws.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        python bench/subscription_latency.py --subscribers 1000 --rounds 10

Starts two uvicorn processes (the ASGI app of config.asgi) sharing PostgreSQL and Redis
(channels-redis). For each transport in turn it opens ``--subscribers`` sockets, half on each
process, each authenticated with its own key, and subscribes every one with the scenario's
subscription; then each round sends the scenario's trigger mutation over HTTP to the second
process and records, for every subscriber, the time from the moment the request was sent to
the moment its event arrived (an upper bound of commit-to-arrival: it includes the mutation's
own parsing, authentication and transaction). Prints p50 and p99 of those times next to the
mutation's own response time, per transport. Target: p99 under 250 ms at 1,000 subscribers.

A scenario is a subscription document taking ``$id`` (what to follow), a trigger mutation
taking ``$id`` and ``$marker`` (a text unique to the round that the event carries back) and
the data they need. ``--subscription`` and ``--trigger`` replace the scenario's documents.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._servers import free_port, start_server  # noqa: E402  (needs ROOT on the path)

TRANSPORTS = ("actioncable", "graphql-transport-ws")
MARKER = re.compile(r"Mark\d+[wr]\d+")
CHANNEL_IDENTIFIER = json.dumps({"channel": "GraphqlChannel", "channelId": "bench"})


@dataclass(frozen=True)
class Setup:
    target_id: int  # what the subscription follows ($id)
    writer_key: str  # the key the trigger is sent with
    subscriber_keys: list[str]  # one per subscriber


@dataclass(frozen=True)
class Scenario:
    subscription: str
    trigger: str
    setup: Callable[[int], Setup]


def _org_with_members(count: int, label: str):
    """An organization with ``count + 1`` members, each with an API key (the first one writes)."""
    from apps.accounts.authentication import API_KEY_PREFIX
    from apps.accounts.models import ApiKey, Organization, OrganizationMembership, User
    from apps.core.crypto import random_token, token_hash

    org = Organization.objects.create(name=f"{label} bench {time.time():.0f}")
    users = User.objects.bulk_create([
        User(organization=org, is_patient=False, first_name="Sub", last_name=f"Scriber{i}",
             email=f"{label}{i}-{org.pk}@example.com") for i in range(count + 1)
    ])
    OrganizationMembership.objects.bulk_create([OrganizationMembership(organization=org, user=u) for u in users])
    plain = [random_token(API_KEY_PREFIX, 30) for _ in users]
    ApiKey.objects.bulk_create([ApiKey(user=u, key_hash=token_hash(p), displayable_key=p[:7])
                                for u, p in zip(users, plain, strict=True)])
    return org, users, plain


def _user_setup(count: int) -> Setup:
    from apps.accounts.models import User

    org, users, keys = _org_with_members(count, "latency")
    patient = User.objects.create(organization=org, first_name="Pat", last_name="Latency", dietitian=users[0])
    return Setup(patient.pk, keys[0], keys[1:])


def _conversation_setup(count: int) -> Setup:
    from apps.chat.models import Conversation, ConversationMembership

    org, users, keys = _org_with_members(count, "chat")
    conversation = Conversation.objects.create(organization=org, owner=users[0], name="Latency bench")
    ConversationMembership.objects.bulk_create([ConversationMembership(conversation=conversation, user=u)
                                                for u in users])
    return Setup(conversation.pk, keys[0], keys[1:])


SCENARIOS = {
    "user": Scenario(
        subscription="subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name __typename } }",
        trigger="mutation($id: ID, $marker: String) { updateClient(input: {id: $id, first_name: $marker}) "
                "{ messages { field message } } }",
        setup=_user_setup,
    ),
    "note": Scenario(
        subscription="subscription($id: String) { noteAddedSubscription(conversationId: $id) "
                     "{ id content user_id __typename } }",
        trigger="mutation($id: String, $marker: String) { createNote(input: {conversation_id: $id, content: $marker}) "
                "{ messages { field message } } }",
        setup=_conversation_setup,
    ),
}
# Chat's notes are what the issue measures.
DEFAULT_SCENARIO = "note"


class Subscribers:
    """N sockets of one transport; ``arrivals[marker]`` collects the arrival time of each event."""

    def __init__(self, transport: str, subscription: str, target_id: int, keys: list[str], ports: list[int]) -> None:
        self.transport, self.subscription, self.target_id = transport, subscription, target_id
        self.keys, self.ports = keys, ports
        self.arrivals: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}
        self.ready = 0
        self.tasks: list[asyncio.Task] = []

    async def open(self) -> None:
        for i, key in enumerate(self.keys):
            self.tasks.append(asyncio.create_task(self._guarded(i, key)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # do not stampede the servers' accept queues
        while self.ready + sum(self.failures.values()) < len(self.keys):
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def record(self, data: object) -> None:
        received = time.perf_counter()
        # Rounds are told apart by the marker the event carries back (a note's content may come
        # back wrapped in markup), not by counting messages.
        found = MARKER.search(json.dumps(data))
        if found:
            self.arrivals.setdefault(found.group(0), []).append(received)

    async def _guarded(self, index: int, key: str) -> None:
        try:
            uri = f"ws://127.0.0.1:{self.ports[index % len(self.ports)]}/subscriptions?token={key}"
            if self.transport == "actioncable":
                await self._actioncable(uri)
            else:
                await self._graphql_transport_ws(uri)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # reported in the summary: a lost subscriber is a finding
            name = f"{type(error).__name__}: {str(error)[:80]}"
            self.failures[name] = self.failures.get(name, 0) + 1

    async def _graphql_transport_ws(self, uri: str) -> None:
        import websockets

        async with websockets.connect(uri, subprotocols=["graphql-transport-ws"], max_queue=None,
                                      open_timeout=60, ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": self.subscription, "variables": {"id": str(self.target_id)}}}))
            self.ready += 1
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                assert message["type"] == "next" and not message["payload"].get("errors"), message
                self.record(message["payload"]["data"])

    async def _actioncable(self, uri: str) -> None:
        import websockets

        async with websockets.connect(uri, subprotocols=["actioncable-v1-json", "actioncable-unsupported"],
                                      max_queue=None, open_timeout=60, ping_interval=None) as ws:
            assert json.loads(await ws.recv())["type"] == "welcome"
            await ws.send(json.dumps({"command": "subscribe", "identifier": CHANNEL_IDENTIFIER}))
            while (frame := json.loads(await ws.recv())).get("type") == "ping":
                pass
            assert frame.get("type") == "confirm_subscription", frame
            await ws.send(json.dumps({"command": "message", "identifier": CHANNEL_IDENTIFIER, "data": json.dumps({
                "query": self.subscription, "variables": {"id": str(self.target_id)}, "operationName": None,
                "action": "execute"})}))
            self.ready += 1
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") == "ping":
                    continue
                message = frame["message"]
                assert message["more"] and not message["result"].get("errors"), frame
                self.record(message["result"]["data"])


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(args: argparse.Namespace, transport: str, setup: Setup, ports: list[int]) -> dict[str, object]:
    import httpx

    subscribers = Subscribers(transport, args.subscription, setup.target_id, setup.subscriber_keys, ports)
    await subscribers.open()
    latencies: list[float] = []
    mutation_ms: list[float] = []
    count = len(setup.subscriber_keys)
    async with httpx.AsyncClient(timeout=30) as http:

        async def trigger(marker: str) -> float:
            body = {"query": args.trigger, "variables": {"id": str(setup.target_id), "marker": marker}}
            sent = time.perf_counter()
            response = await http.post(f"http://127.0.0.1:{ports[-1]}/graphql", json=body,
                                       headers={"Authorization": f"Basic {setup.writer_key}",
                                                "AuthorizationSource": "API"})
            mutation_ms.append((time.perf_counter() - sent) * 1000)
            answer = response.json()
            assert not answer.get("errors") and not any(
                (payload or {}).get("messages") for payload in answer["data"].values()), response.text
            return sent

        async def wait_for(marker: str, seconds: float) -> list[float]:
            deadline = time.monotonic() + seconds
            while len(subscribers.arrivals.get(marker, [])) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            return subscribers.arrivals.get(marker, [])

        # Warm-up: repeat until every subscriber got an event, so every subscription is live (the
        # servers may still be working through queued subscribe messages) before timing.
        run = time.time_ns() % 10**9
        for attempt in range(30):
            marker = f"Mark{run}w{attempt}"
            await trigger(marker)
            if len(await wait_for(marker, 5)) == count:
                break
        else:
            print(f"{transport}: warning: not every subscriber became live during warm-up")
        mutation_ms.clear()
        await asyncio.sleep(0.5)
        for round_ in range(args.rounds):
            marker = f"Mark{run}r{round_}"
            sent = await trigger(marker)
            got = await wait_for(marker, 30)
            if len(got) < count:
                print(f"{transport} round {round_}: only {len(got)} of {count} subscribers received the event")
            latencies.extend((t - sent) * 1000 for t in got)
            await asyncio.sleep(0.5)
    await subscribers.close()
    for name, failed in subscribers.failures.items():
        print(f"{transport}: {failed} subscriber(s) failed: {name}")
    return {"transport": transport, "latencies": latencies, "mutation_ms": mutation_ms}


def report(results: list[dict[str, object]], args: argparse.Namespace) -> None:
    print(f"scenario: {args.scenario}; subscribers: {args.subscribers} over 2 server processes (Redis layer); "
          f"rounds: {args.rounds}; trigger sent to one process over HTTP")
    print(f"{'transport':<22}{'p50':>8}{'p99':>8}{'max':>8}   {'mutation alone p50':>18}{'p99':>8}"
          f"   {'p99 / mutation p50':>18}")
    for result in results:
        latencies, mutation = result["latencies"], result["mutation_ms"]
        if not latencies:
            print(f"{result['transport']:<22} no event arrived")
            continue
        p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
        mutation_p50 = statistics.median(mutation)
        print(f"{result['transport']:<22}{p50:>6.0f}ms{p99:>6.0f}ms{max(latencies):>6.0f}ms   "
              f"{mutation_p50:>16.0f}ms{_percentile(mutation, 0.99):>6.0f}ms   {p99 / mutation_p50:>18.1f}")
    print("times from sending the mutation to each subscriber's event (target p99 < 250 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULT_SCENARIO)
    parser.add_argument("--subscription", help="subscription document taking $id (default: the scenario's)")
    parser.add_argument("--trigger", help="mutation document taking $id and $marker (default: the scenario's)")
    parser.add_argument("--transports", default=",".join(TRANSPORTS),
                        help=f"comma-separated, from {', '.join(TRANSPORTS)}")
    args = parser.parse_args()
    scenario = SCENARIOS[args.scenario]
    args.subscription = args.subscription or scenario.subscription
    args.trigger = args.trigger or scenario.trigger
    transports = [t for t in args.transports.split(",") if t]
    if unknown := set(transports) - set(TRANSPORTS):
        raise SystemExit(f"unknown transport(s): {', '.join(sorted(unknown))}")
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("two server processes need a shared PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["RATE_LIMIT_API_KEY_PER_SECOND"] = "100000"
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    call_command("migrate", verbosity=0)
    setup = scenario.setup(args.subscribers)
    ports = [free_port(), free_port()]
    servers = [start_server(port) for port in ports]
    try:
        results = [asyncio.run(measure(args, transport, setup, ports)) for transport in transports]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    report(results, args)


if __name__ == "__main__":
    main()
