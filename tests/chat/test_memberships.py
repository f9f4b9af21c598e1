"""Memberships: read state and unread counts, archive, leave and removal, filters, security, SQL counts."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.chat.models import Conversation, ConversationMembership, Note
from apps.chat.services.memberships import mark_unread_for_others
from apps.events.models import Event
from tests import factories
from tests.chat.helpers import MARK, MEMBERSHIPS, create, doc_ids
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

COUNTS = "{ conversationMembershipsAllCounts { active_count archived_count closed_count scheduled_count } }"
DELETE = """mutation($c: ID, $u: ID, $g: ID) {
  deleteConversationMembership(input: {conversation_id: $c, user_id: $u, group_id: $g}) {
    conversationMembership { id user_id } messages { field message }
  }
}"""


def _note(conversation: Conversation, sender) -> Note:
    """A delivered note, as the notes service writes it (with its read-state call)."""
    from django.utils import timezone

    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, user=sender, content="<p>Hi</p>",
                                   delivered_at=timezone.now())
        Conversation.objects.filter(pk=conversation.pk).update(last_note=note)
        mark_unread_for_others(conversation, sender)
    return note


def _unread(gql, key) -> int:
    return data_of(gql(MEMBERSHIPS, {"read": "unread"}, key=key))["conversationMembershipsCount"]


def test_a_note_makes_others_unread_and_viewing_counts_at_once(gql, world, keys):
    cid = create(gql, keys["provider"], doc_ids(world.patients[0], world.staff))["conversation"]["id"]
    conversation = Conversation.objects.get(pk=cid)
    assert _unread(gql, keys["patient"]) == 0
    note = _note(conversation, world.provider)
    assert _unread(gql, keys["patient"]) == 1 and _unread(gql, keys["staff"]) == 1
    assert _unread(gql, keys["provider"]) == 0  # the sender's own note is read
    mine = ConversationMembership.objects.get(conversation=conversation, user=world.patients[0])
    Event.objects.all().delete()
    marked = data_of(gql(MARK, {"id": str(mine.pk), "viewed": True}, key=keys["patient"]))
    assert marked["updateConversationMembership"] == {
        "conversation_membership": {"id": str(mine.pk), "viewed": True, "archived": False}, "messages": []}
    assert _unread(gql, keys["patient"]) == 0 and _unread(gql, keys["staff"]) == 1
    assert list(Event.objects.values_list("event_type", "resource_id").order_by("id")) == [
        ("conversation_membership.viewed", str(mine.pk)), ("conversation_membership.updated", str(mine.pk))]
    mine.refresh_from_db()
    assert mine.last_viewed_note_id == note.pk
    seen = data_of(gql("query($id: ID) { conversation(id: $id) { last_note_viewed_id last_message_content } }",
                       {"id": cid}, key=keys["patient"]))
    assert seen == {"conversation": {"last_note_viewed_id": str(note.pk), "last_message_content": "<p>Hi</p>"}}
    # Marked unread again by the member.
    data_of(gql(MARK, {"id": str(mine.pk), "viewed": False}, key=keys["patient"]))
    assert _unread(gql, keys["patient"]) == 1


def test_archive_and_counts(gql, world, keys):
    first = create(gql, keys["provider"], doc_ids(world.patients[0]))["conversation"]["id"]
    second = create(gql, keys["provider"], doc_ids(world.patients[1]))["conversation"]["id"]
    third = create(gql, keys["provider"], doc_ids(world.patients[2]))["conversation"]["id"]
    membership = ConversationMembership.objects.get(conversation_id=first, user=world.provider)
    data_of(gql(MARK, {"id": str(membership.pk), "archived": True}, key=keys["provider"]))
    data_of(gql("mutation($id: ID, $me: ID) { updateConversation(input: {id: $id, closed_by_id: $me}) "
                "{ messages { field } } }", {"id": third, "me": str(world.provider.pk)}, key=keys["provider"]))
    assert data_of(gql(COUNTS, key=keys["provider"])) == {"conversationMembershipsAllCounts": {
        "active_count": 1, "archived_count": 1, "closed_count": 1, "scheduled_count": 0}}
    for status, expected in (("active", [second]), ("archived", [first]), ("closed", [third])):
        listed = data_of(gql(MEMBERSHIPS, {"status": status}, key=keys["provider"]))
        assert [m["convo"]["id"] for m in listed["conversationMemberships"]] == expected, status
    bad = gql(MEMBERSHIPS, {"status": "everything"}, key=keys["provider"])
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_only_the_member_changes_their_membership(gql, world, keys, other_keys):
    cid = create(gql, keys["provider"], doc_ids(world.patients[0]))["conversation"]["id"]
    theirs = ConversationMembership.objects.get(conversation_id=cid, user=world.patients[0])
    for key in (keys["provider"], keys["staff"], other_keys["owner"], keys["owner"]):
        result = data_of(gql(MARK, {"id": str(theirs.pk), "archived": True}, key=key))
        assert result["updateConversationMembership"] == {"conversation_membership": None, "messages": [
            {"field": "id", "message": "Conversation membership not found."}]}
    theirs.refresh_from_db()
    assert not theirs.archived


def test_leave_and_remove(gql, world, keys):
    a, b, _ = world.patients
    cid = create(gql, keys["provider"], doc_ids(a, b, world.staff))["conversation"]["id"]
    # A patient cannot remove someone else; they can leave.
    refused = data_of(gql(DELETE, {"c": cid, "u": str(b.pk)}, key=keys["patient"]))["deleteConversationMembership"]
    assert refused["messages"][0]["field"] == "user_id"
    left = data_of(gql(DELETE, {"c": cid}, key=keys["patient"]))["deleteConversationMembership"]
    assert left["messages"] == [] and left["conversationMembership"]["user_id"] == str(a.pk)
    # Gone: the conversation is now missing for them.
    assert gql("query($id: ID) { conversation(id: $id) { id } }", {"id": cid}, key=keys["patient"])["data"] == {
        "conversation": None}
    # The owner removes a member; a member cannot remove the owner.
    removed = data_of(gql(DELETE, {"c": cid, "u": str(b.pk)}, key=keys["provider"]))["deleteConversationMembership"]
    assert removed["messages"] == []
    owner = data_of(gql(DELETE, {"c": cid, "u": str(world.provider.pk)}, key=keys["owner"]))
    assert owner["deleteConversationMembership"]["messages"][0]["field"] == "user_id"
    assert set(ConversationMembership.objects.filter(conversation_id=cid).values_list("user_id", flat=True)) == {
        world.provider.pk, world.staff.pk}


def test_remove_a_group(gql, world, keys):
    group = factories.UserGroup.objects.create(organization=world.org, name="Walkers")
    walkers = [factories.patient(world.org, provider=world.provider, group=group) for _ in range(2)]
    cid = create(gql, keys["provider"], f"group-{group.pk},{doc_ids(world.patients[0])}")["conversation"]["id"]
    result = data_of(gql(DELETE, {"c": cid, "g": str(group.pk)}, key=keys["provider"]))
    assert result["deleteConversationMembership"]["messages"] == []
    members = set(ConversationMembership.objects.filter(conversation_id=cid).values_list("user_id", flat=True))
    assert members == {world.provider.pk, world.patients[0].pk} and not {w.pk for w in walkers} & members
    assert not Conversation.objects.get(pk=cid).user_groups.exists()


def test_admin_filters_and_what_others_see(gql, world, keys):
    a, b, _ = world.patients
    with_a = create(gql, keys["provider"], doc_ids(a))["conversation"]["id"]
    create(gql, keys["staff"], doc_ids(b))
    # provider_id: an admin (the owner) lists that provider's memberships.
    as_admin = data_of(gql(MEMBERSHIPS, {"provider": str(world.provider.pk)}, key=keys["owner"]))
    assert [(m["user_id"], m["convo"]["id"]) for m in as_admin["conversationMemberships"]] == [
        (str(world.provider.pk), with_a)]
    # Anyone else naming another provider gets nothing (like a missing id), their own id works.
    assert data_of(gql(MEMBERSHIPS, {"provider": str(world.provider.pk)}, key=keys["staff"])) == {
        "conversationMemberships": [], "conversationMembershipsCount": 0}
    assert data_of(gql(MEMBERSHIPS, {"provider": str(world.staff.pk)}, key=keys["staff"]))[
        "conversationMembershipsCount"] == 1
    # client_id: the admin sees the patient's conversations it is not part of.
    by_client = data_of(gql(MEMBERSHIPS, {"client": str(a.pk)}, key=keys["owner"]))
    assert [(m["user_id"], m["convo"]["id"]) for m in by_client["conversationMemberships"]] == [(str(a.pk), with_a)]
    # A non-admin with client_id only narrows their own list.
    assert data_of(gql(MEMBERSHIPS, {"client": str(a.pk)}, key=keys["staff"]))["conversationMembershipsCount"] == 0
    assert data_of(gql(MEMBERSHIPS, {"client": str(a.pk)}, key=keys["provider"]))["conversationMembershipsCount"] == 1


def test_patients_and_other_organizations_see_nothing_of_others(gql, world, keys, other_keys, other_world):
    a, b, _ = world.patients
    private = create(gql, keys["provider"], doc_ids(b))["conversation"]["id"]
    query = "query($id: ID) { conversation(id: $id) { id } }"
    for key in (keys["patient"], other_keys["owner"], other_keys["patient"]):
        missing = gql(query, {"id": private}, key=key)
        assert missing["data"] == {"conversation": None} and missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert gql(query, {"id": "99999"}, key=keys["patient"])["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Patients cannot use the admin filters to reach others' lists.
    for variables in ({"provider": str(world.provider.pk)}, {"client": str(b.pk)}):
        assert data_of(gql(MEMBERSHIPS, variables, key=keys["patient"]))["conversationMemberships"] == []
    assert data_of(gql("{ conversations { id } }", key=other_keys["owner"])) == {"conversations": []}
    membership = ConversationMembership.objects.filter(conversation_id=private).first()
    hidden = gql("query($id: ID) { conversationMembership(conversation_membership_id: $id) { id } }",
                 {"id": str(membership.pk)}, key=keys["patient"])
    assert hidden["data"] == {"conversationMembership": None}
    invitees = gql("query($id: ID) { conversationMembershipInvitees(id: $id) { id } }", {"id": private},
                   key=other_keys["owner"])
    assert invitees["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_restricted_member_never_sees_a_conversation_with_a_hidden_patient(gql, world, keys):
    restricted = factories.member(world.org, can_see_all_clients=False)
    own = factories.patient(world.org, provider=restricted)
    hidden_cid = create(gql, keys["owner"], doc_ids(world.patients[0], restricted))["conversation"]["id"]
    shared_cid = create(gql, keys["owner"], doc_ids(own, restricted))["conversation"]["id"]
    key = factories.api_key(restricted)
    # Even as a member: the hidden patient's conversation answers like a missing one, everywhere.
    missing = gql("query($id: ID) { conversation(id: $id) { id } }", {"id": hidden_cid}, key=key)
    assert missing["data"] == {"conversation": None} and missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    listed = data_of(gql(MEMBERSHIPS, {}, key=key))
    assert [m["convo"]["id"] for m in listed["conversationMemberships"]] == [shared_cid]
    assert data_of(gql("{ conversations { id } }", key=key)) == {"conversations": [{"id": shared_cid}]}
    hidden_membership = ConversationMembership.objects.get(conversation_id=hidden_cid, user=restricted)
    marked = data_of(gql(MARK, {"id": str(hidden_membership.pk), "archived": True}, key=key))
    assert marked["updateConversationMembership"]["messages"][0]["field"] == "id"
    # Their own patient's conversation shows everyone.
    seen = data_of(gql("query($id: ID) { conversation(id: $id) { patient_id invitees { id } } }",
                       {"id": shared_cid}, key=key))["conversation"]
    assert seen["patient_id"] == str(own.pk)
    assert {u["id"] for u in seen["invitees"]} == {str(world.owner.pk), str(restricted.pk), str(own.pk)}


def test_a_patient_does_not_see_other_patients_of_a_group_conversation(gql, world, keys):
    a, b, _ = world.patients
    cid = create(gql, keys["provider"], doc_ids(a, b), name="Group")["conversation"]["id"]
    result = data_of(gql("query($id: ID) { conversation(id: $id) { conversation_memberships { user_id } "
                         "invitees { id } conversation_memberships_count } }", {"id": cid}, key=keys["patient"]))
    assert {m["user_id"] for m in result["conversation"]["conversation_memberships"]} == {
        str(a.pk), str(world.provider.pk)}
    assert {u["id"] for u in result["conversation"]["invitees"]} == {str(a.pk), str(world.provider.pk)}
    assert result["conversation"]["conversation_memberships_count"] == 3


def test_membership_lookups(gql, world, keys):
    cid = create(gql, keys["provider"], doc_ids(world.patients[0]))["conversation"]["id"]
    mine = ConversationMembership.objects.get(conversation_id=cid, user=world.patients[0])
    by_conversation = data_of(gql("query($id: ID) { conversationMembership(id: $id) { id convo { id } } }",
                                  {"id": cid}, key=keys["patient"]))
    assert by_conversation == {"conversationMembership": {"id": str(mine.pk), "convo": {"id": cid}}}
    invitees = data_of(gql("query($id: ID) { conversationMembershipInvitees(id: $id) { user_id conversation_role } }",
                           {"id": cid}, key=keys["patient"]))["conversationMembershipInvitees"]
    assert invitees == [{"user_id": str(world.provider.pk), "conversation_role": "owner"},
                        {"user_id": str(world.patients[0].pk), "conversation_role": "member"}]


def test_two_person_display_fields(gql, world, keys):
    patient = world.patients[0]
    create(gql, keys["provider"], doc_ids(patient))
    listed = data_of(gql("{ conversationMemberships { display_name display_other_user_name "
                         "display_other_user_first_name display_name_and_initial user_list_as_display_name } }",
                         key=keys["patient"]))["conversationMemberships"]
    provider = world.provider
    assert listed == [{"display_name": provider.full_name, "display_other_user_name": provider.full_name,
                       "display_other_user_first_name": provider.first_name,
                       "display_name_and_initial": f"{provider.first_name} {provider.last_name[0]}.",
                       "user_list_as_display_name": provider.full_name}]


def test_ugly_list_arguments(gql, world, keys):
    for variables in ({"read": "maybe"}, {"type": "x" * 5000}, {"keywords": "a\x00b"}, {"order": "nope"},
                      {"n": 0}, {"n": 1000}):
        result = gql(MEMBERSHIPS, variables, key=keys["provider"])
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
    assert data_of(gql(MEMBERSHIPS, {"keywords": "x" * 10_000, "client": "ünicode"}, key=keys["provider"]))[
        "conversationMemberships"] == []
    wrong = gql(MEMBERSHIPS, {"n": "ten"}, key=keys["provider"])
    assert wrong["errors"] and wrong.get("data") is None


LIST = """query($n: Int) { conversationMemberships(page_size: $n) {
  id cursor viewed display_name display_name_and_initial display_other_user_name user_list_as_display_name
  conversation_role creator { id } convo {
    id name conversation_memberships_count includes_multiple_clients community_chat dietitian_id patient_id
    last_message_content last_note_viewed_id owner { id full_name } closed_by { id }
    invitees { id first_name } first_four_invitees { id } user_groups { id name }
    current_user_conversation_membership { id viewed } conversation_memberships { id user_id }
    notes { id content user_id }
  }
} }"""


def test_sql_count_is_flat_in_page_size(gql, world, keys, count_queries):
    group = factories.UserGroup.objects.create(organization=world.org, name="G")
    factories.patient(world.org, provider=world.provider, group=group)
    for n in range(12):
        cid = create(gql, keys["provider"], f"{doc_ids(world.patients[n % 3], world.staff)},group-{group.pk}",
                     name="" if n % 2 else f"Topic {n}")["conversation"]["id"]
        _note(Conversation.objects.get(pk=cid), world.staff)

    def run(size: int) -> tuple[int, int]:
        result, queries = count_queries(lambda: gql(LIST, {"n": size}, key=keys["provider"]))
        return len(data_of(result)["conversationMemberships"]), queries

    (two, small), (ten, large) = run(2), run(10)
    assert (two, ten) == (2, 10)
    assert small == large


def test_conversations_list_sql_count_is_flat(gql, world, keys, count_queries):
    for n in range(11):
        create(gql, keys["provider"], doc_ids(world.patients[n % 3]))
    query = """query($n: Int) { conversations(page_size: $n) { id name owner { id } invitees { id }
      conversation_memberships { id display_name convo { id } } current_user_conversation_membership { id } } }"""
    counts = []
    for size in (2, 10):
        result, queries = count_queries(lambda size=size: gql(query, {"n": size}, key=keys["provider"]))
        assert len(data_of(result)["conversations"]) == size
        counts.append(queries)
    assert counts[0] == counts[1]


def test_order_and_cursor_pages(gql, world, keys):
    ids = [create(gql, keys["provider"], doc_ids(world.patients[n % 3]), name=f"Topic {n}")["conversation"]["id"]
           for n in range(5)]
    query = """query($order: String, $after: String) {
      conversationMemberships(order_by: $order, page_size: 2, after: $after) { cursor convo { id } } }"""
    oldest_first = data_of(gql(query, {"order": "CONVERSATION_CREATED_AT_ASC"}, key=keys["provider"]))
    page = oldest_first["conversationMemberships"]
    assert [m["convo"]["id"] for m in page] == ids[:2]
    following = data_of(gql(query, {"order": "conversation_created_at_asc", "after": page[-1]["cursor"]},
                            key=keys["provider"]))["conversationMemberships"]
    assert [m["convo"]["id"] for m in following] == ids[2:4]
    bad = gql(query, {"order": "name_asc", "after": "not-a-cursor"}, key=keys["provider"])
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_org_chat_lists_internal_conversations(gql, world, keys):
    create(gql, keys["provider"], doc_ids(world.patients[0]))
    internal = create(gql, keys["provider"], doc_ids(world.staff), name="Huddle")["conversation"]["id"]
    listed = data_of(gql("{ conversationMemberships(org_chat: true) { convo { id } } "
                         "conversationMembershipsCount(org_chat: true) }", key=keys["provider"]))
    assert listed == {"conversationMemberships": [{"convo": {"id": internal}}], "conversationMembershipsCount": 1}
