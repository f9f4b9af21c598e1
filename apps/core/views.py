from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Unauthenticated liveness and readiness: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # the point is to report it, not to raise
        database = "unavailable"
    status = "ok" if database == "ok" else "degraded"
    return JsonResponse(
        {"status": status, "time": timezone.now().isoformat(), "version": settings.VERSION, "database": database},
        status=200 if status == "ok" else 503,
    )
