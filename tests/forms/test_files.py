"""Files of forms through the real HTTP stack: ask for an upload URL, PUT the bytes, attach by
upload_id, read back through the signed link; and every way it must refuse."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

import pytest
from django.test import Client

from apps.events.models import Event
from apps.forms.models import CustomModule, FormAnswer, FormAnswerFileAttachment, FormAnswerGroup
from apps.uploads.models import DirectUpload
from tests import factories
from tests.conftest import data_of, error_codes
from tests.forms.test_templates_documented import make_form

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n% a tiny test document\n%%EOF\n"

ANSWER_URL = """mutation U($input: createFormAnswerFileAttachmentUploadUrlInput) {
  createFormAnswerFileAttachmentUploadUrl(input: $input) { upload_id upload_url headers { name value }
  messages { field message } } }"""
ANSWER_ATTACH = """mutation A($answer: ID!, $upload: ID!) {
  createFormAnswerFileAttachment(input: {form_answer_id: $answer, upload_id: $upload}) {
  file_attachment { id url } messages { field message } } }"""
ANSWER_DELETE = """mutation D($id: ID!) { deleteFormAnswerFileAttachment(input: {file_attachment_id: $id}) {
  file_attachment { id url } messages { field message } } }"""
MODULE_URL = """mutation U($input: CreateCustomModuleFileAttachmentUploadUrlInput) {
  createCustomModuleFileAttachmentUploadUrl(input: $input) { upload_id upload_url headers { name value }
  messages { field message } } }"""
MODULE_ATTACH = """mutation A($module: ID!, $upload: ID!) {
  createCustomModuleFileAttachment(input: {custom_module_id: $module, upload_id: $upload}) {
  file_attachment { id url } messages { field message } } }"""
GROUP = """query G($id: ID) { formAnswerGroup(id: $id) { id form_answers { id file_attachments { id url } } } }"""
SHARE = """mutation S($id: ID) { shareAnswersAsDocument(input: {form_answer_group_id: $id}) {
  messages { field message } } }"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324


def answer_of(world, patient=None, *, filler=None, form=None) -> FormAnswer:
    form = form or make_form(world)
    patient = patient or world.patients[0]
    group = FormAnswerGroup.objects.create(organization=world.org, custom_module_form=form, user=patient,
                                           filler=filler or world.provider, finished=True)
    return FormAnswer.objects.create(form_answer_group=group, custom_module=form.custom_modules.first(),
                                     answer="see the attached scan")


def declare(data: bytes = PNG, **overrides) -> dict:
    return {"filename": "scan.png", "byte_size": len(data), "checksum": md5(data), "content_type": "image/png",
            **overrides}


def put(url: str, data: bytes, headers: dict[str, str]) -> object:
    parts = urlsplit(url)
    extra = {k: v for k, v in headers.items() if k != "Content-Type"}
    return Client().put(f"{parts.path}?{parts.query}", data=data, content_type=headers["Content-Type"],
                        headers=extra)


def ticket(gql, key, answer_id, data=PNG, **overrides) -> dict:
    result = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer_id), **declare(data, **overrides)}},
                         key=key))["createFormAnswerFileAttachmentUploadUrl"]
    assert result["messages"] == [], result
    return result


def uploaded(gql, key, answer_id, data=PNG, **overrides) -> str:
    """An upload_id whose bytes are on the server."""
    found = ticket(gql, key, answer_id, data, **overrides)
    headers = {h["name"]: h["value"] for h in found["headers"]}
    assert put(found["upload_url"], data, headers).status_code == 204
    return found["upload_id"]


def attach(gql, key, answer_id, upload_id) -> dict:
    return data_of(gql(ANSWER_ATTACH, {"answer": str(answer_id), "upload": str(upload_id)}, key=key))[
        "createFormAnswerFileAttachment"]


def fetch(url: str):
    parts = urlsplit(url)
    return Client().get(f"{parts.path}?{parts.query}")


