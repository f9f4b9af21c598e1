"""The PUT of a direct upload (``/uploads/direct?token=<signed id>``) and signed downloads (``/files?token=``).

Neither needs an API key: the signed, expiring URL is the credential. Refusals are the API's JSON
error documents; nothing is stored unless every declared property matches.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import ErrorCode
from apps.core.fault_responses import json_error
from apps.uploads import downloads, services

_CODES = {400: ErrorCode.BAD_REQUEST, 404: ErrorCode.NOT_FOUND, 409: ErrorCode.BAD_REQUEST,
          413: ErrorCode.PAYLOAD_TOO_LARGE}


def _length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


@require_http_methods(["PUT"])
def direct_upload(request: HttpRequest) -> HttpResponse:
    # The token travels as ``?token=`` so the server logs' redaction (apps.core.logsafety) hides it.
    try:
        services.direct_upload_receive(
            token=request.GET.get("token", ""), content_type=request.META.get("CONTENT_TYPE", ""),
            content_md5=request.headers.get("Content-MD5"), content_length=_length(request), stream=request)
    except services.Refused as refused:
        return json_error(refused.status, refused.message, _CODES.get(refused.status, ErrorCode.BAD_REQUEST))
    return HttpResponse(status=204)


def serve(found: downloads.StoredFile | None) -> HttpResponse:
    """The file as a download response (every signed-link view ends here), or the JSON 404."""
    if found is None or not default_storage.exists(found.name):
        return json_error(404, "Not found (or the link expired).", ErrorCode.NOT_FOUND)
    response = FileResponse(default_storage.open(found.name, "rb"), content_type=found.content_type,
                            as_attachment=found.content_type == "application/pdf", filename=found.filename or None)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def download(request: HttpRequest) -> HttpResponse:
    # In the query string as ``token``, so the server logs' redaction (apps.core.logsafety) hides it.
    return serve(downloads.resolve(request.GET.get("token", "")))
