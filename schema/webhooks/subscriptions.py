"""GraphQL subscriptions fed by committed domain events (``apps.events.publish``).

Authorization happens twice: when subscribing (the record must be readable through
the viewer's selector) and for every event (the record is re-read through the same
selector, so a viewer who lost access stops receiving it and nobody ever receives
data they could not query).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.accounts.selectors import parse_id, visible_users
from apps.accounts.viewer import Viewer
from apps.core.errors import DomainError, NotFound, Unauthenticated
from apps.events.publish import user_group
from schema.accounts.types import UserType
from schema.context import Info
from schema.errors import graphql_error
from schema.hub import hub, shared_reads
from schema.realtime import run_db


def _scoped_user(viewer: Viewer, user_id: object) -> tuple[QuerySet[User], tuple[str, tuple]]:
    """The viewer's selector narrowed to one user, and its compiled SQL (the sharing key).

    Relations the User type commonly shows are joined here because the subscription
    resolves fields on the event loop, where lazy loads are not allowed.
    """
    pk = parse_id(user_id)
    qs = visible_users(viewer).select_related("organization", "user_group", "dietitian").filter(pk=pk or 0)
    sql, params = qs.query.sql_with_params()
    return qs, (sql, tuple(params))


def _first(qs: QuerySet[User]) -> User | None:
    return qs.all().first()


def _subscribe_user(viewer: Viewer, user_id: object) -> tuple[User, QuerySet[User], tuple[str, tuple]]:
    qs, key = _scoped_user(viewer, user_id)
    user = _first(qs)
    if user is None:
        raise NotFound(message="User not found.")
    return user, qs, key


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
                raise NotFound(message="User not found.")
            user, scoped, key = await run_db(_subscribe_user, viewer, target)
        except DomainError as error:
            raise graphql_error(error) from error
        async with hub().listen(user_group(user.pk)) as messages:
            while True:
                message = await messages.get()
                if message.get("resource_id_type") != "User" or str(message.get("resource_id")) != str(user.pk):
                    continue
                if not str(message.get("event_type", "")).endswith(".updated"):
                    continue
                # Re-read through the selector for this event; viewers whose scoped query is
                # identical share one read. Not visible any more: nothing is sent.
                fresh = await shared_reads().get((message.get("event_id"), key), lambda: run_db(_first, scoped))
                if fresh is not None:
                    yield fresh
