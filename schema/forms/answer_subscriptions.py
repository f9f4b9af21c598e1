"""formAnswerGroupModifiedSubscription (machinery and authorization model: ``schema.realtime.watch``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from apps.accounts.viewer import Viewer
from apps.forms.models import FormAnswerGroup
from apps.forms.selectors.answers import answer_group_get, visible_answer_groups
from schema.context import Info
from schema.forms.answer_types import FormAnswerGroupType
from schema.realtime.groups import organization_group
from schema.realtime.watch import Feed, ThinEvent, watch


def _group_feed(viewer: Viewer, id: object) -> Feed[FormAnswerGroup]:
    group = answer_group_get(viewer, id)
    # Fields resolve on the event loop: the relations the type shows are joined here.
    records = visible_answer_groups(viewer).select_related("custom_module_form", "user", "filler", "locked_by")

    def accepts(event: ThinEvent) -> bool:
        return event.names("FormAnswerGroup", group.pk) and event.action != "created"

    return Feed(group=organization_group(group.organization_id), records=records, accepts=accepts)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes the filled-out form each time it changes (answers edited, "
                                         "locked, signed). Stops sending once it is deleted or no longer visible.")
    async def formAnswerGroupModifiedSubscription(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None
    ) -> AsyncGenerator[FormAnswerGroupType, None]:
        async for group in watch(info.context.viewer, _group_feed, id):
            yield group
