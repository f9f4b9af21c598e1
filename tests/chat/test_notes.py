"""Notes over HTTP: createNote (the documented operation), sanitizing, attachments (base64 and
multipart), edits and deletes, scoping, scheduled delivery by the job runner, message blasts."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from apps.chat.models import Conversation, ConversationMembership, MessageBlast, Note
from apps.core import jobs
from apps.events.models import Event
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
CREATE = """mutation($input: createNoteInput!) { createNote(input: $input) {
  note { id content user_id conversation_id image_name attached_image_url scheduled_at scheduled_conversation_id
         creator { id } }
  messages { field message } } }"""
BLAST = """mutation($i: createMessageBlastInput) { createMessageBlast(input: $i) {
  message messages { field message } } }"""
NOTES = """query($c: ID, $n: Int, $s: Boolean) { notes(conversation_id: $c, page_size: $n, scheduled_notes: $s) {
  id content user_id creator { id full_name } on_behalf_user { id } viewed deleted_by_user } }"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chat(world):
    """The provider and the first patient in one conversation; the owner is not a member."""
    return factories.conversation(world.provider, world.patients[0], name="Questions")


def _create(gql, key, **values):
    return gql(CREATE, {"input": values}, key=key)["data"]["createNote"]


def test_documented_create_note_operation_with_data(gql, keys, world, chat):
    variables = {"user_id": str(world.provider.pk), "content": "<p>Hello <b>there</b></p>",
                 "conversation_id": str(chat.pk), "attached_image_string": None, "scheduled_at": None,
                 "org_chat": False, "hide_org_chat_confirmation": True}
    result = data_of(gql(documented_operation("2425_createNote.graphql"), variables, key=keys["provider"]))
    note = Note.objects.get()
    assert result == {"createNote": {"note": {"id": str(note.pk), "content": "<p>Hello <b>there</b></p>",
                                              "user_id": str(world.provider.pk)}, "messages": []}}
    chat.refresh_from_db()
    assert note.delivered_at is not None and chat.last_note_id == note.pk
    assert list(ConversationMembership.objects.filter(conversation=chat).order_by("user_id")
                .values_list("user_id", "viewed")) == sorted([(world.provider.pk, True),
                                                              (world.patients[0].pk, False)])
    assert Event.objects.filter(event_type="message.created", resource_id=str(note.pk)).count() == 1
    assert world.provider.chat_setting.hide_org_chat_confirmation is True


def test_a_closed_conversation_refuses_new_notes(gql, keys, world, chat):
    Conversation.objects.filter(pk=chat.pk).update(closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                                                   closed_by=world.provider)
    payload = _create(gql, keys["patient"], conversation_id=str(chat.pk), content="Still there?")
    assert payload == {"note": None, "messages": [
        {"field": "conversation_id", "message": "This conversation is closed: no new notes can be sent to it."}]}
    assert not Note.objects.exists()


@pytest.mark.parametrize(("sent", "stored"), [
    ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
    ('<img src="https://x.test/a.png" onerror="alert(1)">', '<img src="https://x.test/a.png">'),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="https://example.org" onclick="steal()">ok</a>',
     '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>'),
    ('<b>bold</b> <i>it</i> <u>under</u> <em>e</em> <strong>s</strong>',
     '<b>bold</b> <i>it</i> <u>under</u> <em>e</em> <strong>s</strong>'),
    ('<iframe src="https://www.youtube.com/embed/xyz"></iframe>',
     '<iframe src="https://www.youtube.com/embed/xyz"></iframe>'),
    ('text<iframe src="https://evil.test/embed"></iframe>', "text<iframe></iframe>"),
    ('<div style="color:red" onmouseover="x()">plain</div>', "plain"),
    ("line one\nline two<br>three", "line one\nline two<br>three"),
    ('<img src="/chat/attachments?token=abc">', '<img src="/chat/attachments?token=abc">'),
    ('see <img src="/graphql"> <img src="data:image/png;base64,AAAA">', "see <img> <img>"),
])
def test_content_is_sanitized_to_the_documented_subset(gql, keys, chat, sent, stored):
    payload = _create(gql, keys["provider"], conversation_id=str(chat.pk), content=sent)
    assert payload["messages"] == []
    assert payload["note"]["content"] == stored == Note.objects.get().content


