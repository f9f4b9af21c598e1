"""The subscription machinery a domain subscription is written with.

A subscription resolver describes *what* to follow in one synchronous function that
runs on a database thread when the client subscribes: it authorizes through the
viewer's selectors (raising ``NotFound``/``Forbidden`` like a query would) and returns
a ``Feed``: the group to listen on, the viewer's scoped queryset the records are re-read
from, and which thin events name a record of the feed. ``watch`` does the rest::

    @strawberry.subscription
    async def userUpdatedSubscription(self, info: Info, id: strawberry.ID | None = None
                                      ) -> AsyncGenerator[UserType, None]:
        async for user in watch(info.context.viewer, _user_feed, id):
            yield user

Every event is authorized again: the record is re-read through ``Feed.records``, so a
record that left the viewer's scope since subscribing is not sent, and what is sent is
never a copy of someone else's view. Subscribers whose scoped query compiles to the same
SQL share one read per event (``SharedReads``), and then also one GraphQL execution
(``schema.realtime.fanout``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

from apps.accounts.viewer import AUTHENTICATED, Viewer
from apps.core.errors import DomainError
from apps.core.lookup import parse_id
from schema.errors import graphql_error
from schema.realtime.hub import hub, shared_reads
from schema.realtime.session import run_db

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ThinEvent:
    """A committed domain event as published by ``apps.events.publish.message_for``: ids only."""

    id: Any
    type: str
    resource_id: str
    resource_id_type: str
    changed_fields: tuple[str, ...]

    @classmethod
    def of(cls, message: Mapping[str, Any]) -> ThinEvent:
        return cls(
            id=message.get("event_id"),
            type=str(message.get("event_type") or ""),
            resource_id=str(message.get("resource_id") or ""),
            resource_id_type=str(message.get("resource_id_type") or ""),
            changed_fields=tuple(message.get("changed_fields") or ()),
        )

    def names(self, resource_id_type: str, resource_id: object | None = None) -> bool:
        """Whether the event is about a ``resource_id_type`` (with this id, when given)."""
        return self.resource_id_type == resource_id_type and (
            resource_id is None or self.resource_id == str(resource_id))

    @property
    def action(self) -> str:
        """``updated`` for ``patient.updated``."""
        return self.type.rpartition(".")[2]


@dataclass(frozen=True)
class Feed(Generic[M]):
    """What one subscription follows.

    ``records`` is the viewer's selector queryset (narrowed as the subscription allows,
    with the relations its type shows joined: fields resolve on the event loop, where lazy
    loads are not allowed). For every event on ``group`` that ``accepts`` says is about
    a record of the feed, that record is re-read as ``records.filter(pk=event.resource_id)``.
    """

    group: str
    records: QuerySet[M]
    accepts: Callable[[ThinEvent], bool]


def _open(open_feed: Callable[..., Feed[M]], viewer: Viewer, args: tuple) -> tuple[Feed[M], tuple]:
    viewer.require(AUTHENTICATED)
    feed = open_feed(viewer, *args)
    # Compiled here, on the database thread: compiling may need the connection. Identical
    # SQL and parameters mean identical visibility, which is what makes a read shareable.
    sql, params = feed.records.query.sql_with_params()
    return feed, (sql, tuple(params))


def _first(records: QuerySet[M], pk: int) -> M | None:
    return records.filter(pk=pk).first()


async def watch(viewer: Viewer, open_feed: Callable[..., Feed[M]], *args: Any) -> AsyncIterator[M]:
    """Yields each record of the feed ``open_feed(viewer, *args)`` describes, fresh, as events arrive.

    ``open_feed`` runs on a database thread at subscribe time and raises a domain error
    when the viewer may not follow what was asked; the error ends the subscription as a
    top-level GraphQL error with its ``extensions.code``, on every transport.
    """
    try:
        feed, scope_key = await run_db(_open, open_feed, viewer, args)
    except DomainError as error:
        # schema.errors.ErrorFormatter formats an operation's result once, not each result a
        # subscription streams: map here, so every transport sends the same error.
        raise graphql_error(error) from error
    async with hub().listen(feed.group) as messages:
        while True:
            event = ThinEvent.of(await messages.get())
            pk = parse_id(event.resource_id)
            if pk is None or not feed.accepts(event):
                continue
            # Not visible any more: nothing is sent.
            fresh = await shared_reads().get((event.id, scope_key, pk),
                                             lambda pk=pk: run_db(_first, feed.records, pk))
            if fresh is not None:
                yield fresh