def test_answer_file_upload_attach_read_and_delete(gql, world, keys, django_capture_on_commit_callbacks):
    answer = answer_of(world)
    found = ticket(gql, keys["provider"], answer.pk)
    assert found["upload_url"].startswith("http://testserver/uploads/direct?token=")
    assert found["headers"] == [{"name": "Content-Type", "value": "image/png"},
                                {"name": "Content-MD5", "value": md5(PNG)}]
    response = put(found["upload_url"], PNG, {h["name"]: h["value"] for h in found["headers"]})
    assert response.status_code == 204
    done = attach(gql, keys["provider"], answer.pk, found["upload_id"])
    assert done["messages"] == [] and done["file_attachment"]["url"].startswith("http://testserver/files?token=")
    second = attach(gql, keys["provider"], answer.pk, uploaded(gql, keys["provider"], answer.pk, PDF,
                                                               filename="note.pdf", content_type="application/pdf"))
    assert second["messages"] == []
    assert Event.objects.filter(event_type="form_answer_group.updated",
                                resource_id=answer.form_answer_group_id).count() == 2

    # Both files are read back on the answer, and each link serves its bytes (no API key needed).
    group = data_of(gql(GROUP, {"id": str(answer.form_answer_group_id)}, key=keys["provider"]))["formAnswerGroup"]
    files = group["form_answers"][0]["file_attachments"]
    assert [f["id"] for f in files] == [done["file_attachment"]["id"], second["file_attachment"]["id"]]
    first = fetch(files[0]["url"])
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    assert b"".join(first.streaming_content) == PNG
    pdf = fetch(files[1]["url"])
    assert b"".join(pdf.streaming_content) == PDF and "note.pdf" in pdf["Content-Disposition"]
    # The patient the form is about reads it too.
    mine = data_of(gql(GROUP, {"id": str(answer.form_answer_group_id)}, key=keys["patient"]))["formAnswerGroup"]
    assert len(mine["form_answers"][0]["file_attachments"]) == 2

    stored = FormAnswerFileAttachment.objects.get(pk=done["file_attachment"]["id"]).file.name
    with django_capture_on_commit_callbacks(execute=True):
        removed = data_of(gql(ANSWER_DELETE, {"id": done["file_attachment"]["id"]}, key=keys["provider"]))[
            "deleteFormAnswerFileAttachment"]
    assert removed == {"file_attachment": {"id": done["file_attachment"]["id"], "url": None}, "messages": []}
    from django.core.files.storage import default_storage
    assert not default_storage.exists(stored)
    assert fetch(files[0]["url"]).status_code == 404
    again = data_of(gql(ANSWER_DELETE, {"id": done["file_attachment"]["id"]}, key=keys["provider"]))[
        "deleteFormAnswerFileAttachment"]
    assert again["messages"] == [{"field": "file_attachment_id", "message": "File attachment not found."}]


def test_bad_declarations_answer_messages_and_write_nothing(gql, world, keys):
    answer = answer_of(world)
    variables = {"input": {"form_answer_id": str(answer.pk), "filename": "  ", "byte_size": 0,
                           "checksum": "not-md5", "content_type": "text/html"}}
    result = data_of(gql(ANSWER_URL, variables, key=keys["provider"]))["createFormAnswerFileAttachmentUploadUrl"]
    assert result["upload_id"] is None and result["upload_url"] is None
    assert [m["field"] for m in result["messages"]] == ["filename", "byte_size", "checksum", "content_type"]
    too_big = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer.pk),
                                                 **declare(byte_size=10 ** 9)}}, key=keys["provider"]))
    assert [m["field"] for m in too_big["createFormAnswerFileAttachmentUploadUrl"]["messages"]] == ["byte_size"]
    nul = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer.pk), **declare(filename="\x00")}},
                      key=keys["provider"]))
    assert [m["field"] for m in nul["createFormAnswerFileAttachmentUploadUrl"]["messages"]] == ["filename"]
    assert not DirectUpload.objects.exists()


