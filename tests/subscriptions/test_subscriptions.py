"""GraphQL subscriptions over a real WebSocket (Channels' communicator against config.asgi)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from apps.accounts.models import ApiKey, User
from apps.events.bus import emit
from schema.realtime import session as session_module
from schema.realtime.hub import hub
from tests import factories
from tests.conftest import GraphQLClient
from tests.subscriptions.conftest import LEGACY_WS, USER_UPDATED, open_socket, wait_for_group
from tests.waiting import eventually
from tests.webhooks.conftest import update_client

pytestmark = pytest.mark.django_db(transaction=True)


def _update(key: str, user_id: int, **values) -> None:
    update_client(GraphQLClient(), key, user_id, **values)


async def _subscribe(socket, variables: dict, op_id: str = "1") -> None:
    await socket.send_json_to({"id": op_id, "type": "subscribe", "payload": {"query": USER_UPDATED,
                                                                            "variables": variables}})


async def _init(socket, payload: dict | None = None) -> dict:
    await socket.send_json_to({"type": "connection_init", **({"payload": payload} if payload else {})})
    return await socket.receive_json_from(timeout=5)


async def test_update_mutation_reaches_a_graphql_transport_ws_subscriber(world, keys):
    patient = world.patients[0]
    socket = await open_socket(f"/subscriptions?token={keys['provider']}")
    assert await _init(socket) == {"type": "connection_ack"}
    await _subscribe(socket, {"id": str(patient.pk)})
    await wait_for_group(f"user.{patient.pk}")
    await sync_to_async(_update)(keys["owner"], patient.pk, first_name="Live")
    message = await socket.receive_json_from(timeout=5)
    assert message == {"id": "1", "type": "next", "payload": {"data": {"userUpdatedSubscription": {
        "id": str(patient.pk), "first_name": "Live", "organization": {"id": str(world.org.pk)}}}}}
    await socket.disconnect()


async def test_legacy_graphql_ws_with_credentials_in_connection_init(world, keys):
    patient = world.patients[1]
    socket = await open_socket("/subscriptions", LEGACY_WS)
    assert await _init(socket, {"Authorization": f"Basic {keys['owner']}"}) == {"type": "connection_ack"}
    await socket.send_json_to({"id": "7", "type": "start", "payload": {"query": USER_UPDATED,
                                                                       "variables": {"id": str(patient.pk)}}})
    await wait_for_group(f"user.{patient.pk}")
    await sync_to_async(_update)(keys["provider"], patient.pk, last_name="Legacy")
    message = await socket.receive_json_from(timeout=5)
    while message.get("type") == "ka":  # keep-alive frames of the legacy protocol
        message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "data" and message["id"] == "7"
    assert message["payload"]["data"]["userUpdatedSubscription"]["id"] == str(patient.pk)
    await socket.disconnect()


async def test_token_in_connection_init_payload(world, keys):
    socket = await open_socket("/subscriptions")
    assert await _init(socket, {"token": keys["patient"]}) == {"type": "connection_ack"}
    await socket.disconnect()


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_missing_or_unknown_credentials_close_with_unauthorized(world, protocol):
    for path in ("/subscriptions", "/subscriptions?token=cp_not-a-real-key"):
        socket = await open_socket(path, protocol)
        await socket.send_json_to({"type": "connection_init"})
        if protocol == LEGACY_WS:
            assert await socket.receive_json_from(timeout=5) == {
                "type": "connection_error", "payload": {"message": "Unauthorized"}}
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4401, "reason": "Unauthorized"}


async def test_a_revoked_key_is_refused(world, keys):
    await sync_to_async(ApiKey.objects.filter(user=world.provider).update)(revoked_at=timezone.now())
    socket = await open_socket(f"/subscriptions?token={keys['provider']}")
    await socket.send_json_to({"type": "connection_init"})
    assert (await socket.receive_output(timeout=5))["code"] == 4401


async def test_an_open_socket_is_closed_once_its_key_is_revoked(world, keys, settings, monkeypatch):
    settings.SUBSCRIPTION_REAUTH_SECONDS = 0.1
    checks: list[str] = []
    real_check = session_module.viewer_for_credential
    monkeypatch.setattr(session_module, "viewer_for_credential",
                        lambda credential: checks.append(credential) or real_check(credential))
    socket = await open_socket(f"/subscriptions?token={keys['provider']}")
    assert await _init(socket) == {"type": "connection_ack"}
    await _subscribe(socket, {"id": str(world.patients[0].pk)})
    # A re-check that starts means the one before it found the key valid and kept the socket.
    opened = len(checks)
    await eventually(lambda: len(checks) >= opened + 2, what="two credential re-checks")
    assert await socket.receive_nothing(timeout=0)  # still valid: stays open
    await sync_to_async(ApiKey.objects.filter(user=world.provider).update)(revoked_at=timezone.now())
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401, "reason": "Unauthorized"}


async def test_subscribing_to_another_organizations_user_looks_like_a_missing_user(world, other_world, keys):
    socket = await open_socket(f"/subscriptions?token={keys['provider']}")
    await _init(socket)
    await _subscribe(socket, {"id": str(other_world.patients[0].pk)})
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "next" and message["id"] == "1"
    assert message["payload"]["data"] is None
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["NOT_FOUND"]
    assert await socket.receive_json_from(timeout=5) == {"id": "1", "type": "complete"}
    await socket.disconnect()


async def test_a_patient_sees_only_their_own_updates(world, keys):
    me, other = world.patients[0], world.patients[1]
    socket = await open_socket(f"/subscriptions?token={keys['patient']}")
    await _init(socket)
    await _subscribe(socket, {})  # no id: the authenticated user
    await wait_for_group(f"user.{me.pk}")
    await _subscribe(socket, {"id": str(other.pk)}, op_id="2")
    refused = await socket.receive_json_from(timeout=5)
    assert refused["id"] == "2" and refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await socket.receive_json_from(timeout=5) == {"id": "2", "type": "complete"}
    await sync_to_async(_update)(keys["provider"], other.pk, first_name="NotYours")
    await sync_to_async(_update)(keys["provider"], me.pk, first_name="Mine")
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["data"]["userUpdatedSubscription"]["first_name"] == "Mine"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_each_event_is_authorized_again_when_it_arrives(world, other_world, keys, rereads):
    """A record that left the subscriber's scope after subscribing is not pushed."""
    moved, stays = world.patients[0], world.patients[0]
    socket = await open_socket(f"/subscriptions?token={keys['provider']}")
    await _init(socket)
    await _subscribe(socket, {"id": str(moved.pk)})
    await wait_for_group(f"user.{moved.pk}")

    def transfer_and_emit() -> None:
        from django.db import transaction

        User.objects.filter(pk=moved.pk).update(organization=other_world.org, first_name="Transferred")
        with transaction.atomic():
            emit("patient.updated", User.objects.get(pk=moved.pk), organization_id=other_world.org.pk,
                 changed_fields=["organization"])

    await sync_to_async(transfer_and_emit)()
    # The event is re-read in the subscriber's scope, finds nothing and sends nothing. Wait for
    # that read: moving the record back before it would make the event visible again.
    assert await eventually(lambda: rereads, what="the re-read of the event") == [None]

    def transfer_back() -> None:
        User.objects.filter(pk=stays.pk).update(organization=world.org)

    await sync_to_async(transfer_back)()
    await sync_to_async(_update)(keys["owner"], stays.pk, first_name="Back")
    message = await socket.receive_json_from(timeout=5)  # the first message: the transfer sent nothing
    assert message["payload"]["data"]["userUpdatedSubscription"]["first_name"] == "Back"
    await socket.disconnect()


