"""Direct uploads, ActiveStorage style: declare, PUT, attach once.

1. ``direct_upload_create`` (called by a domain's ``create…UploadUrl`` service) checks the declared
   filename, byte size, base64 MD5 checksum and content type and answers the signed PUT URL and
   the headers the client must send with it.
2. ``direct_upload_receive`` (the PUT view) stores the body only when its size, MD5, content type
   header and sniffed type all match the declaration, and only once.
3. ``direct_upload_consume`` (called by a domain's ``create…FileAttachment`` service, inside its
   transaction) hands the stored file over exactly once, to the uploader, for the record the
   upload was asked for.

The PUT URL carries a signed upload id and expires after ``DIRECT_UPLOAD_MAX_AGE_SECONDS``, like
the upload itself; it is the only credential of the PUT (the client may be a browser holding
no API key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from apps.accounts.viewer import Viewer
from apps.core import jobs
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.core.jobs.models import Job
from apps.core.lookup import parse_id
from apps.core.timefmt import now
from apps.uploads import files
from apps.uploads.models import DirectUpload

PUT_SALT = "uploads.direct"
EXPIRE_KIND = "uploads.expire"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class UploadRequest:
    """What the client declares before sending the bytes (the reference's UploadUrl inputs)."""

    filename: str | None = None
    byte_size: int | None = None
    checksum: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class UploadTicket:
    upload: DirectUpload
    path: str                         # the PUT URL's path; the resolver makes it absolute
    headers: tuple[tuple[str, str], ...]


def max_bytes() -> int:
    return settings.DIRECT_UPLOAD_MAX_BYTES


def _checksum_ok(value: str) -> bool:
    try:
        return len(value) == 24 and len(base64.b64decode(value, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def _declared(data: UploadRequest) -> tuple[str, int, str, str]:
    problems = Collector()
    raw_name = data.filename or ""
    # Other control characters and lone surrogates are dropped from the shown name (files.clean_name).
    filename = files.clean_name(raw_name, "bin") if raw_name.strip() else ""
    if "\x00" in raw_name:
        problems.add("filename", "'filename' contains a character that is not allowed.")
    elif not filename:
        problems.add("filename", "'filename' (the file's name) is required.")
    size = data.byte_size
    if size is None or size <= 0:
        problems.add("byte_size", "'byte_size' must be the file's size in bytes (more than 0).")
    elif size > max_bytes():
        problems.add("byte_size", f"The file is larger than {max_bytes() // (1024 * 1024)} MB ({max_bytes()} bytes).")
    checksum = (data.checksum or "").strip()
    if not _checksum_ok(checksum):
        problems.add("checksum", "'checksum' must be the base64 MD5 digest of the file (24 characters).")
    content_type = (data.content_type or "").strip().lower()
    if content_type not in files.CONTENT_TYPES:
        problems.add("content_type", f"This file type is not accepted: send {files.ALLOWED}.")
    problems.raise_if_any()
    return filename, int(size or 0), checksum, content_type


@transaction.atomic
def direct_upload_create(*, viewer: Viewer, purpose: str, target_id: int, data: UploadRequest) -> UploadTicket:
    """A new upload of ``viewer`` for (purpose, target); the caller has checked the target. A job
    removes it, and its file, when it expires unattached."""
    filename, size, checksum, content_type = _declared(data)
    upload = DirectUpload.objects.create(
        organization_id=viewer.organization_id, user_id=viewer.user_id, purpose=purpose, target_id=target_id,
        filename=filename, byte_size=size, checksum=checksum, content_type=content_type,
        expires_at=now() + timedelta(seconds=settings.DIRECT_UPLOAD_MAX_AGE_SECONDS),
    )
    jobs.enqueue(EXPIRE_KIND, {"upload_id": upload.pk}, run_at=upload.expires_at, subject=f"upload:{upload.pk}",
                 organization_id=upload.organization_id)
    token = signing.dumps({"u": upload.pk}, salt=PUT_SALT)
    return UploadTicket(upload=upload, path=f"{reverse('uploads-direct')}?{urlencode({'token': token})}",
                        headers=(("Content-Type", content_type), ("Content-MD5", checksum)))


class Refused(Exception):
    """A PUT the server does not store; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _read(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, so a body longer than declared is noticed without reading it all."""
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _token_upload_id(token: str) -> int:
    try:
        signed = signing.loads(token, salt=PUT_SALT, max_age=settings.DIRECT_UPLOAD_MAX_AGE_SECONDS)
    except signing.BadSignature as error:
        raise Refused(404, "Unknown or expired upload URL: ask for a new one.") from error
    upload_id = signed.get("u") if isinstance(signed, dict) else None
    if not isinstance(upload_id, int):
        raise Refused(404, "Unknown or expired upload URL: ask for a new one.")
    return upload_id


def _open(upload: DirectUpload | None) -> DirectUpload:
    if upload is None or upload.expires_at <= now():
        raise Refused(404, "Unknown or expired upload URL: ask for a new one.")
    if upload.file or upload.consumed_at is not None:
        raise Refused(409, "This upload already has its file: ask for a new upload URL to send another.")
    return upload


def direct_upload_receive(*, token: str, content_type: str, content_md5: str | None,
                          content_length: int | None, stream: BinaryIO) -> DirectUpload:
    """Stores the PUT body of the upload the token names, or raises ``Refused``.

    Everything is checked before the bytes are read, the bytes are read (at most one byte past
    the declared size) outside any transaction, so a slow client holds no row lock; the row is
    locked only to record the stored file, and a concurrent PUT that stored first wins.
    """
    upload_id = _token_upload_id(token)
    if content_length is not None and content_length > max_bytes():
        raise Refused(413, f"The body is larger than {max_bytes()} bytes.")
    upload = _open(DirectUpload.objects.filter(pk=upload_id).first())
    if content_length is not None and content_length != upload.byte_size:
        raise Refused(413 if content_length > upload.byte_size else 400,
                      f"The body must be exactly byte_size ({upload.byte_size}) bytes.")
    if content_type.split(";", 1)[0].strip().lower() != upload.content_type:
        raise Refused(400, f"Send the header Content-Type: {upload.content_type}, as declared.")
    if content_md5 is not None and content_md5.strip() != upload.checksum:
        raise Refused(400, "The Content-MD5 header does not match the declared checksum.")
    data = _read(stream, upload.byte_size)
    if len(data) > upload.byte_size:
        raise Refused(413, f"The body is longer than byte_size ({upload.byte_size}) bytes.")
    if len(data) != upload.byte_size:
        raise Refused(400, f"The body must be exactly byte_size ({upload.byte_size}) bytes.")
    if base64.b64encode(hashlib.md5(data).digest()).decode() != upload.checksum:  # noqa: S324 (integrity, not security)
        raise Refused(400, "The body does not match the declared checksum (base64 MD5).")
    kind = files.sniff(data)
    if kind is None or kind[0] != upload.content_type:
        raise Refused(400, f"The bytes are not a {upload.content_type} file.")
    today = now()
    # The storage name never contains anything the client sent.
    saved = default_storage.save(f"uploads/{today:%Y/%m}/{uuid.uuid4().hex}.{kind[1]}", ContentFile(data))
    try:
        with transaction.atomic():
            upload = _open(DirectUpload.objects.select_for_update().filter(pk=upload_id).first())
            upload.file = saved
            upload.uploaded_at = today
            upload.save(update_fields=["file", "uploaded_at"])
    except BaseException:
        default_storage.delete(saved)
        raise
    return upload


def direct_upload_consume(*, viewer: Viewer, raw_upload_id: object, purpose: str, target_id: int,
                          field: str = "upload_id") -> DirectUpload:
    """The viewer's uploaded, unexpired, unused upload asked for (purpose, target), now used.

    Must run inside the caller's transaction: the row is locked and marked consumed there, so a
    rolled-back attach leaves the upload usable and two attaches of one upload cannot both win.
    Another user's or organization's upload answers exactly like a missing one.
    """
    pk = parse_id(raw_upload_id)
    upload = (DirectUpload.objects.select_for_update()
              .filter(pk=pk, organization_id=viewer.organization_id, user_id=viewer.user_id).first()
              if pk and viewer.user_id else None)
    if upload is None or upload.purpose != purpose or upload.target_id != target_id:
        raise NotFound(field, "Upload not found.")
    if upload.consumed_at is not None:
        raise ValidationFailed(field, "This upload is already attached: ask for a new upload URL.")
    if upload.expires_at <= now():
        raise ValidationFailed(field, "This upload expired: ask for a new upload URL.")
    if not upload.file:
        raise ValidationFailed(field, "The file has not been uploaded yet: PUT it to upload_url first.")
    upload.consumed_at = now()
    upload.save(update_fields=["consumed_at"])
    jobs.cancel(subject=f"upload:{upload.pk}", kinds=[EXPIRE_KIND])
    return upload


def expire(job: Job) -> None:
    """The expiry job: an upload never attached is removed, its stored file after commit."""
    with transaction.atomic():
        upload = DirectUpload.objects.select_for_update().filter(pk=job.payload.get("upload_id")).first()
        if upload is None or upload.consumed_at is not None:
            return
        name = upload.file.name if upload.file else ""
        upload.delete()
        if name:
            transaction.on_commit(lambda: default_storage.delete(name))


def register() -> None:
    jobs.register_kind(EXPIRE_KIND, expire)
