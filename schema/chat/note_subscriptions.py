"""noteAddedSubscription: every note delivered to a conversation, for its active members.

Built from the same pieces as ``schema.realtime.watch`` (the hub's group listener, shared reads,
a domain error at subscribe time mapped like every transport expects), with one difference
that matters at scale: ``watch`` re-reads through the viewer's selector, so each subscriber's
read is its own query. Here every subscriber of a conversation may see exactly the same
notes (see ``apps.chat.selectors.notes.live_member_ids``), so each event costs two shared
reads for the whole process, whatever the number of subscribers: the note, and the set of
members who have not archived the conversation. Each subscriber is checked against that set
per event, so a member who is removed or archives the conversation gets nothing from then on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from apps.accounts.viewer import AUTHENTICATED, Viewer
from apps.chat.models import ConversationMembership, Note
from apps.chat.selectors.conversations import visible_conversations
from apps.chat.selectors.notes import live_member_ids, live_note
from apps.core.errors import DomainError, NotFound
from apps.core.lookup import get_visible, parse_id
from apps.events.groups import conversation_group
from schema.chat.note_types import NoteType
from schema.context import Info
from schema.errors import graphql_error
from schema.realtime.hub import hub, shared_reads
from schema.realtime.session import run_db
from schema.realtime.watch import ThinEvent


def _authorize(viewer: Viewer, conversation_id: object) -> int:
    viewer.require(AUTHENTICATED)
    conversation = get_visible(visible_conversations(viewer), conversation_id, "Conversation",
                               field="conversationId")
    if not ConversationMembership.objects.filter(conversation=conversation, user_id=viewer.user_id).exists():
        raise NotFound("conversationId", "Conversation not found.")
    return conversation.pk


async def notes_added(viewer: Viewer, conversation_id: object) -> AsyncGenerator[Note, None]:
    try:
        conversation = await run_db(_authorize, viewer, conversation_id)
    except DomainError as error:
        raise graphql_error(error) from error
    async with hub().listen(conversation_group(conversation)) as messages:
        while True:
            event = ThinEvent.of(await messages.get())
            pk = parse_id(event.resource_id)
            if pk is None or not event.names("Note") or event.action != "created":
                continue
            members = await shared_reads().get(("chat.live_members", event.id, conversation),
                                               lambda: run_db(live_member_ids, conversation))
            if viewer.user_id not in members:
                continue
            note = await shared_reads().get(("chat.live_note", event.id, pk),
                                            lambda pk=pk: run_db(live_note, conversation, pk))
            if note is not None:
                yield note


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes each note delivered to the conversation (members only; "
                                         "stops for a member who leaves or archives it).")
    async def noteAddedSubscription(  # noqa: N802
        self, info: Info, conversationId: str | None = None,  # noqa: N803
        sortBy: Annotated[str | None, strawberry.argument(deprecation_reason="Not used")  # noqa: N803
                          ] = "created_at_desc",
    ) -> AsyncGenerator[NoteType, None]:
        async for note in notes_added(info.context.viewer, conversationId):
            yield note
