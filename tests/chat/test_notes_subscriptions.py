"""noteAddedSubscription over a real WebSocket (the in-process ASGI communicator): the documented
operation with data; only members receive; an archived or removed member stops at once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from apps.chat.models import ConversationMembership
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import GraphQLClient
from tests.subscriptions.conftest import _fresh_layer, _hub_stopped_before_the_loop_closes, open_socket, wait_for_group

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_fresh_layer", "_hub_stopped_before_the_loop_closes"]  # the subscription tests' autouse fixtures

CREATE = "mutation($i: createNoteInput!) { createNote(input: $i) { note { id } messages { field message } } }"


def _send(key: str, conversation_id: int, content: str) -> str:
    result = GraphQLClient()(CREATE, {"i": {"conversation_id": str(conversation_id), "content": content}}, key=key)
    assert result["data"]["createNote"]["messages"] == [], result
    return result["data"]["createNote"]["note"]["id"]


async def _subscribe(key: str, conversation_id: int, op_id: str = "1"):
    socket = await open_socket(f"/subscriptions?token={key}")
    await socket.send_json_to({"type": "connection_init"})
    assert await socket.receive_json_from(timeout=5) == {"type": "connection_ack"}
    await socket.send_json_to({"id": op_id, "type": "subscribe", "payload": {
        "query": documented_operation("7489_onNoteAddedSubscription.graphql"),
        "variables": {"id": str(conversation_id)}, "operationName": "onNoteAddedSubscription"}})
    return socket


async def test_documented_subscription_delivers_notes_to_members(world, keys):
    chat = await sync_to_async(factories.conversation)(world.provider, world.patients[0])
    socket = await _subscribe(keys["patient"], chat.pk)
    await wait_for_group(f"conversation.{chat.pk}")
    note_id = await sync_to_async(_send)(keys["provider"], chat.pk, "<p>Hi <b>there</b></p>")
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "next" and message["id"] == "1"
    note = message["payload"]["data"]["noteAddedSubscription"]
    assert {k: note[k] for k in ("id", "content", "user_id", "conversation_id", "__typename", "deleted_by_user",
                                 "is_autoresponse", "scheduled_at", "attached_image_url")} == {
        "id": note_id, "content": "<p>Hi <b>there</b></p>", "user_id": str(world.provider.pk),
        "conversation_id": str(chat.pk), "__typename": "Note", "deleted_by_user": False,
        "is_autoresponse": False, "scheduled_at": None, "attached_image_url": None}
    assert note["creator"]["id"] == str(world.provider.pk) and note["creator"]["__typename"] == "User"
    assert note["creator"]["first_name_last_initial"] == f"Paula {world.provider.last_name[0]}."
    await socket.disconnect()


async def test_non_members_cannot_subscribe(world, keys, other_keys):
    chat = await sync_to_async(factories.conversation)(world.provider, world.patients[0])
    for key in (keys["staff"], other_keys["owner"]):
        socket = await _subscribe(key, chat.pk)
        message = await socket.receive_json_from(timeout=5)
        assert message["type"] == "next", message
        assert message["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["NOT_FOUND"]
        await socket.disconnect()


async def test_archived_and_removed_members_stop_receiving_at_once(world, keys):
    chat = await sync_to_async(factories.conversation)(world.provider, world.patients[0], world.owner)
    patient = await _subscribe(keys["patient"], chat.pk)
    await wait_for_group(f"conversation.{chat.pk}", listeners=1)
    owner = await _subscribe(keys["owner"], chat.pk)
    await wait_for_group(f"conversation.{chat.pk}", listeners=2)
    await sync_to_async(_send)(keys["provider"], chat.pk, "one")
    assert (await patient.receive_json_from(timeout=5))["type"] == "next"
    assert (await owner.receive_json_from(timeout=5))["type"] == "next"
    await sync_to_async(ConversationMembership.objects.filter(user=world.patients[0]).update)(archived=True)
    await sync_to_async(ConversationMembership.objects.filter(user=world.owner).delete)()
    await sync_to_async(_send)(keys["provider"], chat.pk, "two")
    assert await patient.receive_nothing(timeout=0.5) and await owner.receive_nothing(timeout=0.5)
    await patient.disconnect()
    await owner.disconnect()


async def test_a_scheduled_note_reaches_subscribers_when_the_job_delivers_it(world, keys):
    import datetime as dt

    import time_machine

    from apps.core import jobs

    chat = await sync_to_async(factories.conversation)(world.provider, world.patients[0])
    socket = await _subscribe(keys["patient"], chat.pk)
    await wait_for_group(f"conversation.{chat.pk}")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def schedule() -> str:
        result = GraphQLClient()(CREATE, {"i": {"conversation_id": str(chat.pk), "content": "on time",
                                                "scheduled_at": later}}, key=keys["provider"])
        return result["data"]["createNote"]["note"]["id"]

    note_id = await sync_to_async(schedule)()
    assert await socket.receive_nothing(timeout=0.3)

    def run_jobs_later() -> None:
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)):
            jobs.drain()

    await sync_to_async(run_jobs_later)()
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["data"]["noteAddedSubscription"]["id"] == note_id
    await sync_to_async(run_jobs_later)()
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_one_read_per_event_whatever_the_number_of_subscribers(world, keys, monkeypatch):
    from schema.chat import note_subscriptions

    reads = []
    original = note_subscriptions.live_note
    monkeypatch.setattr(note_subscriptions, "live_note", lambda *args: reads.append(args) or original(*args))
    patients = world.patients
    chat = await sync_to_async(factories.conversation)(world.provider, *patients)
    patient_keys = [keys["patient"], *[await sync_to_async(factories.api_key)(p) for p in patients[1:]]]
    sockets = [await _subscribe(key, chat.pk) for key in patient_keys]
    await wait_for_group(f"conversation.{chat.pk}", listeners=len(sockets))
    note_id = await sync_to_async(_send)(keys["provider"], chat.pk, "to all")
    for socket in sockets:
        message = await socket.receive_json_from(timeout=5)
        assert message["payload"]["data"]["noteAddedSubscription"]["id"] == note_id
        await socket.disconnect()
    assert len(reads) == 1


async def test_documented_note_subscription_over_actioncable(world, keys):
    """The documented operation as ActionCableLink sends it; a non-member's execute ends with NOT_FOUND."""
    from tests.subscriptions.test_actioncable import IDENTIFIER, _execute, _frame, _subscribe, _welcomed

    chat = await sync_to_async(factories.conversation)(world.provider, world.patients[0])
    socket = await _welcomed(keys["patient"])
    await _subscribe(socket)
    await _execute(socket, documented_operation("7489_onNoteAddedSubscription.graphql"), {"id": str(chat.pk)},
                   "onNoteAddedSubscription")
    await wait_for_group(f"conversation.{chat.pk}")
    note_id = await sync_to_async(_send)(keys["provider"], chat.pk, "<p>Over <u>cable</u></p>")
    frame = await _frame(socket)
    while frame["message"]["result"].get("data") == {}:  # the optional empty first result
        frame = await _frame(socket)
    assert frame["identifier"] == IDENTIFIER and frame["message"]["more"] is True
    note = frame["message"]["result"]["data"]["noteAddedSubscription"]
    assert (note["id"], note["content"], note["__typename"]) == (note_id, "<p>Over <u>cable</u></p>", "Note")
    await socket.disconnect()

    outsider = await _welcomed(keys["staff"])
    await _subscribe(outsider)
    await _execute(outsider, documented_operation("7489_onNoteAddedSubscription.graphql"), {"id": str(chat.pk)},
                   "onNoteAddedSubscription")
    refused = await _frame(outsider)
    assert refused["message"]["more"] is False and refused["message"]["result"]["data"] is None
    assert [e["extensions"]["code"] for e in refused["message"]["result"]["errors"]] == ["NOT_FOUND"]
    await outsider.disconnect()
