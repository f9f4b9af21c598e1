"""``FileAttachment`` values of forms: the record's id and its signed download link, absolute
when the operation came over HTTP (like chat's ``attached_image_url``)."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.forms.template_types import FileAttachmentType


def absolute(info: Any, path: str | None) -> str | None:
    request = info.context.get("request") if path else None
    return request.build_absolute_uri(path) if request is not None else path


def file_attachment(info: Any, record_id: int, path: str | None) -> FileAttachmentType:
    return FileAttachmentType(id=strawberry.ID(str(record_id)), url=absolute(info, path))
