"""The finer rules of notes: ugly input, on-behalf sending, rescheduling and cancelling scheduled
notes, filters and ordering, read state, patients in group conversations, flat SQL for blasts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.chat.models import Conversation, ConversationMembership, MessageBlast, Note
from apps.core import jobs
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

CREATE = """mutation($input: createNoteInput!) { createNote(input: $input) {
  note { id content user_id on_behalf_user { id } creator_display_name created_at scheduled_at }
  messages { field message } } }"""
UPDATE = """mutation($i: updateNoteInput) { updateNote(input: $i) {
  note { id content scheduled_at } messages { field message } } }"""
NOTES = """query($c: ID, $k: String, $since: ID, $order: NoteOrderKeys, $sort: String, $s: Boolean) {
  notes(conversation_id: $c, keywords: $k, since_note_id: $since, order_by: $order, sort_by: $sort,
        scheduled_notes: $s) { id content }
  notesCount(conversation_id: $c, keywords: $k, since_note_id: $since, scheduled_notes: $s) }"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chat(world):
    return factories.conversation(world.provider, world.patients[0], world.staff)


def _create(gql, key, **values):
    return gql(CREATE, {"input": values}, key=key)["data"]["createNote"]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-01-01T10:00:00-12:00"])
def test_extreme_scheduled_times_never_fail_the_request(gql, keys, chat, when):
    result = gql(CREATE, {"input": {"conversation_id": str(chat.pk), "content": "x", "scheduled_at": when}},
                 key=keys["provider"])
    assert "errors" not in result, result
    payload = result["data"]["createNote"]
    assert payload["messages"] == [] or [m["field"] for m in payload["messages"]] == ["scheduled_at"]


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "１", " 1", "1.0", "99999999999999999999", ""])
def test_malformed_conversation_ids_are_a_missing_conversation(gql, keys, chat, raw):
    assert _create(gql, keys["provider"], conversation_id=raw, content="hi") == {"note": None, "messages": [
        {"field": "conversation_id", "message": "Conversation not found."}]}


def test_ugly_content_never_fails_the_request(gql, keys, chat):
    nul = gql(CREATE, {"input": {"conversation_id": str(chat.pk), "content": "a\x00b"}}, key=keys["provider"])
    assert "BAD_USER_INPUT" in error_codes(nul) or nul["data"]["createNote"]["messages"]
    huge = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="x" * 100_001)
    assert huge == {"note": None, "messages": [
        {"field": "content", "message": "A note may hold at most 100000 characters."}]}
    unbalanced = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="<p><b>open <i>tags")
    assert unbalanced["note"]["content"] == "<p><b>open <i>tags</i></b></p>"
    assert not Note.objects.filter(content="").exists()


@pytest.mark.parametrize("when", ["tomorrow", "2026-13-45 10:00", "32/01/2026", "2026-01-01T10:00:00+99:00",
                                  "2026-02-30 10:00:00", "１２:００"])
def test_bad_scheduled_at_is_a_messages_entry(gql, keys, chat, when):
    payload = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="x", scheduled_at=when)
    assert payload["note"] is None and [m["field"] for m in payload["messages"]] == ["scheduled_at"]


def test_staff_may_send_on_behalf_of_a_provider_but_patients_may_not(gql, keys, world, chat, other_world):
    sent = _create(gql, keys["staff"], conversation_id=str(chat.pk), content="For Dr P",
                   user_id=str(world.provider.pk))
    assert sent["messages"] == [] and sent["note"]["user_id"] == str(world.staff.pk)
    assert sent["note"]["on_behalf_user"] == {"id": str(world.provider.pk)}
    assert sent["note"]["creator_display_name"] == f"Sam {world.staff.last_name[0]}."
    refused = _create(gql, keys["patient"], conversation_id=str(chat.pk), content="x",
                      user_id=str(world.provider.pk))
    assert refused == {"note": None, "messages": [{"field": "user_id", "message":
                       "Only providers and staff can send a note on behalf of someone else."}]}
    foreign = _create(gql, keys["staff"], conversation_id=str(chat.pk), content="x",
                      user_id=str(other_world.provider.pk))
    assert foreign == {"note": None, "messages": [{"field": "user_id", "message": "User not found."}]}


