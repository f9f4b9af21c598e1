"""ActionCable (``actioncable-v1-json``) at ``/subscriptions``, frame by frame, as ``@rails/actioncable``
with graphql-ruby-client's ``ActionCableLink`` drives it (schema.realtime.transports.actioncable)."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from django.utils import timezone

from apps.accounts.models import ApiKey, SessionToken
from schema.realtime import hub as hub_module
from schema.realtime import session as session_module
from schema.realtime.disconnects import LayerUnavailable
from schema.realtime.transports import actioncable
from tests import factories
from tests.conftest import GraphQLClient, data_of
from tests.subscriptions.communicator import WebsocketCommunicator
from tests.subscriptions.conftest import application, wait_for_group
from tests.waiting import eventually
from tests.webhooks.conftest import update_client

pytestmark = pytest.mark.django_db(transaction=True)

# What the consumer offers, in its order.
OFFERED = ["actioncable-v1-json", "actioncable-unsupported"]
IDENTIFIER = json.dumps({"channel": "GraphqlChannel", "channelId": "1838f674dff"})
# As ActionCableLink sends it: Apollo adds __typename to every selection set.
USER_UPDATED = ("subscription onUserUpdated($id: ID) {\n  userUpdatedSubscription(id: $id) {\n    id\n"
                "    first_name\n    organization {\n      id\n      __typename\n    }\n    __typename\n  }\n}")


def _update(key: str, user_id: int, **values) -> None:
    update_client(GraphQLClient(), key, user_id, **values)


async def _connect(token: str | None, offered: list[str] = OFFERED) -> WebsocketCommunicator:
    path = "/subscriptions" + (f"?token={token}" if token is not None else "")
    socket = WebsocketCommunicator(application(), path, subprotocols=offered)
    assert await socket.connect(timeout=5) == (True, "actioncable-v1-json")
    return socket


async def _frame(socket: WebsocketCommunicator, timeout: float = 5) -> dict:
    """The next frame that is not a ping."""
    while (frame := await socket.receive_json_from(timeout=timeout)).get("type") == "ping":
        pass
    return frame


async def _only_pings(socket: WebsocketCommunicator, seconds: float) -> bool:
    """Whether nothing but pings arrives within ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        if await socket.receive_nothing(timeout=left):
            return True
        assert (await socket.receive_json_from())["type"] == "ping"
    return True


async def _welcomed(token: str) -> WebsocketCommunicator:
    socket = await _connect(token)
    welcome = await _frame(socket)
    assert welcome["type"] == "welcome" and isinstance(welcome["sid"], str)
    return socket


async def _subscribe(socket: WebsocketCommunicator, identifier: str = IDENTIFIER) -> None:
    await socket.send_json_to({"command": "subscribe", "identifier": identifier})
    assert await _frame(socket) == {"identifier": identifier, "type": "confirm_subscription"}


async def _execute(socket: WebsocketCommunicator, query: str, variables: dict | None = None,
                   operation_name: str | None = None, identifier: str = IDENTIFIER) -> None:
    # ActionCableLink: perform("execute", {query, variables, operationId, operationName}); an
    # undefined operationId disappears in JSON.stringify.
    data = {"query": query, "variables": variables or {}, "operationName": operation_name, "action": "execute"}
    await socket.send_json_to({"command": "message", "identifier": identifier, "data": json.dumps(data)})


async def test_the_documented_flow_frame_by_frame(world, keys):
    patient = world.patients[0]
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED, {"id": str(patient.pk)}, "onUserUpdated")
    await wait_for_group(f"user.{patient.pk}")
    await sync_to_async(_update)(keys["owner"], patient.pk, first_name="Cable")
    assert await _frame(socket) == {"identifier": IDENTIFIER, "message": {"more": True, "result": {"data": {
        "userUpdatedSubscription": {"__typename": "User", "id": str(patient.pk), "first_name": "Cable",
                                    "organization": {"__typename": "Organization", "id": str(world.org.pk)}}}}}}
    await sync_to_async(_update)(keys["owner"], patient.pk, first_name="Again")
    second = await _frame(socket)
    assert second["message"]["more"] is True
    assert second["message"]["result"]["data"]["userUpdatedSubscription"]["first_name"] == "Again"

    await socket.send_json_to({"command": "unsubscribe", "identifier": IDENTIFIER})
    await eventually(lambda: not hub_module.hub().listeners.get(f"user.{patient.pk}"), what="the listener to leave")
    await sync_to_async(_update)(keys["owner"], patient.pk, first_name="Gone")
    assert await _only_pings(socket, 0.3)
    await socket.disconnect()


