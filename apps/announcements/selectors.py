from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.viewer import Viewer
from apps.announcements.models import Announcement
from apps.core.lookup import get_visible
from apps.core.ordering import SortKey
from apps.core.text import reject_nul

# Newest first, like the documented example.
ANNOUNCEMENT_SORT = [SortKey("id", True)]


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
    return get_visible(announcements_filter(viewer), announcement_id, "Announcement")
