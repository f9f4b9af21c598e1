"""Chat queries (conversations, memberships, chat settings): scoped reads through the chat selectors."""

from __future__ import annotations

import strawberry

from apps.chat.selectors import conversations as selectors
from apps.chat.selectors.conversations import MembershipFilter
from apps.core.errors import NotFound
from apps.core.lookup import parse_id
from apps.core.ordering import SortKey
from schema.chat.types import ChatSettingType, ConversationMembershipType, ConversationType
from schema.context import Info
from schema.pagination import paginate

MEMBERSHIP_ID_ORDER = [SortKey("id", False)]


@strawberry.type(name="ConversationMembershipsAllCounts")
class ConversationMembershipsAllCounts:
    active_count: int
    archived_count: int
    closed_count: int
    scheduled_count: int


def _filter(client_id, provider_id, provider_ids, keywords, read_status, conversation_type, notes_type,
            only_include_shared_memberships, org_chat) -> MembershipFilter:
    return MembershipFilter(client_id=client_id, provider_id=provider_id, provider_ids=provider_ids,
                            keywords=keywords, read_status=read_status, conversation_type=conversation_type,
                            notes_type=notes_type, only_include_shared_memberships=only_include_shared_memberships,
                            org_chat=org_chat)


@strawberry.type
class Query:
    @strawberry.field(description="A conversation the caller is a member of (or, for an admin, of their "
                                  "organization). With provider_id, only if that provider is a member too.")
    def conversation(self, info: Info, id: strawberry.ID | None = None,  # noqa: A002
                     provider_id: strawberry.ID | None = None) -> ConversationType | None:
        viewer = info.context.viewer
        conversation = selectors.conversation_get(viewer, id)
        provider_pk = parse_id(provider_id)
        if provider_id not in (None, "") and not conversation.memberships.filter(user_id=provider_pk or 0).exists():
            raise NotFound("id", "Conversation not found.")
        return conversation

    @strawberry.field(description="The caller's conversations (user_id: another user's, for admins), newest "
                                  "activity first.")
    def conversations(self, info: Info, user_id: strawberry.ID | None = None, offset: int | None = None,
                      page_size: int | None = None, should_paginate: bool | None = None,
                      after: str | None = None) -> list[ConversationType]:
        qs = selectors.conversations_filter(info.context.viewer, user_id=user_id)
        return paginate(qs, info, sort=selectors.CONVERSATION_ORDER, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="The caller's membership of conversation id, or a membership by "
                                  "conversation_membership_id.")
    def conversationMembership(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None,  # noqa: A002
        conversation_membership_id: strawberry.ID | None = None,
    ) -> ConversationMembershipType | None:
        viewer = info.context.viewer
        if conversation_membership_id not in (None, ""):
            return selectors.membership_get(viewer, membership_id=conversation_membership_id,
                                            field="conversation_membership_id")
        return selectors.membership_get(viewer, conversation_id=id)

    @strawberry.field(description="The caller's conversation list (see docs/chat-conversations.md for every filter).")
    def conversationMemberships(  # noqa: N802
        self, info: Info,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
        active_status: str | None = None, client_id: str | None = None, conversation_type: str | None = None,
        keywords: str | None = None, notes_type: str | None = None,
        only_include_shared_memberships: bool | None = None, org_chat: bool | None = None,
        provider_id: strawberry.ID | None = None, provider_ids: list[strawberry.ID | None] | None = None,
        read_status: str | None = None, order_by: str | None = None, sort_by: str | None = None,
    ) -> list[ConversationMembershipType]:
        viewer = info.context.viewer
        qs = selectors.memberships_filter(viewer, _filter(
            client_id, provider_id, provider_ids, keywords, read_status, conversation_type, notes_type,
            only_include_shared_memberships, org_chat), active_status=active_status)
        return paginate(qs, info, sort=selectors.membership_order(order_by, sort_by), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="How many memberships conversationMemberships would return with the same filters.")
    def conversationMembershipsCount(  # noqa: N802
        self, info: Info,
        active_status: str | None = None, client_id: str | None = None, conversation_type: str | None = None,
        keywords: str | None = None, notes_type: str | None = None,
        only_include_shared_memberships: bool | None = None, org_chat: bool | None = None,
        provider_id: strawberry.ID | None = None, provider_ids: list[strawberry.ID | None] | None = None,
        read_status: str | None = None,
    ) -> int:
        return selectors.memberships_filter(info.context.viewer, _filter(
            client_id, provider_id, provider_ids, keywords, read_status, conversation_type, notes_type,
            only_include_shared_memberships, org_chat), active_status=active_status).count()

    @strawberry.field(description="Counts of the caller's conversations: active, archived, closed, and those "
                                  "holding the caller's scheduled notes.")
    def conversationMembershipsAllCounts(  # noqa: N802
        self, info: Info,
        client_id: str | None = None, conversation_type: str | None = None, keywords: str | None = None,
        only_include_shared_memberships: bool | None = None, org_chat: bool | None = None,
        provider_id: strawberry.ID | None = None, provider_ids: list[strawberry.ID | None] | None = None,
        read_status: str | None = None,
    ) -> ConversationMembershipsAllCounts:
        counts = selectors.all_counts(info.context.viewer, _filter(
            client_id, provider_id, provider_ids, keywords, read_status, conversation_type, None,
            only_include_shared_memberships, org_chat))
        return ConversationMembershipsAllCounts(**counts)

    @strawberry.field(description="The memberships (invitees) of conversation id.")
    def conversationMembershipInvitees(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None,  # noqa: A002
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[ConversationMembershipType] | None:
        qs = selectors.invitee_memberships(info.context.viewer, id)
        return paginate(qs, info, sort=MEMBERSHIP_ID_ORDER, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="A provider's chat setting: by id, by user_id (admins: any provider of the "
                                  "organization), or the caller's own; null when none was saved.")
    def chatSetting(self, info: Info, id: strawberry.ID | None = None,  # noqa: A002, N802
                    user_id: strawberry.ID | None = None) -> ChatSettingType | None:
        return selectors.chat_setting_for(info.context.viewer, setting_id=id, user_id=user_id)