def test_put_refuses_what_was_not_declared(gql, world, keys, settings):
    answer = answer_of(world)
    found = ticket(gql, keys["provider"], answer.pk)
    headers = {h["name"]: h["value"] for h in found["headers"]}
    url = found["upload_url"]
    tampered = PNG[:-1] + b"\x01"
    # Same size, other bytes: the MD5 does not match.
    bad = put(url, tampered, headers)
    assert bad.status_code == 400 and "checksum" in bad.json()["errors"][0]["message"]
    # A Content-MD5 header that is not the declared one.
    assert put(url, PNG, {**headers, "Content-MD5": md5(tampered)}).status_code == 400
    # Another content type than declared.
    assert put(url, PNG, {**headers, "Content-Type": "application/pdf"}).status_code == 400
    # Longer or shorter than declared.
    longer = put(url, PNG + b"xx", headers)
    assert longer.status_code == 413 and longer.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert put(url, PNG[:10], headers).status_code == 400
    # A body beyond the server's limit, whatever was declared.
    settings.DIRECT_UPLOAD_MAX_BYTES = len(PNG) - 1
    assert put(url, PNG, headers).status_code == 413
    settings.DIRECT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # A tampered token, and other methods.
    assert put(url.replace("token=", "token=x"), PNG, headers).status_code == 404
    assert Client().get(urlsplit(url).path).status_code == 405
    upload = DirectUpload.objects.get(pk=found["upload_id"])
    assert not upload.file and upload.uploaded_at is None
    # Then the right bytes are stored, once.
    assert put(url, PNG, headers).status_code == 204
    assert put(url, PNG, headers).status_code == 409


def test_declared_type_must_match_the_bytes(gql, world, keys):
    answer = answer_of(world)
    found = ticket(gql, keys["provider"], answer.pk, PDF)  # declared image/png, PDF bytes
    response = put(found["upload_url"], PDF, {h["name"]: h["value"] for h in found["headers"]})
    assert response.status_code == 400 and "image/png" in response.json()["errors"][0]["message"]


def test_expired_reused_and_unsent_uploads_are_refused(gql, world, keys):
    answer = answer_of(world)
    unsent = ticket(gql, keys["provider"], answer.pk)["upload_id"]
    result = attach(gql, keys["provider"], answer.pk, unsent)
    assert result["file_attachment"] is None and result["messages"][0]["field"] == "upload_id"
    assert "not been uploaded" in result["messages"][0]["message"]

    upload_id = uploaded(gql, keys["provider"], answer.pk)
    assert attach(gql, keys["provider"], answer.pk, upload_id)["messages"] == []
    reused = attach(gql, keys["provider"], answer.pk, upload_id)
    assert reused["messages"] == [{"field": "upload_id",
                                   "message": "This upload is already attached: ask for a new upload URL."}]

    late = uploaded(gql, keys["provider"], answer.pk)
    with time_machine_travel(days=1):
        expired = attach(gql, keys["provider"], answer.pk, late)
    assert expired["messages"][0]["field"] == "upload_id" and "expired" in expired["messages"][0]["message"]
    # An expired URL refuses the PUT too.
    found = ticket(gql, keys["provider"], answer.pk)
    with time_machine_travel(days=1):
        response = put(found["upload_url"], PNG, {h["name"]: h["value"] for h in found["headers"]})
    assert response.status_code == 404
    assert FormAnswerFileAttachment.objects.count() == 1


def time_machine_travel(days: int):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    return time_machine.travel(timezone.now() + dt.timedelta(days=days), tick=False)