@pytest.mark.parametrize("content", ["", "   ", "<p></p>", "<script>x()</script>", None])
def test_a_note_without_content_or_attachment_is_refused(gql, keys, chat, content):
    payload = _create(gql, keys["provider"], conversation_id=str(chat.pk), content=content)
    assert payload == {"note": None, "messages": [
        {"field": "content", "message": "A note needs content or an attachment."}]}


def test_non_members_and_other_organizations_see_a_missing_conversation(gql, keys, other_keys, world, chat):
    for key in (keys["staff"], other_keys["owner"], "cp_not_a_real_key"):
        result = gql(CREATE, {"input": {"conversation_id": str(chat.pk), "content": "hi"}}, key=key)
        if error_codes(result):
            assert error_codes(result) == ["UNAUTHENTICATED"]
            continue
        assert result["data"]["createNote"] == {"note": None, "messages": [
            {"field": "conversation_id", "message": "Conversation not found."}]}
    # The organization's admin may see every conversation, yet only members write in one.
    result = gql(CREATE, {"input": {"conversation_id": str(chat.pk), "content": "hi"}}, key=keys["owner"])
    assert result["data"]["createNote"] == {"note": None, "messages": [
        {"field": "conversation_id", "message": "Only members of the conversation can send notes to it."}]}
    note = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="secret")["note"]
    for key in (keys["staff"], other_keys["owner"], other_keys["patient"]):
        result = gql("query($id: ID) { note(id: $id) { id content } }", {"id": note["id"]}, key=key)
        assert result["data"] == {"note": None} and error_codes(result) == ["NOT_FOUND"]
        assert data_of(gql(NOTES, {"n": 10}, key=key)) == {"notes": []}
    # Organization admins read every conversation of their organization (seed 002: listing
    # conversations one is not part of takes an organization admin).
    result = gql("query($id: ID) { note(id: $id) { id content } }", {"id": note["id"]}, key=keys["owner"])
    assert data_of(result) == {"note": {"id": note["id"], "content": "secret"}}


def test_base64_attachment_is_stored_and_served_by_a_signed_link(gql, keys, world, chat, settings):
    encoded = "data:image/png;base64," + base64.b64encode(PNG).decode()
    payload = _create(gql, keys["patient"], conversation_id=str(chat.pk), attached_image_string=encoded)
    assert payload["messages"] == []
    note = Note.objects.get()
    assert note.attachment_content_type == "image/png" and note.attachment.name.endswith(".png")
    assert payload["note"]["image_name"] == "attachment.png"
    url = payload["note"]["attached_image_url"]
    assert url.startswith("http://testserver/chat/attachments?token=")
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert response["X-Content-Type-Options"] == "nosniff"
    # A forged or altered link, and a link after expiry, give nothing.
    assert Client().get(url.removeprefix("http://testserver")[:-2] + "xx").status_code == 404
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(
            seconds=settings.CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS + 5)):
        assert Client().get(url.removeprefix("http://testserver")).status_code == 404


def test_attachments_are_checked_by_size_and_sniffed_type(gql, keys, chat, settings):
    settings.CHAT_ATTACHMENT_MAX_BYTES = 100
    cases = [
        (base64.b64encode(PNG + b"\x00" * 100).decode(), "The attachment is larger than 0 MB (100 bytes)."),
        (base64.b64encode(b"GIF89a" + b"\x00" * 200).decode(), "The attachment is larger than 0 MB (100 bytes)."),
        ("data:image/png;base64," + base64.b64encode(b"<html><script>x</script></html>").decode(),
         "This file type is not accepted: send PNG, JPEG, GIF or WebP images and PDF documents."),
        (base64.b64encode(b"MZ\x90\x00 executable").decode(),
         "This file type is not accepted: send PNG, JPEG, GIF or WebP images and PDF documents."),
        ("not base64 at all!", "The attachment is not valid base64 (or a base64 data URL)."),
    ]
    for encoded, message in cases:
        payload = _create(gql, keys["provider"], conversation_id=str(chat.pk), attached_image_string=encoded)
        assert payload == {"note": None, "messages": [{"field": "attached_image_string", "message": message}]}
    assert not Note.objects.exists()
    assert not list((settings.MEDIA_ROOT).rglob("*.*"))


