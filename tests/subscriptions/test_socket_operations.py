"""Operations over the socket get what HTTP requests get: the per-key budget, synchronous
resolvers run off the event loop, and masked errors; a subscription that must end closes
the socket with its documented code."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.test import override_settings

from apps.accounts.models import User
from schema.accounts import subscriptions as account_subscriptions
from schema.realtime import hub as hub_module
from schema.realtime.disconnects import FellBehind, LayerUnavailable
from tests.subscriptions.conftest import LEGACY_WS, USER_UPDATED, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

FROZEN = dt.datetime(2025, 3, 4, 10, 20, 30, 250_000, tzinfo=dt.UTC)
UPDATE = ("mutation($input: updateClientInput) { updateClient(input: $input) "
          "{ user { id first_name } messages { field message } } }")


async def _acked(key: str, protocol: str = "graphql-transport-ws"):
    socket = await open_socket(f"/subscriptions?token={key}", protocol)
    await socket.send_json_to({"type": "connection_init"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    return socket


async def test_a_query_and_a_mutation_sent_over_the_socket_run_like_http(world, keys):
    patient = world.patients[0]
    socket = await _acked(keys["provider"])
    await socket.send_json_to({"id": "q", "type": "subscribe", "payload": {"query": "{ currentUser { id } }"}})
    assert await socket.receive_json_from(timeout=5) == {
        "id": "q", "type": "next", "payload": {"data": {"currentUser": {"id": str(world.provider.pk)}}}}
    assert await socket.receive_json_from(timeout=5) == {"id": "q", "type": "complete"}

    await socket.send_json_to({"id": "m", "type": "subscribe", "payload": {
        "query": UPDATE, "variables": {"input": {"id": str(patient.pk), "first_name": "OverTheSocket"}}}})
    assert await socket.receive_json_from(timeout=5) == {"id": "m", "type": "next", "payload": {"data": {
        "updateClient": {"user": {"id": str(patient.pk), "first_name": "OverTheSocket"}, "messages": []}}}}
    assert await socket.receive_json_from(timeout=5) == {"id": "m", "type": "complete"}
    assert (await sync_to_async(User.objects.get)(pk=patient.pk)).first_name == "OverTheSocket"
    await socket.disconnect()


@override_settings(RATE_LIMIT_API_KEY_PER_SECOND=2)
async def test_operations_started_over_the_socket_spend_the_per_key_budget(world, keys):
    patient = world.patients[0]
    with time_machine.travel(FROZEN, tick=False):
        socket = await _acked(keys["provider"])
        for op_id in ("1", "2"):
            await socket.send_json_to({"id": op_id, "type": "subscribe", "payload": {
                "query": USER_UPDATED, "variables": {"id": str(patient.pk)}}})
        await socket.send_json_to({"id": "3", "type": "subscribe", "payload": {"query": "{ currentUser { id } }"}})
        assert await socket.receive_json_from(timeout=5) == {"id": "3", "type": "error", "payload": [{
            "message": "Rate limit exceeded: 2 requests per second.",
            "extensions": {"code": "RATE_LIMITED", "retry_after": 1}}]}
        await socket.disconnect()

        legacy = await _acked(keys["provider"], LEGACY_WS)
        await legacy.send_json_to({"id": "4", "type": "start", "payload": {"query": USER_UPDATED,
                                                                           "variables": {"id": str(patient.pk)}}})
        message = await legacy.receive_json_from(timeout=5)
        while message["type"] == "ka":
            message = await legacy.receive_json_from(timeout=5)
        assert message == {"id": "4", "type": "error", "payload": {
            "message": "Rate limit exceeded: 2 requests per second.",
            "extensions": {"code": "RATE_LIMITED", "retry_after": 1}}}
        await legacy.disconnect()


async def test_an_unexpected_error_in_a_subscription_is_masked_and_logged_with_its_id(world, keys, monkeypatch,
                                                                                      caplog):
    def broken_feed(viewer, id):
        raise RuntimeError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")

    monkeypatch.setattr(account_subscriptions, "_user_feed", broken_feed)
    socket = await _acked(keys["provider"])
    with caplog.at_level(logging.ERROR, logger="careplatform.graphql"):
        await socket.send_json_to({"id": "1", "type": "subscribe", "payload": {"query": USER_UPDATED}})
        message = await socket.receive_json_from(timeout=5)
    error = message["payload"]["errors"][0] if message["type"] == "next" else message["payload"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["message"] == f"Internal error (id {error['extensions']['error_id']})."
    assert "6379" not in str(message)
    assert error["extensions"]["error_id"] in caplog.text and "Error 111" in caplog.text
    await socket.disconnect()


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", LEGACY_WS])
async def test_a_subscription_refused_by_an_unreachable_layer_closes_the_socket_with_1013(world, keys, monkeypatch,
                                                                                         protocol):
    async def unreachable(self, group):
        raise LayerUnavailable()

    monkeypatch.setattr(hub_module.Hub, "_join", unreachable)
    socket = await _acked(keys["provider"], protocol)
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    await socket.send_json_to({"id": "1", "type": start, "payload": {"query": USER_UPDATED}})
    while (output := await socket.receive_output(timeout=5))["type"] == "websocket.send":
        assert '"ka"' in output["text"], output  # nothing but keep-alives before the close
    assert output == {"type": "websocket.close", "code": 1013,
                      "reason": "Subscriptions are temporarily unavailable; reconnect shortly."}
    await socket.disconnect()


def test_an_inbox_holds_at_most_its_limit_and_then_fails_empty():
    inbox = hub_module.Inbox(limit=20)
    for n in range(1000):
        inbox.put({"event_id": n})
        assert len(inbox) <= 20
    assert isinstance(inbox.error, FellBehind) and len(inbox) == 0
