"""Announcement mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.announcements import services
from schema.announcements.inputs import (
    CreateAnnouncementInput,
    DeleteAnnouncementInput,
    UpdateAnnouncementInput,
    announcement_fields,
    announcement_id,
)
from schema.announcements.payloads import AnnouncementPayload
from schema.context import Info
from schema.payloads import run


@strawberry.type
class Mutation:
    @strawberry.mutation
    def createAnnouncement(  # noqa: N802
        self, info: Info, input: CreateAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        return run(AnnouncementPayload, lambda: services.announcement_create(
            info.context.viewer, **announcement_fields(input)), "announcement")

    @strawberry.mutation
    def updateAnnouncement(  # noqa: N802
        self, info: Info, input: UpdateAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        return run(AnnouncementPayload, lambda: services.announcement_update(
            info.context.viewer, announcement_id=announcement_id(input), **announcement_fields(input)),
            "announcement")

    @strawberry.mutation
    def deleteAnnouncement(  # noqa: N802
        self, info: Info, input: DeleteAnnouncementInput | None = None
    ) -> AnnouncementPayload:
        return run(AnnouncementPayload, lambda: services.announcement_delete(
            info.context.viewer, announcement_id=announcement_id(input)), "announcement")
