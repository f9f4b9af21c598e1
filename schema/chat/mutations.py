"""Chat mutations (conversations, memberships, chat settings): build the typed input, call one service."""

from __future__ import annotations

import strawberry

from apps.chat.services import conversations, memberships, settings
from schema.chat import inputs
from schema.chat.inputs import (
    CreateChatSettingInput,
    CreateConversationInput,
    DeleteConversationMembershipInput,
    UpdateChatSettingInput,
    UpdateConversationInput,
    UpdateConversationMembershipInput,
)
from schema.chat.payloads import (
    CreateChatSettingPayload,
    CreateConversationPayload,
    DeleteConversationMembershipPayload,
    UpdateChatSettingPayload,
    UpdateConversationMembershipPayload,
    UpdateConversationPayload,
)
from schema.context import Info
from schema.payloads import provided, run


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates a conversation with the users and groups of simple_added_users "
                                     "(doc_share_ids); the owner (default: the caller) is always a member.")
    def createConversation(self, info: Info, input: CreateConversationInput | None = None  # noqa: N802
                           ) -> CreateConversationPayload:
        return run(CreateConversationPayload, lambda: conversations.conversation_create(
            info.context.viewer, inputs.new_conversation(input)), "conversation")

    @strawberry.mutation(description="Renames, closes (closed_by_id: the caller's id) or replaces the members of a "
                                     "conversation: members not in simple_added_users are removed, except the owner.")
    def updateConversation(self, info: Info, input: UpdateConversationInput | None = None  # noqa: N802
                           ) -> UpdateConversationPayload:
        return run(UpdateConversationPayload, lambda: conversations.conversation_update(
            info.context.viewer, conversation_id=provided(input).get("id"),
            changes=inputs.conversation_changes(input)), "conversation")

    @strawberry.mutation(description="Marks the caller's membership viewed or unread, archives it, or names it.")
    def updateConversationMembership(  # noqa: N802
        self, info: Info, input: UpdateConversationMembershipInput | None = None
    ) -> UpdateConversationMembershipPayload:
        return run(UpdateConversationMembershipPayload, lambda: memberships.membership_update(
            info.context.viewer, membership_id=provided(input).get("id"),
            changes=inputs.membership_changes(input)), "conversation_membership")

    @strawberry.mutation(description="Leaves a conversation, or (its owner, an admin) removes a member or a group.")
    def deleteConversationMembership(  # noqa: N802
        self, info: Info, input: DeleteConversationMembershipInput | None = None
    ) -> DeleteConversationMembershipPayload:
        values = provided(input)
        return run(DeleteConversationMembershipPayload, lambda: memberships.membership_delete(
            info.context.viewer, conversation_id=values.get("conversation_id"), user_id=values.get("user_id"),
            group_id=values.get("group_id")), "conversationMembership")

    @strawberry.mutation(description="Creates the caller's chat setting (auto-responses, notifications).")
    def createChatSetting(self, info: Info, input: CreateChatSettingInput | None = None  # noqa: N802
                          ) -> CreateChatSettingPayload:
        return run(CreateChatSettingPayload, lambda: settings.chat_setting_create(
            info.context.viewer, user_id=provided(input).get("user_id"), data=inputs.chat_setting_input(input)),
            "chatSetting")

    @strawberry.mutation(description="Changes a chat setting (by id, or the caller's).")
    def updateChatSetting(self, info: Info, input: UpdateChatSettingInput | None = None  # noqa: N802
                          ) -> UpdateChatSettingPayload:
        values = provided(input)
        return run(UpdateChatSettingPayload, lambda: settings.chat_setting_update(
            info.context.viewer, setting_id=values.get("id"), user_id=values.get("user_id"),
            data=inputs.chat_setting_input(input)), "chatSetting")
