"""File mutations of forms: direct uploads of a question's file and of an answer's files.

The flow (docs/forms-files.md): ``create…UploadUrl`` answers ``upload_url``, ``headers`` and
``upload_id``; the client PUTs the bytes to ``upload_url`` with those headers; then
``create…FileAttachment(upload_id)`` attaches the file.
"""

from __future__ import annotations

from typing import Any

import strawberry

from apps.forms.models import FormAnswerFileAttachment
from apps.forms.services import files as services
from apps.uploads.services import UploadTicket
from schema.context import Info
from schema.forms import file_inputs as inputs
from schema.forms import file_payloads as payloads
from schema.forms.file_links import file_attachment
from schema.forms.template_types import FileAttachmentType
from schema.payloads import run


def _ticket(info: Info, ticket: UploadTicket) -> dict[str, Any]:
    request = info.context.request
    url = request.build_absolute_uri(ticket.path) if request is not None else ticket.path
    return {"upload_url": url, "upload_id": strawberry.ID(str(ticket.upload.pk)),
            "headers": [payloads.HttpHeaderType(name=name, value=value) for name, value in ticket.headers]}


def _answer_file(info: Info, attachment: FormAnswerFileAttachment, *, with_url: bool = True) -> FileAttachmentType:
    return file_attachment(info, attachment.pk, services.answer_file_url(attachment) if with_url else None)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Step 1 of a question's file upload: answers the signed PUT URL, its "
                         "headers and the upload_id.")
    def createCustomModuleFileAttachmentUploadUrl(  # noqa: N802
        self, info: Info, input: inputs.CreateCustomModuleFileAttachmentUploadUrlInput | None = None
    ) -> payloads.CreateModuleUploadUrlPayload | None:
        raw_id = input.custom_module_id if input else None
        return run(payloads.CreateModuleUploadUrlPayload, lambda: _ticket(info, services.custom_module_upload_url(
            info.context.viewer, raw_id, inputs.upload_request(input))))

    @strawberry.mutation(description="Step 3: gives the question the uploaded file (upload_id, used once).")
    def createCustomModuleFileAttachment(  # noqa: N802
        self, info: Info, input: inputs.CreateCustomModuleFileAttachmentInput | None = None
    ) -> payloads.CreateModuleFilePayload | None:
        data = input or inputs.CreateCustomModuleFileAttachmentInput()

        def attach() -> FileAttachmentType:
            module = services.custom_module_attach(info.context.viewer, data.custom_module_id, data.upload_id)
            return file_attachment(info, module.pk, services.module_file_url(module))

        return run(payloads.CreateModuleFilePayload, attach, "file_attachment")

    @strawberry.mutation(description="Step 1 of an answer's file upload: answers the signed PUT URL, its "
                         "headers and the upload_id.")
    def createFormAnswerFileAttachmentUploadUrl(  # noqa: N802
        self, info: Info, input: inputs.CreateFormAnswerFileAttachmentUploadUrlInput | None = None
    ) -> payloads.CreateAnswerUploadUrlPayload | None:
        raw_id = input.form_answer_id if input else None
        return run(payloads.CreateAnswerUploadUrlPayload, lambda: _ticket(info, services.form_answer_upload_url(
            info.context.viewer, raw_id, inputs.upload_request(input))))

    @strawberry.mutation(description="Step 3: attaches the uploaded file (upload_id, used once) to the answer; "
                         "an answer holds several files.")
    def createFormAnswerFileAttachment(  # noqa: N802
        self, info: Info, input: inputs.CreateFormAnswerFileAttachmentInput | None = None
    ) -> payloads.CreateAnswerFilePayload | None:
        data = input or inputs.CreateFormAnswerFileAttachmentInput()
        return run(payloads.CreateAnswerFilePayload, lambda: _answer_file(
            info, services.form_answer_attach(info.context.viewer, data.form_answer_id, data.upload_id)),
            "file_attachment")

    @strawberry.mutation(description="Removes a file from an answer (and deletes the stored file).")
    def deleteFormAnswerFileAttachment(  # noqa: N802
        self, info: Info, input: inputs.DeleteFormAnswerFileAttachmentInput | None = None
    ) -> payloads.DeleteAnswerFilePayload | None:
        raw_id = input.file_attachment_id if input else None
        return run(payloads.DeleteAnswerFilePayload, lambda: _answer_file(
            info, services.form_answer_file_delete(info.context.viewer, raw_id), with_url=False), "file_attachment")

    @strawberry.mutation(description="Documents are not available yet: answers a messages entry.")
    def shareAnswersAsDocument(  # noqa: N802
        self, info: Info, input: inputs.ShareAnswersAsDocumentInput | None = None
    ) -> payloads.ShareAnswersAsDocumentPayload | None:
        return run(payloads.ShareAnswersAsDocumentPayload,
                   lambda: services.share_answers_as_document(info.context.viewer, inputs.share_input(input)))