def _multipart(key: str, conversation_id: int, data: bytes, filename: str, field: str = "attached_image",
               **extra: object):
    operations = {"query": "mutation($input: createNoteInput!) { createNote(input: $input) { "
                           "note { id image_name attached_image_url } messages { field message } } }",
                  "variables": {"input": {"conversation_id": str(conversation_id), "content": "see file",
                                          field: None, **extra}}}
    body = {"operations": json.dumps(operations), "map": json.dumps({"0": [f"variables.input.{field}"]})}
    from django.core.files.uploadedfile import SimpleUploadedFile

    body["0"] = SimpleUploadedFile(filename, data, content_type="image/png")
    return Client().post("/graphql", data=body, headers={"Authorization": f"Basic {key}"})


def test_multipart_upload_over_http(keys, chat, settings):
    response = _multipart(keys["provider"], chat.pk, PDF, "../../etc/Lab results.pdf", "attached_document")
    assert response.status_code == 200, response.content
    payload = response.json()["data"]["createNote"]
    assert payload["messages"] == [] and payload["note"]["image_name"] == "Lab results.pdf"
    note = Note.objects.get()
    assert note.attachment_content_type == "application/pdf"
    download = Client().get(payload["note"]["attached_image_url"].removeprefix("http://testserver"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    # The declared image/png type does not count: the bytes are an HTML page.
    refused = _multipart(keys["provider"], chat.pk, b"<html>hi</html>", "x.png").json()["data"]["createNote"]
    assert refused["messages"] == [{"field": "attached_image", "message":
                                    "This file type is not accepted: send PNG, JPEG, GIF or WebP images and "
                                    "PDF documents."}]
    audio = _multipart(keys["provider"], chat.pk, b"ID3\x03" + b"\x00" * 40, "memo.mp3", "attached_audio")
    assert audio.json()["data"]["createNote"]["messages"] == [
        {"field": "attached_audio", "message": "Audio attachments are not supported: send an image or a PDF."}]
    two = _multipart(keys["provider"], chat.pk, PNG, "x.png", attached_image_string=base64.b64encode(PNG).decode())
    assert two.json()["data"]["createNote"]["messages"] == [
        {"field": "attached_image", "message": "Send one attachment per note."}]
    settings.CHAT_ATTACHMENT_MAX_BYTES = 10
    too_big = _multipart(keys["provider"], chat.pk, PNG, "x.png").json()["data"]["createNote"]
    assert too_big["messages"][0]["field"] == "attached_image" and "larger than" in too_big["messages"][0]["message"]
    assert Note.objects.count() == 1


def test_update_is_for_the_sender_and_re_sanitizes(gql, keys, world, chat):
    note_id = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="first")["note"]["id"]
    update = ("mutation($i: updateNoteInput) { updateNote(input: $i) { note { id content } "
              "messages { field message } } }")
    other = data_of(gql(update, {"i": {"id": note_id, "content": "hijack"}}, key=keys["patient"]))["updateNote"]
    assert other == {"note": None, "messages": [{"field": "id", "message": "Only the sender of a note can edit it."}]}
    mine = data_of(gql(update, {"i": {"id": note_id, "content": "<p onclick=x()>second</p>"}},
                       key=keys["provider"]))["updateNote"]
    assert mine == {"note": {"id": note_id, "content": "<p>second</p>"}, "messages": []}


def test_delete_is_soft_by_sender_or_conversation_owner_and_emits(gql, keys, world, chat):
    patient_note = _create(gql, keys["patient"], conversation_id=str(chat.pk), content="mine")["note"]["id"]
    provider_note = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="theirs")["note"]["id"]
    delete = ("mutation($i: deleteNoteInput) { deleteNote(input: $i) { note { id deleted_by_user } "
              "messages { field message } } }")
    refused = data_of(gql(delete, {"i": {"id": provider_note}}, key=keys["patient"]))["deleteNote"]
    assert refused["messages"] == [{"field": "id",
                                    "message": "Only the sender or the conversation's owner can delete a note."}]
    by_owner = data_of(gql(delete, {"i": {"id": patient_note}}, key=keys["provider"]))["deleteNote"]
    assert by_owner == {"note": {"id": patient_note, "deleted_by_user": False}, "messages": []}
    by_sender = data_of(gql(delete, {"i": {"id": provider_note}}, key=keys["provider"]))["deleteNote"]
    assert by_sender["note"]["deleted_by_user"] is True
    assert Note.objects.filter(deleted_at__isnull=False).count() == 2
    assert Event.objects.filter(event_type="message.deleted").count() == 2
    assert data_of(gql(NOTES, {"c": str(chat.pk), "n": 10}, key=keys["patient"])) == {"notes": []}
    chat.refresh_from_db()
    assert chat.last_note_id is None


