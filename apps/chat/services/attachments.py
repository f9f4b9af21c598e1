"""Note attachments: one path for base64 strings and ``Upload`` files (the accepted types and the
sniffing are ``apps.uploads.files``, shared with direct uploads).

Both end in ``accept``: the size is checked against ``CHAT_ATTACHMENT_MAX_BYTES`` (a base64
string before it is decoded), the type is sniffed from the bytes (the declared name, data-URL
type or multipart content type is never trusted), and the bytes are written through Django's
default storage under a name the server chooses. Downloads go through ``signed_url``: a
short-lived signed link handed only to callers who may see the note (a ``Note`` type field
reads through the viewer's selector), checked again by ``apps.chat.views.attachment``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from apps.core.errors import ValidationFailed
from apps.core.timefmt import now
from apps.uploads import downloads
from apps.uploads.files import ALLOWED, clean_name, sniff

DOWNLOAD_KIND = "chat.note"

_DATA_URL = re.compile(r"\Adata:[\w.+-]*/?[\w.+-]*(?:;[\w=.+-]+)*;base64,", re.I)


@dataclass(frozen=True)
class Incoming:
    """An attachment as received, before any check. ``field`` is the input field that carried it."""

    data: bytes
    name: str
    field: str


@dataclass(frozen=True)
class Stored:
    name: str            # storage name
    original_name: str   # shown as image_name
    content_type: str


def max_bytes() -> int:
    return settings.CHAT_ATTACHMENT_MAX_BYTES


def _too_large(field: str) -> ValidationFailed:
    return ValidationFailed(field, f"The attachment is larger than {max_bytes() // (1024 * 1024)} MB "
                                   f"({max_bytes()} bytes).")


def from_base64(value: str, name: str | None, field: str = "attached_image_string") -> Incoming:
    """A data URL (``data:image/png;base64,...``) or bare base64, as the file-upload guide sends it."""
    text = value.strip()
    match = _DATA_URL.match(text)
    if match:
        text = text[match.end():]
    text = "".join(text.split())  # line-wrapped base64 is common
    # Refused before decoding: a huge string must not be decoded into memory first.
    if len(text) * 3 // 4 > max_bytes() + 3:
        raise _too_large(field)
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed(field, "The attachment is not valid base64 (or a base64 data URL).") from error
    if not data:
        raise ValidationFailed(field, "The attachment is empty.")
    return Incoming(data=data, name=name or "", field=field)


def from_upload(upload: Any, field: str, name: str | None = None) -> Incoming:
    """A file sent with the ``Upload`` scalar (a Django ``UploadedFile``)."""
    size = getattr(upload, "size", None)
    if not hasattr(upload, "read") or size is None:
        raise ValidationFailed(field, "Send the file as a multipart upload (the GraphQL multipart request spec).")
    if size > max_bytes():
        raise _too_large(field)
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise _too_large(field)
    if not data:
        raise ValidationFailed(field, "The attachment is empty.")
    return Incoming(data=data, name=name or getattr(upload, "name", "") or "", field=field)


def store(incoming: Incoming) -> Stored:
    """Checks and writes one attachment; raises ``ValidationFailed`` on ``incoming.field``."""
    if len(incoming.data) > max_bytes():
        raise _too_large(incoming.field)
    kind = sniff(incoming.data)
    if kind is None:
        raise ValidationFailed(incoming.field, f"This file type is not accepted: send {ALLOWED}.")
    content_type, extension = kind
    today = now()
    # The storage name never contains anything the client sent.
    path = f"chat/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    saved = default_storage.save(path, ContentFile(incoming.data))
    return Stored(name=saved, original_name=clean_name(incoming.name, extension), content_type=content_type)


def discard(stored: Stored | None) -> None:
    """Removes a file whose record was not written (the transaction failed after storing it)."""
    if stored is not None:
        default_storage.delete(stored.name)


def signed_token(note_id: int) -> str:
    return downloads.token(DOWNLOAD_KIND, note_id)


def signed_path(note_id: int) -> str:
    return f"{reverse('chat-attachment')}?{urlencode({'token': signed_token(note_id)})}"


def note_id_from_token(token: str) -> int | None:
    """The note id of a valid, unexpired token; None otherwise (the one signing of download links,
    ``apps.uploads.downloads``, with chat's own lifetime)."""
    found = downloads.read_token(token, kind=DOWNLOAD_KIND, max_age=settings.CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS)
    return found[1] if found else None