async def test_pings_carry_unix_seconds_and_come_often_enough(world, keys, monkeypatch):
    # The consumer reopens a socket it heard nothing from for 6 s: pings at least every 3 s.
    assert actioncable.PING_INTERVAL_SECONDS <= 3
    monkeypatch.setattr(actioncable, "PING_INTERVAL_SECONDS", 0.05)
    socket = await _connect(keys["patient"])
    assert (await socket.receive_json_from(timeout=5))["type"] == "welcome"
    for _ in range(2):
        ping = await socket.receive_json_from(timeout=5)
        assert ping["type"] == "ping" and isinstance(ping["message"], int)
        assert abs(ping["message"] - timezone.now().timestamp()) < 5
    await socket.disconnect()


async def test_a_query_and_a_mutation_answer_once_with_more_false(world, keys):
    patient = world.patients[1]
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, "query me { currentUser { id __typename } }", operation_name="me")
    assert await _frame(socket) == {"identifier": IDENTIFIER, "message": {"more": False, "result": {"data": {
        "currentUser": {"id": str(world.provider.pk), "__typename": "User"}}}}}
    mutation = ("mutation($input: updateClientInput) { updateClient(input: $input) "
                "{ user { id first_name __typename } messages { field message __typename } __typename } }")
    await _execute(socket, mutation, {"input": {"id": str(patient.pk), "first_name": "ViaCable"}})
    answer = await _frame(socket)
    assert answer["message"]["more"] is False
    assert answer["message"]["result"]["data"]["updateClient"]["user"]["first_name"] == "ViaCable"
    await socket.disconnect()


async def test_a_session_token_authenticates_like_an_api_key(world):
    def sign_in() -> str:
        result = data_of(GraphQLClient()(
            "mutation($e: String, $p: String) { signIn(input: {email: $e, password: $p}) { token } }",
            {"e": world.provider.email, "p": factories.PASSWORD}))
        return result["signIn"]["token"]

    token = await sync_to_async(sign_in)()
    socket = await _welcomed(token)
    await _subscribe(socket)
    await _execute(socket, "{ currentUser { id } }")
    assert (await _frame(socket))["message"]["result"]["data"] == {"currentUser": {"id": str(world.provider.pk)}}
    await socket.disconnect()
    await sync_to_async(SessionToken.objects.filter(user=world.provider).update)(revoked_at=timezone.now())
    refused = await _connect(token)
    assert await refused.receive_json_from(timeout=5) == {"type": "disconnect", "reason": "unauthorized",
                                                          "reconnect": False}


@pytest.mark.parametrize("token", [None, "", "cp_not-a-real-key"])
async def test_missing_or_unknown_credentials_are_refused_for_good(world, token):
    socket = await _connect(token)
    assert await socket.receive_json_from(timeout=5) == {
        "type": "disconnect", "reason": "unauthorized", "reconnect": False}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401,
                                                      "reason": "Unauthorized"}


async def test_an_open_socket_is_disconnected_once_its_key_is_revoked(world, keys, settings, monkeypatch):
    settings.SUBSCRIPTION_REAUTH_SECONDS = 0.1
    checks: list[str] = []
    real_check = session_module.viewer_for_credential
    monkeypatch.setattr(session_module, "viewer_for_credential",
                        lambda credential: checks.append(credential) or real_check(credential))
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED, {"id": str(world.patients[0].pk)})
    opened = len(checks)
    await eventually(lambda: len(checks) >= opened + 2, what="two credential re-checks")
    await sync_to_async(ApiKey.objects.filter(user=world.provider).update)(revoked_at=timezone.now())
    assert await _frame(socket) == {"type": "disconnect", "reason": "unauthorized", "reconnect": False}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401,
                                                      "reason": "Unauthorized"}
    # The subscription went with the socket.
    await eventually(lambda: not hub_module.hub().listeners.get(f"user.{world.patients[0].pk}"),
                     what="the subscription to end")


