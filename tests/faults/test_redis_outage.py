"""Redis killed under a live server: HTTP keeps answering and committing, subscriptions close
with 1013 (which clients reconnect on) and work again within seconds of Redis' return."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests import factories
from tests.faults.live import needs_redis_server
from tests.faults.wsclient import UPDATE_CLIENT, closed, connect, subscribe, update_until_delivered

pytestmark = [needs_redis_server, pytest.mark.django_db(transaction=True)]

SIGN_IN = """mutation($email: String, $password: String) {
  signIn(input: {email: $email, password: $password}) { token messages { field message } }
}"""
USER = "query($id: ID) { user(id: $id) { id first_name } }"


def test_http_answers_and_commits_while_redis_is_down(redis_server, live_server_factory):
    world = factories.world("Outage HTTP")
    patient = world.patients[0]
    key = factories.api_key(world.provider)
    server = live_server_factory(redis_server, RATE_LIMIT_SIGN_IN_PER_MINUTE="3")
    assert server.graphql(USER, {"id": str(patient.pk)}, key=key).status_code == 200

    redis_server.kill()
    for attempt in range(6):
        started = time.monotonic()
        response = server.graphql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "first_name": f"Down{attempt}"}},
                                  key=key)
        assert response.status_code == 200, response.text[:500]
        assert response.json() == {"data": {"updateClient": {"messages": []}}}
        assert time.monotonic() - started < 5  # no waiting on Redis (its timeouts are 1-2 s)
    response = server.graphql(USER, {"id": str(patient.pk)}, key=key)
    assert response.json() == {"data": {"user": {"id": str(patient.pk), "first_name": "Down5"}}}

    # Sign-in works, and its throttle falls back to a per-process count (3 a minute here).
    answers = [server.graphql(SIGN_IN, {"email": world.staff.email, "password": factories.PASSWORD}).json()
               for _ in range(4)]
    assert all(answer["data"]["signIn"]["token"] for answer in answers[:3]), answers
    assert answers[3]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"

    log = server.log_text()
    assert "Internal Server Error" not in log and "Traceback" not in log, log[-3000:]
    # One warning per fault and minute, not one per request.
    assert log.count("per-key request budget not enforced") == 1, log[-3000:]
    assert log.count("committed events not pushed to subscriptions") == 1, log[-3000:]

    redis_server.start()
    assert server.graphql(USER, {"id": str(patient.pk)}, key=key).json()["data"]["user"]["first_name"] == "Down5"


def test_subscriptions_close_with_1013_during_the_outage_and_work_again_after_it(redis_server, live_server_factory):
    world = factories.world("Outage WS")
    first, second = world.patients[0], world.patients[1]
    key = factories.api_key(world.provider)
    server = live_server_factory(redis_server)

    async def subscribed(user_id: int, retry_for: float = 0):
        """Subscribes like a client library: reconnecting while the server answers 1013."""
        deadline = time.monotonic() + retry_for
        while True:
            ws = await connect(server, key)
            await subscribe(ws, user_id)
            try:
                code, reason, _ = await closed(ws, timeout=0.7)
            except AssertionError:  # not closed: the subscription is on
                return ws
            assert code == 1013, (code, reason)
            if time.monotonic() > deadline:
                raise AssertionError("still refused")
            await asyncio.sleep(0.3)

    async def scenario() -> None:
        before = await subscribed(first.pk)
        await update_until_delivered(server, key, before, first.pk, "Before", timeout=10)

        redis_server.kill()
        code, reason, _ = await closed(before, timeout=5)
        assert (code, reason) == (1013, "Subscriptions are temporarily unavailable; reconnect shortly.")

        during = await connect(server, key)  # credentials come from the database: still accepted
        await subscribe(during, first.pk)
        code, reason, messages = await closed(during, timeout=5)
        assert (code, reason, messages) == (1013, "Subscriptions are temporarily unavailable; reconnect shortly.", [])

        await asyncio.sleep(2)  # a real outage lasts a while; the server must not need a restart after it
        redis_server.start()
        back = time.monotonic()
        again = await subscribed(first.pk, retry_for=5)  # the group this process had joined before
        fresh = await subscribed(second.pk, retry_for=5)  # a group it never joined
        await update_until_delivered(server, key, again, first.pk, "Again", timeout=5)
        await update_until_delivered(server, key, fresh, second.pk, "Fresh", timeout=5)
        assert time.monotonic() - back < 10
        for ws in (again, fresh):
            await ws.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=25))
    assert "Traceback" not in server.log_text(), server.log_text()[-3000:]


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="two server processes need a shared database (PostgreSQL), not a SQLite copy")
def test_after_the_outage_a_change_made_on_one_process_reaches_a_subscriber_on_another(redis_server,
                                                                                      live_server_factory):
    world = factories.world("Outage across processes")
    patient = world.patients[0]
    key = factories.api_key(world.provider)
    with ThreadPoolExecutor(2) as pool:  # start both at once: starting is most of the time
        subscriber_side, writer_side = pool.map(lambda _: live_server_factory(redis_server), range(2))

    async def scenario() -> None:
        before = await connect(subscriber_side, key)
        await subscribe(before, patient.pk)
        await update_until_delivered(writer_side, key, before, patient.pk, "Before", timeout=10)
        redis_server.kill()
        assert (await closed(before, timeout=5))[0] == 1013
        # The writer's pushes fail meanwhile; its writes commit.
        response = await asyncio.to_thread(writer_side.graphql, UPDATE_CLIENT,
                                           {"input": {"id": str(patient.pk), "first_name": "During"}}, key=key)
        assert response.json() == {"data": {"updateClient": {"messages": []}}}
        redis_server.start()
        back = time.monotonic()
        while True:  # reconnecting like a client library
            again = await connect(subscriber_side, key)
            await subscribe(again, patient.pk)
            try:
                code, _, _ = await closed(again, timeout=0.7)
            except AssertionError:
                break
            assert code == 1013 and time.monotonic() - back < 5
        await update_until_delivered(writer_side, key, again, patient.pk, "After", timeout=5)
        assert time.monotonic() - back < 10
        await again.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=25))
