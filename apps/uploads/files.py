"""What a stored file may be, shared by every upload path (chat attachments, direct uploads).

The type is sniffed from the bytes; a declared name or content type is never trusted alone.
"""

from __future__ import annotations

import unicodedata

# (magic bytes at offset 0, content type, extension); WebP is checked separately (RIFF....WEBP).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
)
ALLOWED = "PNG, JPEG, GIF or WebP images and PDF documents"
CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the leading bytes, or None for anything not allowed."""
    for magic, content_type, extension in _MAGIC:
        if data.startswith(magic):
            return content_type, extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def clean_name(name: str, extension: str) -> str:
    """A display name safe to echo back: no path, no control characters, at most 255 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '<>"').strip()
    return (base or f"attachment.{extension}")[:255]
