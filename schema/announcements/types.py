"""GraphQL type of announcements."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import auto

from apps.announcements import models
from apps.core.timefmt import format_datetime


@strawberry_django.type(models.Announcement, name="Announcement")
class AnnouncementType:
    id: strawberry.ID
    title: auto
    description: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.Announcement) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Announcement) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.Announcement) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_id)) if root.user_id else None
