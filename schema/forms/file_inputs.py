"""Inputs of the file mutations of forms (direct uploads of questions' and answers' files)."""

from __future__ import annotations

import strawberry

from apps.forms.services.files import ShareAsDocumentInput
from apps.uploads.services import UploadRequest


@strawberry.input(name="CreateCustomModuleFileAttachmentUploadUrlInput")
class CreateCustomModuleFileAttachmentUploadUrlInput:
    custom_module_id: strawberry.ID | None = None
    filename: str | None = None
    byte_size: int | None = None
    checksum: str | None = strawberry.field(default=None, description="Base64 MD5 digest of the file's bytes.")
    content_type: str | None = None


@strawberry.input(name="CreateCustomModuleFileAttachmentInput")
class CreateCustomModuleFileAttachmentInput:
    custom_module_id: strawberry.ID | None = None
    upload_id: strawberry.ID | None = None


@strawberry.input(name="createFormAnswerFileAttachmentUploadUrlInput")
class CreateFormAnswerFileAttachmentUploadUrlInput:
    form_answer_id: strawberry.ID | None = None
    filename: str | None = None
    byte_size: int | None = None
    checksum: str | None = strawberry.field(default=None, description="Base64 MD5 digest of the file's bytes.")
    content_type: str | None = None


@strawberry.input(name="createFormAnswerFileAttachmentInput")
class CreateFormAnswerFileAttachmentInput:
    form_answer_id: strawberry.ID | None = None
    upload_id: strawberry.ID | None = None


@strawberry.input(name="deleteFormAnswerFileAttachmentInput")
class DeleteFormAnswerFileAttachmentInput:
    file_attachment_id: strawberry.ID | None = None


@strawberry.input(name="shareAnswersAsDocumentInput")
class ShareAnswersAsDocumentInput:
    answers: str | None = None
    email_notification: bool | None = None
    form_answer_group_id: strawberry.ID | None = None
    letterhead: bool | None = False
    pdf_letterhead_template_id: strawberry.ID | None = None
    include_header_on_every_page: bool | None = False
    name: str | None = None
    user_id: strawberry.ID | None = None


def upload_request(data: CreateCustomModuleFileAttachmentUploadUrlInput | CreateFormAnswerFileAttachmentUploadUrlInput
                   | None) -> UploadRequest:
    if data is None:
        return UploadRequest()
    return UploadRequest(filename=data.filename, byte_size=data.byte_size, checksum=data.checksum,
                         content_type=data.content_type)


def share_input(data: ShareAnswersAsDocumentInput | None) -> ShareAsDocumentInput:
    if data is None:
        return ShareAsDocumentInput()
    return ShareAsDocumentInput(form_answer_group_id=data.form_answer_group_id, user_id=data.user_id,
                                pdf_letterhead_template_id=data.pdf_letterhead_template_id)
