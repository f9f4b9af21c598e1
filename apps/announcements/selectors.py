from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.announcements.models import Announcement
from apps.core.errors import NotFound
from apps.core.text import reject_nul


def announcements_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[Announcement]:
    """Everyone in the organization (patients included) reads its announcements."""
    reject_nul(keywords, "keywords")
    if not viewer.is_authenticated:
        return Announcement.objects.none()
    qs = Announcement.objects.filter(organization_id=viewer.organization_id)
    if keywords and keywords.strip():
        qs = qs.filter(title__icontains=keywords.strip()[:100])
    return qs


def announcement_get(viewer: Viewer, announcement_id: object) -> Announcement:
    pk = parse_id(announcement_id)
    found = announcements_filter(viewer).filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound("Announcement not found.")
    return found
