"""Signed, expiring download links for stored files, whatever record holds them.

A link names a *kind* (``"forms.answer_file"``) and a record id, signed with the server's key.
Each app registers, once, how a kind finds its file (``register``); the view
``/files?token=...`` (``apps.uploads.views.download``) checks the signature and the age, then
asks the kind again, so a record removed after the link was handed out is gone at once. Links
are handed out only by type fields that read through the viewer's selector: the link is the
credential, because browsers load ``<img src>`` without the API key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "uploads.download"


@dataclass(frozen=True)
class StoredFile:
    name: str          # storage name
    filename: str      # shown to the client (Content-Disposition)
    content_type: str


_KINDS: dict[str, Callable[[int], StoredFile | None]] = {}


def register(kind: str, find: Callable[[int], StoredFile | None]) -> None:
    """``find(record id)`` answers the record's file, or None when it is gone."""
    _KINDS[kind] = find


def token(kind: str, record_id: int) -> str:
    return signing.dumps({"k": kind, "i": record_id}, salt=SALT)


def signed_path(kind: str, record_id: int) -> str:
    return f"{reverse('uploads-download')}?{urlencode({'token': token(kind, record_id)})}"


def read_token(value: str, *, kind: str | None = None, max_age: int | None = None) -> tuple[str, int] | None:
    """(kind, record id) of a valid, unexpired token (of ``kind`` when given); None otherwise."""
    try:
        data = signing.loads(value, salt=SALT, max_age=max_age or settings.FILE_URL_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    found_kind, record_id = data.get("k"), data.get("i")
    if not isinstance(found_kind, str) or not isinstance(record_id, int) or (kind and found_kind != kind):
        return None
    return found_kind, record_id


def resolve(value: str) -> StoredFile | None:
    parsed = read_token(value)
    if parsed is None or parsed[0] not in _KINDS:
        return None
    return _KINDS[parsed[0]](parsed[1])