async def test_another_organizations_user_looks_like_a_missing_one_and_nothing_is_delivered(world, other_world,
                                                                                           keys, rereads):
    foreign = other_world.patients[0]
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED, {"id": str(foreign.pk)})
    refused = await _frame(socket)
    assert refused["identifier"] == IDENTIFIER and refused["message"]["more"] is False
    assert refused["message"]["result"]["data"] is None
    assert [e["extensions"]["code"] for e in refused["message"]["result"]["errors"]] == ["NOT_FOUND"]

    missing = IDENTIFIER.replace("1838f674dff", "missing")
    await _subscribe(socket, missing)
    await _execute(socket, USER_UPDATED, {"id": "987654321"}, identifier=missing)
    not_there = await _frame(socket)
    # An invisible id and an id that does not exist are told apart by nothing but the identifier.
    assert {**not_there, "identifier": IDENTIFIER} == refused

    other_key = await sync_to_async(factories.api_key)(other_world.owner)
    await sync_to_async(_update)(other_key, foreign.pk, first_name="NotYours")
    assert rereads == []  # nobody here listens on that user
    assert await _only_pings(socket, 0.3)
    await socket.disconnect()


async def test_a_patient_subscribes_to_themselves_only(world, keys):
    me, other = world.patients[0], world.patients[1]
    socket = await _welcomed(keys["patient"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED)  # no id: the authenticated user
    await wait_for_group(f"user.{me.pk}")
    await sync_to_async(_update)(keys["provider"], other.pk, first_name="NotYours")
    await sync_to_async(_update)(keys["provider"], me.pk, first_name="Mine")
    message = await _frame(socket)
    assert message["message"]["result"]["data"]["userUpdatedSubscription"]["first_name"] == "Mine"
    await socket.disconnect()


async def test_unknown_channels_are_rejected(world, keys):
    socket = await _welcomed(keys["owner"])
    for identifier in (json.dumps({"channel": "ChatChannel"}), json.dumps({"channelId": "x"})):
        await socket.send_json_to({"command": "subscribe", "identifier": identifier})
        assert await _frame(socket) == {"identifier": identifier, "type": "reject_subscription"}
    await socket.disconnect()


async def test_a_repeated_subscribe_is_confirmed_once(world, keys):
    # The consumer re-sends subscribe every 500 ms until confirmed; each confirmation would make
    # ActionCableLink execute its operation again.
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    await socket.send_json_to({"command": "subscribe", "identifier": IDENTIFIER})
    assert await _only_pings(socket, 0.2)
    await socket.disconnect()


async def test_extra_identifier_keys_from_connection_params_are_accepted(world, keys):
    socket = await _welcomed(keys["owner"])
    identifier = json.dumps({"channel": "GraphqlChannel", "channelId": "abc", "clientVersion": 3})
    await _subscribe(socket, identifier)
    await socket.send_json_to({"command": "message", "identifier": identifier, "data": json.dumps(
        {"query": "{ currentUser { id } }", "variables": "", "action": "execute"})})
    assert (await _frame(socket))["message"]["result"]["data"] == {"currentUser": {"id": str(world.owner.pk)}}
    await socket.disconnect()


async def test_the_raw_walk_through_without_an_action_executes_too(world, keys):
    # Step 5 of the published walk-through sends just the stringified operation.
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    await socket.send_json_to({"command": "message", "identifier": IDENTIFIER, "data": json.dumps(
        {"query": "query me { currentUser { id } }", "variables": {}, "operationName": "me"})})
    assert (await _frame(socket))["message"]["result"]["data"] == {"currentUser": {"id": str(world.owner.pk)}}
    await socket.disconnect()


BAD_FRAMES = [
    {"type": "websocket.receive", "text": "not json"},
    {"type": "websocket.receive", "text": "[1, 2]"},
    {"type": "websocket.receive", "text": "null"},
    {"type": "websocket.receive", "bytes": b"\x00\x01"},
    {"type": "websocket.receive", "text": json.dumps({"command": "explode", "identifier": IDENTIFIER})},
    {"type": "websocket.receive", "text": json.dumps({"command": "subscribe"})},
    {"type": "websocket.receive", "text": json.dumps({"command": "subscribe", "identifier": "{not json"})},
    {"type": "websocket.receive", "text": json.dumps({"command": "subscribe", "identifier": "[]"})},
    {"type": "websocket.receive", "text": json.dumps({"command": "subscribe", "identifier": {"channel": "x"}})},
    {"type": "websocket.receive", "text": json.dumps({"command": "message", "identifier": IDENTIFIER,
                                                      "data": {"query": "{ currentUser { id } }"}})},
    {"type": "websocket.receive", "text": json.dumps({"command": "message", "identifier": IDENTIFIER,
                                                      "data": "{broken"})},
    {"type": "websocket.receive", "text": json.dumps({"command": "message", "identifier": IDENTIFIER,
                                                      "data": json.dumps({"query": "{ currentUser { id } }",
                                                                          "action": "destroy"})})},
    {"type": "websocket.receive", "text": json.dumps({"command": "message", "data": "{}",
                                                      "identifier": json.dumps({"channel": "GraphqlChannel",
                                                                                "channelId": "never"})})},
]


async def test_bad_frames_are_ignored_without_a_trace_and_the_socket_carries_on(world, keys, caplog):
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    with caplog.at_level(logging.INFO, logger="schema.realtime.transports.actioncable"):
        for frame in BAD_FRAMES:
            await socket.send_input(frame)
        assert await _only_pings(socket, 0.3)
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len([r for r in caplog.records if "ignored an ActionCable frame" in r.getMessage()]) == len(BAD_FRAMES)
    await _execute(socket, "{ currentUser { id } }")
    assert (await _frame(socket))["message"]["result"]["data"] == {"currentUser": {"id": str(world.owner.pk)}}
    await socket.disconnect()


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "execute"}, "No query was sent."),
    ({"query": "  ", "action": "execute"}, "No query was sent."),
    ({"query": "{ currentUser { id } }", "variables": [1], "action": "execute"},
     "variables must be an object and operationName a string."),
    ({"query": "{ currentUser { id } }", "operationName": 7, "action": "execute"},
     "variables must be an object and operationName a string."),
])
async def test_an_execute_without_a_usable_request_ends_with_an_error(world, keys, data, message):
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    await socket.send_json_to({"command": "message", "identifier": IDENTIFIER, "data": json.dumps(data)})
    assert await _frame(socket) == {"identifier": IDENTIFIER, "message": {"more": False, "result": {
        "data": None, "errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}}}
    await socket.disconnect()


async def test_invalid_documents_get_graphql_errors(world, keys):
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    await _execute(socket, "subscription { userUpdatedSubscription { nope } }")
    invalid = await _frame(socket)
    assert invalid["message"]["more"] is False and invalid["message"]["result"]["data"] is None
    assert "nope" in invalid["message"]["result"]["errors"][0]["message"]
    await _execute(socket, "subscription {")
    assert (await _frame(socket))["message"]["result"]["errors"][0]["message"].startswith("Syntax Error")
    await socket.disconnect()


async def test_an_unexpected_error_is_masked_and_logged_with_its_id(world, keys, monkeypatch, caplog):
    from schema.accounts import subscriptions as account_subscriptions

    def broken_feed(viewer, id):
        raise RuntimeError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")

    monkeypatch.setattr(account_subscriptions, "_user_feed", broken_feed)
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    with caplog.at_level(logging.ERROR, logger="careplatform.graphql"):
        await _execute(socket, USER_UPDATED)
        message = await _frame(socket)
    error = message["message"]["result"]["errors"][0]
    assert message["message"]["more"] is False
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["message"] == f"Internal error (id {error['extensions']['error_id']})."
    assert "6379" not in json.dumps(message)
    assert error["extensions"]["error_id"] in caplog.text and "Error 111" in caplog.text
    await socket.disconnect()


@override_settings(RATE_LIMIT_API_KEY_PER_SECOND=2)
async def test_each_execute_spends_the_per_key_budget(world, keys):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2025, 3, 4, 10, 20, 30, 250_000, tzinfo=dt.UTC), tick=False):
        socket = await _welcomed(keys["provider"])
        await _subscribe(socket)
        for _ in range(2):
            await _execute(socket, USER_UPDATED, {"id": str(world.patients[0].pk)})
        await _execute(socket, "{ currentUser { id } }")
        assert await _frame(socket) == {"identifier": IDENTIFIER, "message": {"more": False, "result": {
            "data": None, "errors": [{"message": "Rate limit exceeded: 2 requests per second.",
                                      "extensions": {"code": "RATE_LIMITED", "retry_after": 1}}]}}}
        await socket.disconnect()


async def test_an_unreachable_layer_disconnects_with_reconnect(world, keys, monkeypatch):
    async def unreachable(self, group):
        raise LayerUnavailable()

    monkeypatch.setattr(hub_module.Hub, "_join", unreachable)
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED)
    assert await _frame(socket) == {"type": "disconnect", "reason": "server_restart", "reconnect": True}
    closed = await socket.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", 1013)