def test_foreign_uploads_answers_and_attachments_are_missing(gql, world, keys, other_world, other_keys):
    answer = answer_of(world)
    other_answer = answer_of(other_world, filler=other_world.owner)
    missing = attach(gql, keys["provider"], answer.pk, "99999999")
    assert missing["messages"] == [{"field": "upload_id", "message": "Upload not found."}]
    # Another organization's uploaded upload_id.
    theirs = uploaded(gql, other_keys["owner"], other_answer.pk)
    assert attach(gql, keys["provider"], answer.pk, theirs) == missing
    # Another member's upload of the same organization, and an upload asked for another answer.
    colleague = uploaded(gql, keys["owner"], answer.pk)
    assert attach(gql, keys["provider"], answer.pk, colleague) == missing
    elsewhere = answer_of(world, world.patients[1])
    mine = uploaded(gql, keys["provider"], elsewhere.pk)
    assert attach(gql, keys["provider"], answer.pk, mine) == missing
    assert not FormAnswerFileAttachment.objects.exists()
    assert attach(gql, keys["provider"], elsewhere.pk, mine)["messages"] == []

    # Another organization's answer, asking for a URL or attaching, answers like a missing one.
    asked = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(other_answer.pk), **declare()}},
                        key=keys["provider"]))["createFormAnswerFileAttachmentUploadUrl"]
    nothing = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": "99999999", **declare()}},
                          key=keys["provider"]))["createFormAnswerFileAttachmentUploadUrl"]
    assert asked == nothing and asked["messages"] == [{"field": "form_answer_id", "message": "Answer not found."}]
    assert attach(gql, keys["provider"], other_answer.pk, theirs)["messages"][0]["field"] == "form_answer_id"
    # Their attachment cannot be deleted from here.
    their_file = attach(gql, other_keys["owner"], other_answer.pk, theirs)["file_attachment"]
    deleted = data_of(gql(ANSWER_DELETE, {"id": their_file["id"]}, key=keys["provider"]))[
        "deleteFormAnswerFileAttachment"]
    assert deleted["messages"] == [{"field": "file_attachment_id", "message": "File attachment not found."}]
    assert FormAnswerFileAttachment.objects.filter(pk=their_file["id"]).exists()


def test_hidden_patients_other_fillers_and_locked_forms(gql, world, keys):
    answer = answer_of(world)
    restricted = factories.member(world.org, can_see_all_clients=False)
    hidden = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer.pk), **declare()}},
                         key=factories.api_key(restricted)))["createFormAnswerFileAttachmentUploadUrl"]
    assert hidden["messages"] == [{"field": "form_answer_id", "message": "Answer not found."}]
    # A provider's upload cannot then be deleted by the restricted provider either.
    file_id = attach(gql, keys["provider"], answer.pk, uploaded(gql, keys["provider"], answer.pk))[
        "file_attachment"]["id"]
    gone = data_of(gql(ANSWER_DELETE, {"id": file_id}, key=factories.api_key(restricted)))[
        "deleteFormAnswerFileAttachment"]
    assert gone["messages"][0]["field"] == "file_attachment_id"
    # The patient reads the form a provider filled, but cannot add files to it.
    patient = data_of(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer.pk), **declare()}},
                          key=keys["patient"]))["createFormAnswerFileAttachmentUploadUrl"]
    assert patient["messages"] == hidden["messages"]
    # On their own form they can.
    own = answer_of(world, filler=world.patients[0])
    assert attach(gql, keys["patient"], own.pk, uploaded(gql, keys["patient"], own.pk))["messages"] == []
    # A locked form refuses new files and removals.
    upload_id = uploaded(gql, keys["provider"], answer.pk)
    from django.utils import timezone
    FormAnswerGroup.objects.filter(pk=answer.form_answer_group_id).update(locked_at=timezone.now())
    locked = attach(gql, keys["provider"], answer.pk, upload_id)
    assert locked["messages"][0]["field"] == "form_answer_id" and "locked" in locked["messages"][0]["message"]
    assert not DirectUpload.objects.get(pk=upload_id).consumed_at
    removal = data_of(gql(ANSWER_DELETE, {"id": file_id}, key=keys["provider"]))["deleteFormAnswerFileAttachment"]
    assert "locked" in removal["messages"][0]["message"]
    assert error_codes(gql(ANSWER_URL, {"input": {"form_answer_id": str(answer.pk), **declare()}})) == [
        "UNAUTHENTICATED"]


