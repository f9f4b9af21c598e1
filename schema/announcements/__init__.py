"""Provider announcements: the documented example of cursor pagination."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import UNSET, auto

from apps.announcements import models, selectors, services
from apps.core.timefmt import format_datetime
from schema.context import Info
from schema.errors import FieldErrorType
from schema.pagination import by_id, paginate
from schema.payloads import attempt, provided
from schema.permissions import require_member, require_viewer


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


@strawberry.input(name="createAnnouncementInput")
class CreateAnnouncementInput:
    title: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(name="updateAnnouncementInput")
class UpdateAnnouncementInput:
    id: strawberry.ID | None = UNSET
    title: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(name="deleteAnnouncementInput")
class DeleteAnnouncementInput:
    id: strawberry.ID | None = UNSET


@strawberry.type(name="AnnouncementPayload")
class AnnouncementPayload:
    announcement: AnnouncementType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type
class Query:
    @strawberry.field(description="Announcements, newest first; cursor pagination with after.")
    def announcements(
        self, info: Info, offset: int | None = None, page_size: int | None = None, after: str | None = None,
        should_paginate: bool | None = None, keywords: str | None = None,
    ) -> list[AnnouncementType]:
        viewer = require_viewer(info)
        return paginate(selectors.announcements_filter(viewer, keywords=keywords), info, sort=by_id(),
                        offset=offset, page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def announcementsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.announcements_filter(require_viewer(info), keywords=keywords).count()

    @strawberry.field
    def announcement(self, info: Info, id: strawberry.ID | None = None) -> AnnouncementType | None:
        return selectors.announcement_get(require_viewer(info), id)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def createAnnouncement(  # noqa: N802
        self, info: Info, input: CreateAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        viewer = require_member(info)
        values = provided(input)
        item, messages = attempt(lambda: services.announcement_create(
            viewer, title=values.get("title"), description=values.get("description")))
        return AnnouncementPayload(announcement=item, messages=messages)

    @strawberry.mutation
    def updateAnnouncement(  # noqa: N802
        self, info: Info, input: UpdateAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        viewer = require_member(info)
        values = provided(input)
        item, messages = attempt(lambda: services.announcement_update(
            viewer, announcement_id=values.get("id"), title=values.get("title"),
            description=values.get("description")))
        return AnnouncementPayload(announcement=item, messages=messages)

    @strawberry.mutation
    def deleteAnnouncement(  # noqa: N802
        self, info: Info, input: DeleteAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        viewer = require_member(info)
        item, messages = attempt(lambda: services.announcement_delete(
            viewer, announcement_id=provided(input).get("id")))
        return AnnouncementPayload(announcement=item, messages=messages)