def test_notes_list_sql_count_is_flat_in_page_size(gql, keys, world, chat, count_queries):
    for n in range(12):
        _create(gql, keys["provider" if n % 2 else "patient"], conversation_id=str(chat.pk), content=f"n{n}")

    def run(size: int) -> int:
        result, queries = count_queries(lambda: gql(NOTES, {"c": str(chat.pk), "n": size}, key=keys["provider"]))
        assert len(data_of(result)["notes"]) == size
        return queries

    assert run(2) == run(10)


def test_scheduled_note_is_delivered_once_at_its_time(gql, keys, world, chat):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        payload = _create(gql, keys["provider"], conversation_id=str(chat.pk), content="Reminder",
                          scheduled_at="2026-03-02T10:00:00Z")
        assert payload["messages"] == [] and payload["note"]["scheduled_conversation_id"] == str(chat.pk)
        note_id = payload["note"]["id"]
        # Pending: the sender's side sees it in the scheduled list; the patient sees nothing.
        assert [n["id"] for n in data_of(gql(NOTES, {"c": str(chat.pk), "s": True}, key=keys["provider"]))["notes"]] \
            == [note_id]
        assert data_of(gql(NOTES, {"c": str(chat.pk), "s": True}, key=keys["patient"]))["notes"] == []
        assert data_of(gql(NOTES, {"c": str(chat.pk)}, key=keys["patient"]))["notes"] == []
        assert data_of(gql("query { showScheduledTab }", key=keys["provider"])) == {"showScheduledTab": True}
        jobs.drain()
        assert Note.objects.get(pk=note_id).delivered_at is None
    with time_machine.travel(start + dt.timedelta(hours=1, seconds=1), tick=False):
        jobs.drain()
        jobs.drain()
        seen = data_of(gql(NOTES, {"c": str(chat.pk)}, key=keys["patient"]))["notes"]
        assert [n["id"] for n in seen] == [note_id]
    assert Event.objects.filter(event_type="message.created", resource_id=note_id).count() == 1
    assert Note.objects.get(pk=note_id).delivered_at == start + dt.timedelta(hours=1, seconds=1)


