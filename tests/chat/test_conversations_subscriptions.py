"""Conversation and membership subscriptions over a real WebSocket (graphql-transport-ws, in process):
only members receive; an archived or removed member stops receiving at once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from apps.chat.models import Conversation, ConversationMembership, Note
from apps.chat.services.memberships import mark_unread_for_others
from tests import factories
from tests.chat.helpers import MARK, UPDATE, create, doc_ids
from tests.conftest import GraphQLClient, data_of
from tests.subscriptions.conftest import (  # noqa: F401 (fixtures used by this module)
    _fresh_layer,
    _hub_stopped_before_the_loop_closes,
    open_socket,
    rereads,
    wait_for_group,
)
from tests.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)

CHANGED = "subscription($id: ID) { conversationChangedSubscription(id: $id) { id name } }"
ADDED = "subscription { conversationMembershipAddedSubscription(notesType: \"all\") { id convo { id name } } }"
UPDATED = "subscription { conversationMembershipUpdatedSubscription { id viewed archived conversation_id } }"


def _gql(query, variables, key):
    return data_of(GraphQLClient()(query, variables, key=key))


async def _socket(key: str):
    socket = await open_socket(f"/subscriptions?token={key}")
    await socket.send_json_to({"type": "connection_init"})
    assert await socket.receive_json_from(timeout=5) == {"type": "connection_ack"}
    return socket


async def _subscribe(socket, query: str, variables: dict | None = None, op_id: str = "1") -> None:
    await socket.send_json_to({"id": op_id, "type": "subscribe",
                               "payload": {"query": query, "variables": variables or {}}})


def _new_conversation(key: str, users: str, name: str = "") -> str:
    return create(GraphQLClient(), key, users, name=name)["conversation"]["id"]


def _deliver_note(conversation_id: str, sender) -> None:
    conversation = Conversation.objects.get(pk=conversation_id)
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, user=sender, content="Hello",
                                   delivered_at=timezone.now())
        Conversation.objects.filter(pk=conversation.pk).update(last_note=note)
        mark_unread_for_others(conversation, sender)


async def test_members_receive_conversation_changes_and_archiving_stops_them(world, keys, rereads):  # noqa: F811
    cid = await sync_to_async(_new_conversation)(keys["provider"], doc_ids(world.patients[0]))
    socket = await _socket(keys["patient"])
    await _subscribe(socket, CHANGED, {"id": cid})
    await wait_for_group(f"conversation.{cid}")
    await sync_to_async(_gql)(UPDATE, {"id": cid, "name": "Care plan"}, keys["provider"])
    message = await socket.receive_json_from(timeout=5)
    assert message == {"id": "1", "type": "next", "payload": {"data": {
        "conversationChangedSubscription": {"id": cid, "name": "Care plan"}}}}
    # A note changes the conversation too (its last message, its order).
    await sync_to_async(_deliver_note)(cid, world.provider)
    pushed = await socket.receive_json_from(timeout=5)
    assert pushed["payload"]["data"]["conversationChangedSubscription"]["id"] == cid
    # The patient archives it: the next change is re-read, found outside their feed, and not sent.
    membership = await sync_to_async(ConversationMembership.objects.get)(conversation_id=cid, user=world.patients[0])
    await sync_to_async(_gql)(MARK, {"id": str(membership.pk), "archived": True}, keys["patient"])
    rereads.clear()
    await sync_to_async(_gql)(UPDATE, {"id": cid, "name": "Archived for me"}, keys["provider"])
    assert await eventually(lambda: rereads, what="the re-read") == [None]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_non_members_cannot_subscribe(world, keys, other_keys):
    cid = await sync_to_async(_new_conversation)(keys["provider"], doc_ids(world.patients[0]))
    # The owner is an admin who may read the conversation, but live events go to members only.
    for key in (keys["staff"], other_keys["owner"], keys["owner"]):
        socket = await _socket(key)
        await _subscribe(socket, CHANGED, {"id": cid})
        refused = await socket.receive_json_from(timeout=5)
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["NOT_FOUND"]
        assert await socket.receive_json_from(timeout=5) == {"id": "1", "type": "complete"}
        await socket.disconnect()


async def test_removed_member_stops_receiving(world, keys, rereads):  # noqa: F811
    a, b, _ = world.patients
    cid = await sync_to_async(_new_conversation)(keys["provider"], doc_ids(a, b))
    socket = await _socket(keys["patient"])  # patient a
    await _subscribe(socket, CHANGED, {"id": cid})
    await wait_for_group(f"conversation.{cid}")
    await sync_to_async(_gql)(UPDATE, {"id": cid, "users": doc_ids(b)}, keys["provider"])  # a is removed
    assert await eventually(lambda: rereads, what="the re-read") == [None]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_membership_added_reaches_only_the_added_user(world, keys):
    a, b, _ = world.patients
    added = await _socket(keys["patient"])  # patient a
    await _subscribe(added, ADDED)
    other_key = await sync_to_async(factories.api_key)(b)
    bystander = await _socket(other_key)
    await _subscribe(bystander, ADDED)
    await wait_for_group(f"user.{a.pk}")
    await wait_for_group(f"user.{b.pk}")
    cid = await sync_to_async(_new_conversation)(keys["provider"], doc_ids(a), "Welcome")
    message = await added.receive_json_from(timeout=5)
    membership = await sync_to_async(ConversationMembership.objects.get)(conversation_id=cid, user=a)
    assert message["payload"]["data"] == {"conversationMembershipAddedSubscription": {
        "id": str(membership.pk), "convo": {"id": cid, "name": "Welcome"}}}
    assert await bystander.receive_nothing(timeout=0.3)
    await added.disconnect()
    await bystander.disconnect()


async def test_membership_updated_on_new_note_and_viewing(world, keys):
    cid = await sync_to_async(_new_conversation)(keys["provider"], doc_ids(world.patients[0]))
    socket = await _socket(keys["patient"])
    await _subscribe(socket, UPDATED)
    await wait_for_group(f"user.{world.patients[0].pk}")
    await sync_to_async(_deliver_note)(cid, world.provider)
    unread = await socket.receive_json_from(timeout=5)
    membership = await sync_to_async(ConversationMembership.objects.get)(conversation_id=cid, user=world.patients[0])
    assert unread["payload"]["data"] == {"conversationMembershipUpdatedSubscription": {
        "id": str(membership.pk), "viewed": False, "archived": False, "conversation_id": cid}}
    await sync_to_async(_gql)(MARK, {"id": str(membership.pk), "viewed": True}, keys["patient"])
    viewed = [await socket.receive_json_from(timeout=5)]
    # The viewed event and the updated event both name the membership: each push is the fresh row.
    viewed.append(await socket.receive_json_from(timeout=5))
    assert {m["payload"]["data"]["conversationMembershipUpdatedSubscription"]["viewed"] for m in viewed} == {True}
    # Archived: no more updates.
    await sync_to_async(_gql)(MARK, {"id": str(membership.pk), "archived": True}, keys["patient"])
    await sync_to_async(_deliver_note)(cid, world.provider)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
