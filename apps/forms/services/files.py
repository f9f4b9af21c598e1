"""Files of forms: a question's file (``CustomModule.file_attachment``) and the files attached to
an answer (``FormAnswerFileAttachment``, several per answer), both sent as direct uploads
(``apps.uploads``) and read back through signed, expiring links (``apps.uploads.downloads``).

Who may attach: a question's file, the members who may edit its template; an answer's files,
whoever may edit the filled-out form (its organization's members who see the patient, or the
patient who filled it), and never on a locked form. Every other id answers like a missing one.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction

from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import AUTHENTICATED, MEMBER, Viewer
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.lookup import get_visible
from apps.events.bus import emit
from apps.forms.models import CustomModule, CustomModuleForm, FormAnswer, FormAnswerFileAttachment, FormAnswerGroup
from apps.forms.selectors.files import visible_answer_files, visible_answers
from apps.forms.selectors.templates import module_get
from apps.uploads import downloads
from apps.uploads.services import UploadRequest, UploadTicket, direct_upload_consume, direct_upload_create

MODULE_PURPOSE = "forms.custom_module"
ANSWER_PURPOSE = "forms.form_answer"
MODULE_FILE = "forms.custom_module"
ANSWER_FILE = "forms.answer_file"
MAX_FILES_PER_ANSWER = 20
NO_DOCUMENTS = "Sharing answers as a document is not available: documents are not supported yet."


# -- questions -----------------------------------------------------------------------------------

def _editable_module(viewer: Viewer, raw_id: object, field: str) -> CustomModule:
    viewer.require(MEMBER)
    module = module_get(viewer, raw_id, field=field)
    # The template row is locked so a concurrent template edit cannot interleave.
    CustomModuleForm.objects.select_for_update().filter(pk=module.custom_module_form_id).first()
    return module


@transaction.atomic
def custom_module_upload_url(viewer: Viewer, raw_module_id: object, data: UploadRequest) -> UploadTicket:
    module = _editable_module(viewer, raw_module_id, "custom_module_id")
    return direct_upload_create(viewer=viewer, purpose=MODULE_PURPOSE, target_id=module.pk, data=data)


@transaction.atomic
def custom_module_attach(viewer: Viewer, raw_module_id: object, raw_upload_id: object) -> CustomModule:
    """Gives the question the uploaded file. A file it had before stays stored: copies of the
    template may point at it."""
    module = _editable_module(viewer, raw_module_id, "custom_module_id")
    upload = direct_upload_consume(viewer=viewer, raw_upload_id=raw_upload_id, purpose=MODULE_PURPOSE,
                                   target_id=module.pk)
    module.file_attachment = upload.file.name
    module.file_attachment_name = upload.filename
    module.save(update_fields=["file_attachment", "file_attachment_name", "updated_at"])
    return module


# -- answers -------------------------------------------------------------------------------------

def _require_writer(viewer: Viewer) -> None:
    viewer.require(AUTHENTICATED)
    if not (viewer.is_patient or viewer.is_member):
        raise Forbidden("Only members of an organization and its patients can fill out forms.")


def _editable_group(viewer: Viewer, group_id: int, field: str) -> FormAnswerGroup:
    # Locked for the rest of the transaction, like every edit of a filled-out form.
    group = FormAnswerGroup.objects.select_for_update().get(pk=group_id)
    if viewer.is_patient and group.filler_id != viewer.user_id:
        raise NotFound(field, "Answer not found.")
    if group.is_locked:
        raise ValidationFailed(field, "This form is locked: its answers' files can no longer change.")
    return group


def _editable_answer(viewer: Viewer, raw_id: object) -> tuple[FormAnswer, FormAnswerGroup]:
    _require_writer(viewer)
    answer = get_visible(visible_answers(viewer), raw_id, "Answer", field="form_answer_id")
    return answer, _editable_group(viewer, answer.form_answer_group_id, "form_answer_id")


def _changed(viewer: Viewer, group: FormAnswerGroup) -> None:
    group.save(update_fields=["updated_at"])
    emit("form_answer_group.updated", group, organization_id=group.organization_id, actor_id=viewer.user_id,
         changed_fields=["file_attachments"])


@transaction.atomic
def form_answer_upload_url(viewer: Viewer, raw_answer_id: object, data: UploadRequest) -> UploadTicket:
    answer, _ = _editable_answer(viewer, raw_answer_id)
    return direct_upload_create(viewer=viewer, purpose=ANSWER_PURPOSE, target_id=answer.pk, data=data)


@transaction.atomic
def form_answer_attach(viewer: Viewer, raw_answer_id: object, raw_upload_id: object) -> FormAnswerFileAttachment:
    answer, group = _editable_answer(viewer, raw_answer_id)
    upload = direct_upload_consume(viewer=viewer, raw_upload_id=raw_upload_id, purpose=ANSWER_PURPOSE,
                                   target_id=answer.pk)
    if answer.file_attachments.count() >= MAX_FILES_PER_ANSWER:
        raise ValidationFailed("form_answer_id", f"An answer holds at most {MAX_FILES_PER_ANSWER} files.")
    attachment = FormAnswerFileAttachment.objects.create(
        form_answer=answer, user_id=viewer.user_id, file=upload.file.name, filename=upload.filename,
        content_type=upload.content_type, byte_size=upload.byte_size)
    _changed(viewer, group)
    return attachment


@transaction.atomic
def form_answer_file_delete(viewer: Viewer, raw_attachment_id: object) -> FormAnswerFileAttachment:
    """Removes the attachment; its stored file is deleted once the transaction commits. Answers
    the removed attachment (its id kept for the payload)."""
    _require_writer(viewer)
    attachment = get_visible(visible_answer_files(viewer).select_related("form_answer"), raw_attachment_id,
                             "File attachment", field="file_attachment_id")
    group = _editable_group(viewer, attachment.form_answer.form_answer_group_id, "file_attachment_id")
    removed_id, name = attachment.pk, attachment.file.name
    attachment.delete()
    attachment.pk = removed_id
    transaction.on_commit(lambda: default_storage.delete(name))
    _changed(viewer, group)
    return attachment


# -- sharing as a document -----------------------------------------------------------------------

@dataclass(frozen=True)
class ShareAsDocumentInput:
    form_answer_group_id: object = None
    user_id: object = None
    pdf_letterhead_template_id: object = None


def share_answers_as_document(viewer: Viewer, data: ShareAsDocumentInput) -> None:
    """Documents are a later issue: the filled-out form is still looked up (a missing or hidden
    one answers as missing), then the call answers "not available"."""
    from apps.forms.selectors.answers import answer_group_get

    _require_writer(viewer)
    viewer.require(MEMBER)
    if data.form_answer_group_id not in (None, ""):
        answer_group_get(viewer, data.form_answer_group_id, field="form_answer_group_id")
    if data.user_id not in (None, ""):
        get_visible(visible_patients(viewer), data.user_id, "Patient", field="user_id")
    if data.pdf_letterhead_template_id not in (None, ""):
        # There are no letterhead templates yet: every id is a missing one.
        raise NotFound("pdf_letterhead_template_id", "Letterhead template not found.")
    raise ValidationFailed("form_answer_group_id", NO_DOCUMENTS)


# -- downloads -----------------------------------------------------------------------------------

def _module_file(module_id: int) -> downloads.StoredFile | None:
    module = (CustomModule.objects.filter(pk=module_id, custom_module_form__deleted_at__isnull=True)
              .exclude(file_attachment="").only("file_attachment", "file_attachment_name").first())
    if module is None:
        return None
    name = module.file_attachment.name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return downloads.StoredFile(name=name, filename=module.file_attachment_name, content_type=content_type)


def _answer_file(attachment_id: int) -> downloads.StoredFile | None:
    attachment = (FormAnswerFileAttachment.objects
                  .filter(pk=attachment_id, form_answer__form_answer_group__deleted_at__isnull=True)
                  .only("file", "filename", "content_type").first())
    if attachment is None:
        return None
    return downloads.StoredFile(name=attachment.file.name, filename=attachment.filename,
                                content_type=attachment.content_type)


def register() -> None:
    downloads.register(MODULE_FILE, _module_file)
    downloads.register(ANSWER_FILE, _answer_file)


def module_file_url(module: CustomModule) -> str | None:
    return downloads.signed_path(MODULE_FILE, module.pk) if module.file_attachment else None


def answer_file_url(attachment: FormAnswerFileAttachment) -> str:
    return downloads.signed_path(ANSWER_FILE, attachment.pk)