async def test_a_subscriber_that_falls_behind_is_disconnected_and_its_queue_released(world, keys, settings):
    settings.SUBSCRIPTION_QUEUE_LIMIT = 2
    patient = world.patients[0]
    socket = await _welcomed(keys["provider"])
    await _subscribe(socket)
    await _execute(socket, USER_UPDATED, {"id": str(patient.pk)})
    await wait_for_group(f"user.{patient.pk}")
    [inbox] = hub_module.hub().listeners[f"user.{patient.pk}"]
    # Three events arrive before the subscription reads any: one more than its queue holds.
    for n in range(3):
        inbox.put({"event_id": n, "event_type": "patient.updated", "resource_id": str(patient.pk),
                   "resource_id_type": "User"})
    assert len(inbox) == 0 and inbox.error is not None
    assert await _frame(socket) == {"type": "disconnect", "reason": "remote", "reconnect": True}
    assert (await socket.receive_output(timeout=5))["code"] == 4008


async def test_a_client_that_stops_reading_is_cut_off(world, keys, settings, monkeypatch):
    settings.SUBSCRIPTION_SEND_TIMEOUT_SECONDS = 0.05
    settings.SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS = 0.1
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)
    connection: list[actioncable.Connection] = []
    real_send = actioncable.Connection._send

    async def stalled(self, frame):
        connection.append(self)
        if frame.get("message"):  # the client's buffer is full from here on
            self.base_send = _never
        await real_send(self, frame)

    async def _never(message):
        await asyncio.sleep(3600)

    monkeypatch.setattr(actioncable.Connection, "_send", stalled)
    await _execute(socket, "{ currentUser { id } }")
    # Dropped without another frame (it would wait behind the stalled ones), its operations ended,
    # and closed once the close timeout passed.
    await eventually(lambda: connection and connection[-1]._closed.is_set(), what="the stalled socket to close")
    assert connection[-1]._ending and connection[-1].channels == {}


