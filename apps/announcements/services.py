from __future__ import annotations

from django.db import transaction

from apps.accounts.validation import clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.announcements.models import Announcement
from apps.announcements.selectors import announcement_get
from apps.core.errors import Collector

MAX_DESCRIPTION = 10_000
TITLE_LIMIT = Announcement._meta.get_field("title").max_length


def _clean(errors: Collector, title: str | None, description: str | None, *, creating: bool) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    if title is not None or creating:
        value = clean_text(errors, "title", title, required=True, limit=TITLE_LIMIT)
        if value is not None:
            cleaned["title"] = value
    if description is not None:
        if "\x00" in description:
            errors.add("description", "contains a character that is not allowed")
        elif len(description) > MAX_DESCRIPTION:
            errors.add("description", f"is too long (maximum is {MAX_DESCRIPTION} characters)")
        else:
            cleaned["description"] = description.strip()
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def announcement_create(viewer: Viewer, *, title: str | None, description: str | None) -> Announcement:
    viewer.require(MEMBER)
    cleaned = _clean(Collector(), title, description, creating=True)
    return Announcement.objects.create(organization_id=viewer.organization_id, user=viewer.user, **cleaned)


@transaction.atomic
def announcement_update(viewer: Viewer, *, announcement_id: object, title: str | None,
                        description: str | None) -> Announcement:
    viewer.require(MEMBER)
    announcement = announcement_get(viewer, announcement_id)
    cleaned = _clean(Collector(), title, description, creating=False)
    for name, value in cleaned.items():
        setattr(announcement, name, value)
    if cleaned:
        announcement.save()
    return announcement


@transaction.atomic
def announcement_delete(viewer: Viewer, *, announcement_id: object) -> Announcement:
    viewer.require(MEMBER)
    announcement = announcement_get(viewer, announcement_id)
    deleted_id = announcement.pk
    announcement.delete()
    announcement.pk = deleted_id
    return announcement
