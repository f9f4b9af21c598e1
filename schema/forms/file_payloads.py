"""Payloads of the file mutations of forms."""

from __future__ import annotations

import strawberry

from schema.forms.template_types import FileAttachmentType
from schema.payloads import payload_type


@strawberry.type(name="HttpHeader", description="A header the client sends with the upload PUT.")
class HttpHeaderType:
    name: str
    value: str


_UPLOAD_URL = {"headers": list[HttpHeaderType], "upload_id": strawberry.ID, "upload_url": str}

CreateModuleUploadUrlPayload = payload_type("CreateCustomModuleFileAttachmentUploadUrlPayload", **_UPLOAD_URL)
CreateModuleFilePayload = payload_type("CreateCustomModuleFileAttachmentPayload", file_attachment=FileAttachmentType)
CreateAnswerUploadUrlPayload = payload_type("createFormAnswerFileAttachmentUploadUrlPayload", **_UPLOAD_URL)
CreateAnswerFilePayload = payload_type("createFormAnswerFileAttachmentPayload", file_attachment=FileAttachmentType)
DeleteAnswerFilePayload = payload_type("deleteFormAnswerFileAttachmentPayload", file_attachment=FileAttachmentType)
ShareAnswersAsDocumentPayload = payload_type("shareAnswersAsDocumentPayload",
                                             "Documents are not available yet: always a messages entry.")