async def test_a_rolled_back_change_publishes_nothing(world, keys, rereads):
    patient = world.patients[2]
    socket = await open_socket(f"/subscriptions?token={keys['owner']}")
    await _init(socket)
    await _subscribe(socket, {"id": str(patient.pk)})
    await wait_for_group(f"user.{patient.pk}")

    def failing_write() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                emit("patient.updated", patient, organization_id=world.org.pk, changed_fields=["first_name"])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    await sync_to_async(failing_write)()
    await sync_to_async(_update)(keys["owner"], patient.pk, first_name="Committed")
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["data"]["userUpdatedSubscription"]["first_name"] == "Committed"
    # Events are handled in commit order, so a published rollback would have been read before it.
    assert len(rereads) == 1
    await socket.disconnect()


async def test_unsubscribing_with_complete_stops_delivery(world, keys):
    patient = world.patients[0]
    socket = await open_socket(f"/subscriptions?token={keys['owner']}")
    await _init(socket)
    await _subscribe(socket, {"id": str(patient.pk)})
    await wait_for_group(f"user.{patient.pk}")
    await socket.send_json_to({"id": "1", "type": "complete"})
    await eventually(lambda: not hub().listeners.get(f"user.{patient.pk}"), what="the subscription to stop listening")
    await sync_to_async(_update)(keys["provider"], patient.pk, first_name="Gone")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


def test_factories_are_importable():
    assert factories.PASSWORD
