"""Conversations over HTTP: create, membership replacement, rename, close, internal and patient rules."""

from __future__ import annotations

import pytest

from apps.chat.models import Conversation, ConversationMembership
from apps.events.models import Event
from tests import factories
from tests.chat.helpers import CREATE, UPDATE, create, doc_ids
from tests.conftest import data_of

pytestmark = pytest.mark.django_db


def _members(conversation_id) -> set[int]:
    return set(ConversationMembership.objects.filter(conversation_id=conversation_id).values_list("user_id", flat=True))


def test_create_adds_owner_users_and_group_members(gql, world, keys):
    group = factories.UserGroup.objects.create(organization=world.org, name="Walkers")
    in_group = factories.patient(world.org, provider=world.provider, group=group)
    result = create(gql, keys["provider"], f"{doc_ids(world.patients[0])},group-{group.pk}", name="Walking club")
    assert result["messages"] == []
    conversation = Conversation.objects.get(pk=result["conversation"]["id"])
    assert conversation.owner_id == world.provider.pk and conversation.name == "Walking club"
    assert not conversation.internal
    assert _members(conversation.pk) == {world.provider.pk, world.patients[0].pk, in_group.pk}
    assert ConversationMembership.objects.get(conversation=conversation, user=in_group).via_group_id == group.pk
    assert list(conversation.user_groups.all()) == [group]
    created = Event.objects.filter(event_type="conversation_membership.created").values_list("resource_id", flat=True)
    assert sorted(int(r) for r in created) == sorted(
        ConversationMembership.objects.filter(conversation=conversation).values_list("pk", flat=True))


def test_owner_defaults_to_caller_and_may_be_another_provider(gql, world, keys):
    mine = create(gql, keys["staff"], doc_ids(world.patients[0]))
    assert mine["conversation"]["owner"] == {"id": str(world.staff.pk)}
    theirs = create(gql, keys["staff"], doc_ids(world.patients[0]), owner=str(world.provider.pk))
    assert theirs["conversation"]["owner"] == {"id": str(world.provider.pk)}
    # The owner is always a member, even when not listed.
    assert world.provider.pk in _members(theirs["conversation"]["id"])


def test_default_name_is_the_other_members_names(gql, world, keys):
    patient = world.patients[0]
    created = create(gql, keys["provider"], doc_ids(patient))
    name = data_of(gql("query($id: ID) { conversation(id: $id) { name } }",
                       {"id": created["conversation"]["id"]}, key=keys["provider"]))["conversation"]["name"]
    assert name == patient.full_name


@pytest.mark.parametrize("users", [
    "user-999999", "group-999999", "user-abc", "person-1", "user-", "user--1", "user-٣", "user-1e3",
    ",,,user-0", "user-99999999999999999999999",
])
def test_bad_doc_share_ids_write_nothing(gql, world, keys, users):
    result = create(gql, keys["provider"], users)
    assert result["conversation"] is None
    assert [m["field"] for m in result["messages"]] == ["simple_added_users"]
    assert not Conversation.objects.exists() and not Event.objects.exists()


def test_other_organizations_users_and_groups_are_unknown(gql, world, keys, other_world):
    group = factories.UserGroup.objects.create(organization=other_world.org, name="Theirs")
    for users in (doc_ids(other_world.patients[0]), doc_ids(other_world.provider), f"group-{group.pk}"):
        result = create(gql, keys["provider"], users)
        assert result["messages"][0]["field"] == "simple_added_users", users
    assert not Conversation.objects.exists()


def test_one_bad_id_among_good_ones_writes_nothing(gql, world, keys):
    result = create(gql, keys["provider"], f"{doc_ids(world.patients[0])},user-424242")
    assert result["messages"] == [{"field": "simple_added_users", "message": "User or group not found (item 2)."}]
    assert not ConversationMembership.objects.exists()


def test_restricted_provider_cannot_add_patients_hidden_from_them(gql, world, keys):
    restricted = factories.member(world.org, can_see_all_clients=False)
    key = factories.api_key(restricted)
    result = create(gql, key, doc_ids(world.patients[0]))  # the patient belongs to another provider
    assert result["messages"][0]["field"] == "simple_added_users"
    own = factories.patient(world.org, provider=restricted)
    assert create(gql, key, doc_ids(own))["messages"] == []


def test_ugly_inputs(gql, world, keys):
    huge = create(gql, keys["provider"], doc_ids(world.patients[0]), name="x" * 5000)
    assert huge["messages"][0]["field"] == "name"
    long_list = create(gql, keys["provider"], ",".join(["user-1"] * 600))
    assert long_list["messages"][0]["field"] == "simple_added_users"
    nul = gql(CREATE, {"users": "user-1\x00"}, key=keys["provider"])
    assert "errors" in nul or data_of(nul)["createConversation"]["messages"]
    wrong_type = gql(CREATE, {"users": ["user-1"]}, key=keys["provider"])
    assert wrong_type["errors"] and "data" not in wrong_type or wrong_type.get("data") is None
    bad_owner = create(gql, keys["provider"], doc_ids(world.patients[0]), owner="not-an-id")
    assert bad_owner["messages"] == [{"field": "owner_id", "message": "Owner not found."}]
    patient_owner = create(gql, keys["provider"], doc_ids(world.patients[0]), owner=str(world.patients[1].pk))
    assert patient_owner["messages"][0]["field"] == "owner_id"
    assert not Conversation.objects.exists()