def test_message_blast_is_sent_by_a_job_into_two_person_conversations(gql, keys, world):
    group = factories.UserGroup.objects.create(organization=world.org, name="Walkers")
    world.patients[2].user_group = group
    world.patients[2].save()
    existing = Conversation.objects.create(organization=world.org, owner=world.provider, automatic=True,
                                           patient=world.patients[0], provider=world.provider)
    for user in (world.provider, world.patients[0]):
        ConversationMembership.objects.create(conversation=existing, user=user)
    blast = BLAST
    result = data_of(gql(blast, {"i": {"note": {"content": "<p>Clinic closed Monday</p>"},
                                       "simple_added_users": f"user-{world.patients[0].pk},group-{group.pk}",
                                       "patient_id": str(world.patients[1].pk)}}, key=keys["provider"]))
    assert result == {"createMessageBlast": {
        "message": "The message blast to 3 patient(s) will be sent now.", "messages": []}}
    assert not Note.objects.exists()  # nothing is sent inside the request
    jobs.drain()
    jobs.drain()
    notes = Note.objects.order_by("conversation__patient_id")
    assert [n.conversation.patient_id for n in notes] == sorted(p.pk for p in world.patients)
    assert notes[0].conversation_id == existing.pk and all(n.delivered_at for n in notes)
    assert Conversation.objects.filter(automatic=True).count() == 3
    sent = MessageBlast.objects.get()
    assert sent.sent_at is not None and sent.recipients_count == 3
    shown = data_of(gql("query($id: ID) { note_scheduler(id: $id) { invitees_count note { id content } } }",
                        {"id": str(sent.pk)}, key=keys["provider"]))["note_scheduler"]
    assert shown == {"invitees_count": 3, "note": {"id": str(min(n.pk for n in notes)),
                                                   "content": "<p>Clinic closed Monday</p>"}}
    other_org = data_of(gql(blast, {"i": {"note": {"content": "x"}, "patient_id": "999999"}},
                            key=keys["provider"]))["createMessageBlast"]
    assert other_org["messages"] == [{"field": "patient_id", "message": "Patient not found."}]


def test_scheduled_message_blasts_and_note_scheduler(gql, keys, world):
    create = BLAST
    data_of(gql(create, {"i": {"note": {"content": "Later"}, "patient_id": str(world.patients[0].pk),
                               "scheduled_at": "2099-01-01 09:00:00"}}, key=keys["provider"]))
    listed = data_of(gql("""{ scheduledMessageBlasts { id note_content invitees_count participant_ids
        user { id } invitees { id } note { id } } }""", key=keys["provider"]))["scheduledMessageBlasts"]
    assert len(listed) == 1 and listed[0]["participant_ids"] == [str(world.patients[0].pk)]
    assert listed[0]["note"] is None and listed[0]["user"] == {"id": str(world.provider.pk)}
    update = """mutation($i: updateNoteSchedulerInput) { updateNoteScheduler(input: $i) {
        noteScheduler { id participant_ids invitees_count } messages { field message } } }"""
    changed = data_of(gql(update, {"i": {"id": listed[0]["id"], "participant_ids": [
        str(p.pk) for p in world.patients[:2]]}}, key=keys["provider"]))["updateNoteScheduler"]
    assert changed["noteScheduler"]["invitees_count"] == 2
    assert data_of(gql("{ scheduledMessageBlasts { id } }", key=keys["staff"]))["scheduledMessageBlasts"] == []
    hidden = gql("query($id: ID) { note_scheduler(id: $id) { id } }", {"id": listed[0]["id"]}, key=keys["staff"])
    assert hidden["data"] == {"note_scheduler": None} and error_codes(hidden) == ["NOT_FOUND"]


def test_multipart_bodies_have_their_own_limit(keys, chat, settings):
    big = PDF + b"0" * (3 * 1024 * 1024)  # above the 2.5 MB JSON body limit, within the attachment limit
    assert len(big) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = _multipart(keys["provider"], chat.pk, big, "scan.pdf", "attached_document")
    assert response.status_code == 200 and response.json()["data"]["createNote"]["messages"] == []
    settings.GRAPHQL_MULTIPART_MAX_BYTES = 1024 * 1024
    refused = _multipart(keys["provider"], chat.pk, big, "scan.pdf", "attached_document")
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
    assert Note.objects.count() == 1


def test_base64_beyond_the_json_body_limit_is_a_json_413(gql, keys, chat, settings):
    encoded = base64.b64encode(PNG + b"\x00" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE).decode()
    response = gql.raw(CREATE, {"input": {"conversation_id": str(chat.pk), "attached_image_string": encoded}},
                       key=keys["provider"])
    assert response.status_code == 413 and not Note.objects.exists()
