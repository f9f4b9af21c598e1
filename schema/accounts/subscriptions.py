"""Account subscriptions (machinery and authorization model: ``schema.realtime.watch``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from apps.accounts.models import User
from apps.accounts.selectors import visible_users
from apps.accounts.viewer import Viewer
from apps.core.lookup import get_visible
from schema.accounts.types import UserType
from schema.context import Info
from schema.realtime.groups import user_group
from schema.realtime.watch import Feed, ThinEvent, watch


def _user_feed(viewer: Viewer, id: object) -> Feed[User]:
    users = visible_users(viewer).select_related("organization", "user_group", "dietitian")
    user = get_visible(users, viewer.user_id if id in (None, "") else id, "User")

    def accepts(event: ThinEvent) -> bool:
        return event.names("User", user.pk) and event.action == "updated"

    return Feed(group=user_group(user.pk), records=users, accepts=accepts)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes the user each time it is updated (patient.updated and user "
                                         "changes). Without id: the authenticated user.")
    async def userUpdatedSubscription(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None
    ) -> AsyncGenerator[UserType, None]:
        async for user in watch(info.context.viewer, _user_feed, id):
            yield user