def test_rescheduling_and_deleting_a_scheduled_note(gql, keys, world, chat):
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        first = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="moved",
                        scheduled_at="2026-05-04T09:00:00Z")["note"]["id"]
        second = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="dropped",
                         scheduled_at="2026-05-04T09:00:00Z")["note"]["id"]
        moved = data_of(gql(UPDATE, {"i": {"id": first, "scheduled_at": "2026-05-04T11:00:00Z"}},
                            key=keys["provider"]))["updateNote"]
        assert moved["messages"] == [] and moved["note"]["scheduled_at"] == "2026-05-04 11:00:00 +0000"
        deleted = gql("mutation($i: deleteNoteInput) { deleteNote(input: $i) { messages { field } } }",
                      {"i": {"id": second}}, key=keys["provider"])
        assert data_of(deleted)["deleteNote"]["messages"] == []
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        jobs.drain()
        assert not Note.objects.filter(delivered_at__isnull=False).exists()
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        jobs.drain()
        assert list(Note.objects.filter(delivered_at__isnull=False).values_list("pk", flat=True)) == [int(first)]
        assert Note.objects.get(pk=first).created_at == start + dt.timedelta(hours=3)
        late = data_of(gql(UPDATE, {"i": {"id": first, "scheduled_at": "2026-06-01T11:00:00Z"}},
                           key=keys["provider"]))["updateNote"]
        assert late["messages"] == [{"field": "scheduled_at",
                                     "message": "This note was already delivered: it cannot be rescheduled."}]
    assert Event.objects.filter(event_type="message.created").count() == 1
    assert not Event.objects.filter(event_type="message.deleted").exists()  # never delivered, never announced


def test_a_scheduled_note_is_not_delivered_into_a_closed_conversation(gql, keys, world, chat):
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _create(gql, keys["provider"], conversation_id=str(chat.pk), content="later",
                scheduled_at="2026-05-04T09:00:00Z")
        Conversation.objects.filter(pk=chat.pk).update(closed_at=start, closed_by=world.provider)
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        jobs.drain()
    assert Note.objects.get().delivered_at is None


