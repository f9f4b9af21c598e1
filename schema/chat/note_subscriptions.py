"""noteAddedSubscription (machinery and authorization model: ``schema.realtime.watch``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from apps.accounts.viewer import Viewer
from apps.chat.models import ConversationMembership, Note
from apps.chat.selectors.notes import live_notes, visible_conversations
from apps.core.errors import NotFound
from apps.core.lookup import get_visible
from apps.events.groups import conversation_group
from schema.chat.note_types import NoteType
from schema.context import Info
from schema.realtime.watch import Feed, ThinEvent, watch


def _note_feed(viewer: Viewer, conversation_id: object) -> Feed[Note]:
    conversation = get_visible(visible_conversations(viewer), conversation_id, "Conversation",
                               field="conversationId")
    if not ConversationMembership.objects.filter(conversation=conversation, user_id=viewer.user_id).exists():
        raise NotFound("conversationId", "Conversation not found.")
    # Re-read per event: a member removed or archiving the conversation gets nothing from then on.
    records = live_notes(viewer, conversation.pk).select_related("user", "on_behalf_user")

    def accepts(event: ThinEvent) -> bool:
        return event.names("Note") and event.action == "created"

    return Feed(group=conversation_group(conversation.pk), records=records, accepts=accepts)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes each note delivered to the conversation (members only; "
                                         "stops for a member who leaves or archives it).")
    async def noteAddedSubscription(  # noqa: N802
        self, info: Info, conversationId: str | None = None,  # noqa: N803
        sortBy: Annotated[str | None, strawberry.argument(deprecation_reason="Not used")  # noqa: N803
                          ] = "created_at_desc",
    ) -> AsyncGenerator[NoteType, None]:
        async for note in watch(info.context.viewer, _note_feed, conversationId):
            yield note
