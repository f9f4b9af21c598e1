"""Attachment downloads by signed, expiring link (``apps.chat.services.attachments.signed_path``),
``/chat/attachments?token=<signed note id>``.

The link is the credential: browsers load ``<img src>`` without the API key, so the
Note type hands the link only to callers who may see the note, and the link expires after
``CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS``. A deleted note's attachment is gone at once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.chat.models import Note
from apps.chat.services.attachments import note_id_from_token
from apps.uploads.downloads import StoredFile
from apps.uploads.views import serve


@require_GET
def attachment(request: HttpRequest) -> HttpResponse:
    # In the query string as ``token``, so the server logs' redaction (apps.core.logsafety) hides it.
    note_id = note_id_from_token(request.GET.get("token", ""))
    note = (Note.objects.filter(pk=note_id, deleted_at__isnull=True).exclude(attachment="")
            .only("attachment", "attachment_name", "attachment_content_type").first() if note_id else None)
    if note is None:
        return serve(None)
    return serve(StoredFile(name=note.attachment.name, filename=note.attachment_name,
                            content_type=note.attachment_content_type or "application/octet-stream"))