def test_filters_ordering_and_counts(gql, keys, world, chat):
    ids = [_create(gql, keys["provider"], conversation_id=str(chat.pk), content=text)["note"]["id"]
           for text in ("alpha beta", "beta", "gamma")]

    def listed(**variables):
        data = data_of(gql(NOTES, {"c": str(chat.pk), **variables}, key=keys["patient"]))
        assert data["notesCount"] == len(data["notes"])
        return [n["id"] for n in data["notes"]]

    assert listed() == ids[::-1]
    assert listed(order="CREATED_AT_ASC") == ids == listed(sort="created_at_asc")
    assert listed(k="beta") == [ids[1], ids[0]] and listed(k="alpha beta") == [ids[0]]
    assert listed(since=ids[0]) == [ids[2], ids[1]]
    bad = gql(NOTES, {"c": str(chat.pk), "sort": "name_desc"}, key=keys["patient"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]


def test_read_state_and_viewed_status(gql, keys, world, chat):
    note_id = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="read me")["note"]["id"]
    status = "query($id: ID) { noteViewedStatus(id: $id) note(id: $id) { viewed } }"
    assert data_of(gql(status, {"id": note_id}, key=keys["provider"])) == {
        "noteViewedStatus": False, "note": {"viewed": True}}
    assert data_of(gql(status, {"id": note_id}, key=keys["patient"]))["note"] == {"viewed": False}
    membership = ConversationMembership.objects.get(conversation=chat, user=world.patients[0])
    assert membership.viewed is False
    Note.objects.filter(pk=note_id).update(delivered_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    ConversationMembership.objects.filter(pk=membership.pk).update(
        viewed=True, last_viewed_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert data_of(gql(status, {"id": note_id}, key=keys["provider"]))["noteViewedStatus"] is True
    assert data_of(gql(status, {"id": note_id}, key=keys["patient"]))["note"] == {"viewed": True}
    other = "query($id: ID, $v: ID) { note(id: $id) { viewed(viewer_id: $v) } }"
    assert data_of(gql(other, {"id": note_id, "v": str(world.staff.pk)}, key=keys["provider"])) == {
        "note": {"viewed": False}}


def test_a_patient_sees_a_fellow_patient_only_by_display_name(gql, keys, world):
    group_chat = factories.conversation(world.provider, world.patients[0], world.patients[1])
    fellow = factories.api_key(world.patients[1])
    _create(gql, fellow, conversation_id=str(group_chat.pk), content="hello all")
    seen = data_of(gql("query($c: ID) { notes(conversation_id: $c) { creator { id email } creator_display_name } }",
                       {"c": str(group_chat.pk)}, key=keys["patient"]))["notes"]
    patient = world.patients[1]
    assert seen == [{"creator": None, "creator_display_name": f"{patient.first_name} {patient.last_name[0]}."}]
    by_provider = data_of(gql("query($c: ID) { notes(conversation_id: $c) { creator { id } } }",
                              {"c": str(group_chat.pk)}, key=keys["provider"]))["notes"]
    assert by_provider == [{"creator": {"id": str(patient.pk)}}]


def test_scheduled_blasts_list_sql_is_flat_in_page_size(gql, keys, world, count_queries):
    patients = [factories.patient(world.org, provider=world.provider) for _ in range(3)]
    group = factories.UserGroup.objects.create(organization=world.org, name="Blasted")
    member = factories.patient(world.org, provider=world.provider, group=group)
    for n in range(12):
        blast = MessageBlast.objects.create(organization=world.org, sender=world.provider, content=f"b{n}",
                                            scheduled_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
        blast.recipients.set(patients)
        blast.user_groups.add(group)
    query = """query($n: Int) { scheduledMessageBlasts(page_size: $n) { id note_content invitees_count
        participant_ids updated_at user { id full_name } selected_users { id } selected_user_groups { id }
        invitees { id } first_four_invitees { id } note { id content creator { id } } } }"""
    expected = [{"id": str(p.pk)} for p in sorted([*patients, member], key=lambda p: p.pk)]

    def run(size: int) -> int:
        result, queries = count_queries(lambda: gql(query, {"n": size}, key=keys["provider"]))
        blasts = data_of(result)["scheduledMessageBlasts"]
        assert len(blasts) == size
        assert all(b["invitees"] == expected and b["first_four_invitees"] == expected[:4] for b in blasts)
        return queries

    gql("{ currentUser { id } }", key=keys["provider"])  # the key's last_used_at write, outside the measure
    assert run(2) == run(10)


def test_auto_response_once_until_the_provider_writes(gql, keys, world, chat):
    from apps.chat.models import ChatSetting

    ChatSetting.objects.create(user=world.provider, is_active=True, content="<p>Away until Monday</p>")
    _create(gql, keys["patient"], conversation_id=str(chat.pk), content="Hello?")
    _create(gql, keys["patient"], conversation_id=str(chat.pk), content="Anyone?")
    replies = Note.objects.filter(is_autoresponse=True)
    assert [(n.user_id, n.content) for n in replies] == [(world.provider.pk, "<p>Away until Monday</p>")]
    assert replies[0].delivered_at is not None
    _create(gql, keys["staff"], conversation_id=str(chat.pk), content="staff note: no auto-response to staff")
    _create(gql, keys["provider"], conversation_id=str(chat.pk), content="Back briefly")
    _create(gql, keys["patient"], conversation_id=str(chat.pk), content="Again")
    assert Note.objects.filter(is_autoresponse=True).count() == 2
    listed = data_of(gql("query($c: ID) { notes(conversation_id: $c, page_size: 1) { is_autoresponse user_id } }",
                         {"c": str(chat.pk)}, key=keys["patient"]))["notes"]
    assert listed == [{"is_autoresponse": True, "user_id": str(world.provider.pk)}]


@pytest.mark.parametrize(("local", "replies"), [
    ("2026-03-02 10:00", True),    # Monday, inside 09:00-17:00
    ("2026-03-02 17:00", False),   # the end is exclusive
    ("2026-03-03 10:00", False),   # Tuesday is not marked
])
def test_recurring_auto_response_in_the_providers_time_zone(gql, keys, world, chat, local, replies):
    from zoneinfo import ZoneInfo

    from apps.chat.models import ChatSetting

    ChatSetting.objects.create(user=world.provider, recurring_turned_on=True, recurring_content="Office hours over",
                               recurring_days={"monday": True}, recurring_start_time="09:00",
                               recurring_end_time="17:00")
    at = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(world.provider.timezone))
    with time_machine.travel(at, tick=False):
        _create(gql, keys["patient"], conversation_id=str(chat.pk), content="Question")
    assert Note.objects.filter(is_autoresponse=True).exists() is replies


def test_overnight_recurring_window_belongs_to_the_day_it_starts():
    from apps.chat.models import ChatSetting
    from apps.chat.services.notes import away_message

    setting = ChatSetting(recurring_turned_on=True, recurring_content="Night", recurring_days={"monday": True},
                          recurring_start_time="22:00", recurring_end_time="06:00")
    utc = dt.UTC
    assert away_message(setting, dt.datetime(2026, 3, 2, 23, 0, tzinfo=utc), "UTC") == "Night"   # Monday night
    assert away_message(setting, dt.datetime(2026, 3, 3, 2, 0, tzinfo=utc), "UTC") == "Night"    # into Tuesday
    assert away_message(setting, dt.datetime(2026, 3, 2, 2, 0, tzinfo=utc), "UTC") is None       # Sunday's night
    assert away_message(setting, dt.datetime(2026, 3, 3, 23, 0, tzinfo=utc), "UTC") is None      # Tuesday night
    dated = ChatSetting(is_active=True, content="Away", scheduled_turned_on=True,
                        start_date=dt.datetime(2026, 3, 1, tzinfo=utc), end_date=dt.datetime(2026, 3, 5, tzinfo=utc))
    assert away_message(dated, dt.datetime(2026, 3, 2, tzinfo=utc), "UTC") == "Away"
    assert away_message(dated, dt.datetime(2026, 3, 6, tzinfo=utc), "UTC") is None


@pytest.mark.parametrize("raw", ["abc", "１", " 1", "+1", "", "99999999999999999999"])
def test_note_viewed_status_of_a_malformed_id_is_not_found(gql, keys, chat, raw):
    note_id = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="x")["note"]["id"]
    assert data_of(gql("query($id: ID) { noteViewedStatus(id: $id) }", {"id": note_id}, key=keys["provider"])) \
        == {"noteViewedStatus": False}
    result = gql("query($id: ID) { noteViewedStatus(id: $id) }", {"id": raw.replace("1", note_id)},
                 key=keys["provider"])
    assert result["data"] == {"noteViewedStatus": None} and error_codes(result) == ["NOT_FOUND"]


def test_webhooks_receive_message_created_and_deleted(gql, keys, world, chat):
    from apps.core.crypto import encrypt
    from webhooks.models import Delivery, Webhook, WebhookEvent

    hook = Webhook.objects.create(organization=world.org, url="https://hooks.example.com/chat",
                                  secret_encrypted=encrypt("whsec_c2VjcmV0"))
    for event_type in ("message.created", "message.deleted"):
        WebhookEvent.objects.create(webhook=hook, event_type=event_type)
    note_id = _create(gql, keys["patient"], conversation_id=str(chat.pk), content="ping")["note"]["id"]
    _create(gql, keys["provider"], conversation_id=str(chat.pk), content="later",
            scheduled_at="2099-01-01T00:00:00Z")  # pending: nothing announced yet
    data_of(gql("mutation($i: deleteNoteInput) { deleteNote(input: $i) { messages { field } } }",
                {"i": {"id": note_id}}, key=keys["patient"]))
    assert sorted(Delivery.objects.values_list("event_type", "resource_id", "resource_id_type")) == [
        ("message.created", note_id, "Note"), ("message.deleted", note_id, "Note")]