async def test_only_the_actioncable_protocol_is_ever_selected(world, keys):
    # "actioncable-unsupported" alone is the consumer's probe for a server that ignores subprotocols.
    socket = WebsocketCommunicator(application(), f"/subscriptions?token={keys['owner']}",
                                   subprotocols=["actioncable-unsupported"])
    await socket.connect(timeout=5)
    closed = await socket.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4406
    socket = WebsocketCommunicator(application(), f"/subscriptions?token={keys['owner']}",
                                   subprotocols=["graphql-transport-ws", *OFFERED])
    assert await socket.connect(timeout=5) == (True, "graphql-transport-ws")
    await socket.disconnect()


async def test_an_unreachable_database_at_connect_asks_the_consumer_to_come_back(world, keys, monkeypatch):
    def unreachable(credential):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(session_module, "_authenticate", unreachable)
    socket = await _connect(keys["owner"])
    assert await socket.receive_json_from(timeout=5) == {"type": "disconnect", "reason": "server_restart",
                                                         "reconnect": True}
    assert (await socket.receive_output(timeout=5))["code"] == 1013


async def test_an_unsubscribe_racing_an_execute_leaves_nothing_running(world, keys, monkeypatch):
    from schema.realtime.transports import actioncable as module

    real_spend = module.spend_request_budget
    socket = await _welcomed(keys["owner"])
    await _subscribe(socket)

    async def slow_spend(viewer):
        await socket.send_json_to({"command": "unsubscribe", "identifier": IDENTIFIER})
        await asyncio.sleep(0.05)
        return await real_spend(viewer)

    monkeypatch.setattr(module, "spend_request_budget", slow_spend)
    await _execute(socket, USER_UPDATED)
    assert await _only_pings(socket, 0.3)
    assert not hub_module.hub().listeners
    await socket.disconnect()