def test_staff_only_conversation_is_internal_and_refuses_patients(gql, world, keys):
    created = create(gql, keys["provider"], doc_ids(world.staff), name="Rounds")
    conversation = Conversation.objects.get(pk=created["conversation"]["id"])
    assert conversation.internal
    result = data_of(gql(UPDATE, {"id": str(conversation.pk), "users": doc_ids(world.staff, world.patients[0])},
                         key=keys["provider"]))["updateConversation"]
    assert result["messages"] == [{"field": "simple_added_users",
                                   "message": "This is an internal conversation: patients cannot join it."}]
    assert _members(conversation.pk) == {world.provider.pk, world.staff.pk}
    hidden = data_of(gql("query($id: ID) { conversation(id: $id) { is_hidden_for_client } }",
                         {"id": str(conversation.pk)}, key=keys["provider"]))
    assert hidden == {"conversation": {"is_hidden_for_client": True}}


def test_patient_creates_only_with_their_own_providers(gql, world, keys):
    patient = world.patients[0]  # world.provider is their primary provider
    ok = create(gql, keys["patient"], doc_ids(world.provider))
    assert ok["messages"] == []
    conversation = Conversation.objects.get(pk=ok["conversation"]["id"])
    assert conversation.owner_id == patient.pk and _members(conversation.pk) == {patient.pk, world.provider.pk}
    group = factories.UserGroup.objects.create(organization=world.org, name="G")
    for users in (doc_ids(world.staff), doc_ids(world.patients[1]), f"group-{group.pk}", ""):
        refused = create(gql, keys["patient"], users)
        assert refused["conversation"] is None and refused["messages"][0]["field"] == "simple_added_users", users
    assert Conversation.objects.count() == 1


def test_update_replaces_members_but_keeps_the_owner(gql, world, keys):
    a, b, c = world.patients
    created = create(gql, keys["provider"], doc_ids(a, b, world.staff))
    cid = created["conversation"]["id"]
    Event.objects.all().delete()
    result = data_of(gql(UPDATE, {"id": cid, "users": doc_ids(b, c)}, key=keys["provider"]))["updateConversation"]
    assert result["messages"] == []
    assert _members(cid) == {world.provider.pk, b.pk, c.pk}
    added = ConversationMembership.objects.get(conversation_id=cid, user=c)
    assert list(Event.objects.filter(event_type="conversation_membership.created").values_list(
        "resource_id", flat=True)) == [str(added.pk)]
    # Another staff member may replace the list without the owner: the owner stays.
    result = data_of(gql(UPDATE, {"id": cid, "users": doc_ids(world.owner)}, key=keys["owner"]))["updateConversation"]
    assert result["messages"] == [] and _members(cid) == {world.provider.pk, world.owner.pk}


def test_rename_and_close_never_delete(gql, world, keys):
    cid = create(gql, keys["provider"], doc_ids(world.patients[0]))["conversation"]["id"]
    wrong = data_of(gql(UPDATE, {"id": cid, "closed": str(world.owner.pk)}, key=keys["provider"]))
    assert wrong["updateConversation"]["messages"] == [
        {"field": "closed_by_id", "message": "closed_by_id must be the id of the current user."}]
    done = data_of(gql(UPDATE, {"id": cid, "name": "Follow-up", "closed": str(world.provider.pk)},
                       key=keys["provider"]))["updateConversation"]
    assert done["messages"] == [] and done["conversation"]["name"] == "Follow-up"
    assert done["conversation"]["closed_date"].endswith("+0000")
    conversation = Conversation.objects.get(pk=cid)
    assert conversation.closed_by_id == world.provider.pk and conversation.is_closed
    closed = data_of(gql("query($id: ID) { conversation(id: $id) { closed_by { id } } }", {"id": cid},
                         key=keys["patient"]))
    assert closed == {"conversation": {"closed_by": {"id": str(world.provider.pk)}}}


def test_patients_cannot_update_and_non_members_see_missing(gql, world, keys, other_keys):
    cid = create(gql, keys["provider"], doc_ids(world.patients[0]))["conversation"]["id"]
    refused = gql(UPDATE, {"id": cid, "name": "Mine now"}, key=keys["patient"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = data_of(gql(UPDATE, {"id": cid, "name": "Theirs"}, key=other_keys["owner"]))["updateConversation"]
    assert missing == {"conversation": None, "messages": [{"field": "id", "message": "Conversation not found."}]}
    assert Conversation.objects.get(pk=cid).name == ""


def test_metadata_round_trip(gql, world, keys):
    result = data_of(gql("""mutation($u: String, $m: JSON) {
        createConversation(input: {simple_added_users: $u, metadata: $m}) { conversation { id metadata } } }""",
                         {"u": doc_ids(world.patients[0]), "m": {"source": "intake", "n": 1}}, key=keys["provider"]))
    assert result["createConversation"]["conversation"]["metadata"] == {"source": "intake", "n": 1}


def test_first_note_input_is_refused_not_dropped(gql, world, keys):
    result = data_of(gql("""mutation($u: String) {
        createConversation(input: {simple_added_users: $u, note: {content: "Hi"}}) {
          conversation { id } messages { field message } } }""", {"u": doc_ids(world.patients[0])},
                         key=keys["provider"]))
    assert result["createConversation"]["conversation"] is None
    assert result["createConversation"]["messages"][0]["field"] == "note"
    assert not Conversation.objects.exists()
