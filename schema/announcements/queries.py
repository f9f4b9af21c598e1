"""Announcement queries: the documented example of cursor pagination."""

from __future__ import annotations

import strawberry

from apps.announcements import selectors
from schema.announcements.types import AnnouncementType
from schema.context import Info
from schema.pagination import paginate


@strawberry.type
class Query:
    @strawberry.field(description="Announcements, newest first; cursor pagination with after.")
    def announcements(
        self, info: Info, offset: int | None = None, page_size: int | None = None, after: str | None = None,
        should_paginate: bool | None = None, keywords: str | None = None,
    ) -> list[AnnouncementType]:
        return paginate(selectors.announcements_filter(info.context.viewer, keywords=keywords), info,
                        sort=selectors.ANNOUNCEMENT_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def announcementsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.announcements_filter(info.context.viewer, keywords=keywords).count()

    @strawberry.field
    def announcement(self, info: Info, id: strawberry.ID | None = None) -> AnnouncementType | None:
        return selectors.announcement_get(info.context.viewer, id)
