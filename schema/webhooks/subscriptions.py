"""GraphQL subscriptions fed by committed domain events (``webhooks.realtime``).

Authorization happens twice: when subscribing (the record must be readable through
the viewer's selector) and for every event (the record is re-read through the same
selector, so a viewer who lost access stops receiving it and nobody ever receives
data they could not query).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from apps.accounts.models import User
from apps.accounts.selectors import parse_id, user_get
from apps.accounts.viewer import Viewer
from apps.core.errors import AccessError, NotFound, Unauthenticated
from schema.accounts.types import UserType
from schema.context import Info
from schema.realtime import run_db
from webhooks.realtime import MESSAGE_TYPE, user_group


def _read_user(viewer: Viewer, user_id: object) -> User:
    user = user_get(viewer, user_id)
    # Relations the User type commonly shows are loaded here, in the worker thread,
    # because the subscription resolves fields on the event loop.
    return User.objects.select_related("organization", "user_group", "dietitian").get(pk=user.pk)


def coded(error: AccessError) -> GraphQLError:
    """Subscription results bypass the schema's error formatter; give the error its code here."""
    return GraphQLError(str(error), extensions={"code": error.code})


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes the user each time it is updated (patient.updated and user "
                                         "changes). Without id: the authenticated user.")
    async def userUpdatedSubscription(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None
    ) -> AsyncGenerator[UserType, None]:
        viewer = info.context.viewer
        try:
            if not viewer.is_authenticated:
                raise Unauthenticated()
            target = parse_id(id) if id not in (None, "") else viewer.user_id
            if target is None:
                raise NotFound("User not found.")
            user = await run_db(_read_user, viewer, target)
        except AccessError as error:
            raise coded(error) from error
        async with info.context.ws.listen_to_channel(MESSAGE_TYPE, groups=[user_group(user.pk)]) as messages:
            async for message in messages:
                if message.get("resource_id_type") != "User" or str(message.get("resource_id")) != str(user.pk):
                    continue
                if not str(message.get("event_type", "")).endswith(".updated"):
                    continue
                try:
                    fresh = await run_db(_read_user, viewer, user.pk)
                except NotFound:
                    continue  # no longer visible to this viewer: nothing is sent
                yield fresh
