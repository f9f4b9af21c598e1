"""Chat subscriptions of conversations and memberships (machinery: ``schema.realtime.watch``).

Only members receive: each feed's records are the subscriber's own memberships (or the
conversations they are a member of) that are not archived, re-read per event, so a member
who archives the conversation or is removed from it stops receiving with the next event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from apps.accounts.viewer import Viewer
from apps.chat.models import Conversation, ConversationMembership
from apps.chat.selectors.conversations import member_conversations, own_live_memberships
from apps.core.lookup import get_visible
from schema.chat.types import ConversationMembershipType, ConversationType
from schema.context import Info
from schema.realtime.groups import conversation_group, user_group
from schema.realtime.watch import Feed, ThinEvent, watch

MEMBERSHIP_UPDATES = {"conversation_membership.updated", "conversation_membership.viewed"}


def _conversation_feed(viewer: Viewer, id: object) -> Feed[Conversation]:  # noqa: A002
    conversations = member_conversations(viewer).select_related("owner", "closed_by", "last_note")
    conversation = get_visible(conversations, id, "Conversation")

    def accepts(event: ThinEvent) -> bool:
        return event.names("Conversation", conversation.pk)

    return Feed(group=conversation_group(conversation.pk), records=conversations, accepts=accepts)


def _own_memberships(viewer: Viewer):
    return own_live_memberships(viewer).select_related("conversation", "creator")


def _added_feed(viewer: Viewer, notes_type: object) -> Feed[ConversationMembership]:
    def accepts(event: ThinEvent) -> bool:
        return event.names("ConversationMembership") and event.type == "conversation_membership.created"

    return Feed(group=user_group(viewer.user_id), records=_own_memberships(viewer), accepts=accepts)


def _updated_feed(viewer: Viewer, notes_type: object) -> Feed[ConversationMembership]:
    def accepts(event: ThinEvent) -> bool:
        return event.names("ConversationMembership") and event.type in MEMBERSHIP_UPDATES

    return Feed(group=user_group(viewer.user_id), records=_own_memberships(viewer), accepts=accepts)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Pushes the conversation each time it changes (members, name, closing, "
                                         "a new note). Members only; stops while the member has it archived.")
    async def conversationChangedSubscription(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None  # noqa: A002
    ) -> AsyncGenerator[ConversationType, None]:
        async for conversation in watch(info.context.viewer, _conversation_feed, id):
            yield conversation

    @strawberry.subscription(description="Pushes the caller's new membership each time they are added to a "
                                         "conversation. notesType is accepted and does not narrow the feed.")
    async def conversationMembershipAddedSubscription(  # noqa: N802
        self, info: Info, notesType: str | None = None  # noqa: N803
    ) -> AsyncGenerator[ConversationMembershipType, None]:
        async for membership in watch(info.context.viewer, _added_feed, notesType):
            yield membership

    @strawberry.subscription(description="Pushes the caller's membership each time it changes (a new note makes "
                                         "it unread, viewed, renamed). Archived memberships are not pushed.")
    async def conversationMembershipUpdatedSubscription(  # noqa: N802
        self, info: Info, notesType: str | None = None  # noqa: N803
    ) -> AsyncGenerator[ConversationMembershipType, None]:
        async for membership in watch(info.context.viewer, _updated_feed, notesType):
            yield membership