def test_question_file_upload(gql, world, keys, other_keys):
    module = make_form(world).custom_modules.first()
    found = data_of(gql(MODULE_URL, {"input": {"custom_module_id": str(module.pk), **declare(
        PDF, filename="map.pdf", content_type="application/pdf")}}, key=keys["provider"]))[
        "createCustomModuleFileAttachmentUploadUrl"]
    assert found["messages"] == []
    assert put(found["upload_url"], PDF, {h["name"]: h["value"] for h in found["headers"]}).status_code == 204
    # An answer's attach mutation cannot take a question's upload.
    answer = answer_of(world, form=module.custom_module_form)
    assert attach(gql, keys["provider"], answer.pk, found["upload_id"])["messages"][0]["field"] == "upload_id"
    done = data_of(gql(MODULE_ATTACH, {"module": str(module.pk), "upload": found["upload_id"]},
                       key=keys["provider"]))["createCustomModuleFileAttachment"]
    assert done["messages"] == [] and done["file_attachment"]["id"] == str(module.pk)
    module.refresh_from_db()
    assert module.file_attachment_name == "map.pdf" and module.file_attachment.name.endswith(".pdf")
    read = data_of(gql("query F($id: ID) { customModuleForm(id: $id) { custom_modules { id file_attachment { id url }"
                       " } } }", {"id": str(module.custom_module_form_id)}, key=keys["provider"]))
    link = read["customModuleForm"]["custom_modules"][0]["file_attachment"]["url"]
    assert b"".join(fetch(link).streaming_content) == PDF
    # Another organization's question answers like a missing one; patients may not upload.
    foreign = data_of(gql(MODULE_URL, {"input": {"custom_module_id": str(module.pk), **declare()}},
                          key=other_keys["owner"]))["createCustomModuleFileAttachmentUploadUrl"]
    nothing = data_of(gql(MODULE_URL, {"input": {"custom_module_id": "99999999", **declare()}},
                          key=other_keys["owner"]))["createCustomModuleFileAttachmentUploadUrl"]
    assert foreign == nothing and foreign["messages"][0]["field"] == "custom_module_id"
    assert error_codes(gql(MODULE_URL, {"input": {"custom_module_id": str(module.pk), **declare()}},
                           key=keys["patient"])) == ["FORBIDDEN"]
    assert CustomModule.objects.get(pk=module.pk).file_attachment_name == "map.pdf"


def test_share_answers_as_document_is_not_available(gql, world, keys, other_keys):
    answer = answer_of(world)
    result = data_of(gql(SHARE, {"id": str(answer.form_answer_group_id)}, key=keys["provider"]))
    [message] = result["shareAnswersAsDocument"]["messages"]
    assert message["field"] == "form_answer_group_id" and "not available" in message["message"]
    foreign = data_of(gql(SHARE, {"id": str(answer.form_answer_group_id)}, key=other_keys["owner"]))
    missing = data_of(gql(SHARE, {"id": "99999999"}, key=other_keys["owner"]))
    assert foreign == missing and "not found" in foreign["shareAnswersAsDocument"]["messages"][0]["message"]
    other_patient = data_of(gql("mutation S($u: ID) { shareAnswersAsDocument(input: {user_id: $u}) { messages {"
                                " field } } }", {"u": str(answer.form_answer_group.user_id)}, key=other_keys["owner"]))
    assert other_patient["shareAnswersAsDocument"]["messages"] == [{"field": "user_id"}]


def test_answer_files_in_lists_cost_flat_sql(gql, world, keys, count_queries):
    form = make_form(world)
    for n in range(12):
        answer = answer_of(world, world.patients[n % 3], form=form)
        attach(gql, keys["provider"], answer.pk, uploaded(gql, keys["provider"], answer.pk))
    query = """query L($page_size: Int) { formAnswerGroups(page_size: $page_size, should_paginate: true) {
      id form_answers { id file_attachments { id url } } } }"""

    def run(size):
        return count_queries(lambda: data_of(gql(query, {"page_size": size}, key=keys["provider"])))

    small, few = run(2)
    large, many = run(12)
    assert len(large["formAnswerGroups"]) == 12 and len(small["formAnswerGroups"]) == 2
    assert all(len(g["form_answers"][0]["file_attachments"]) == 1 for g in large["formAnswerGroups"])
    assert few == many
