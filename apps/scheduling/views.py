"""The iCalendar feed endpoint: GET /calendar/<token>.ics (the token is the credential)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET

from apps.accounts.viewer import Viewer
from apps.core.crypto import token_hash
from apps.scheduling.ical import provider_calendar
from apps.scheduling.models import CalendarFeed


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = None
    if 0 < len(token) <= 100:
        feed = (CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True,
                                            user__active=True).select_related("user", "created_by").first())
    if feed is None:
        return HttpResponseNotFound("Unknown or revoked calendar feed.", content_type="text/plain")
    creator = Viewer(user=feed.created_by or feed.user)
    body = provider_calendar(feed.user, viewer=creator, domain=request.get_host().split(":")[0] or "careplatform")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
