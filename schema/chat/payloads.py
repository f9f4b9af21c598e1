"""Chat mutation payloads (conversations, memberships, chat settings), from the one payload factory."""

from __future__ import annotations

from schema.chat.types import ChatSettingType, ConversationMembershipType, ConversationType
from schema.payloads import payload_type

CreateConversationPayload = payload_type("createConversationPayload", conversation=ConversationType)
UpdateConversationPayload = payload_type("updateConversationPayload", conversation=ConversationType)
UpdateConversationMembershipPayload = payload_type("updateConversationMembershipPayload",
                                                   conversation_membership=ConversationMembershipType)
DeleteConversationMembershipPayload = payload_type("deleteConversationMembershipPayload",
                                                   conversationMembership=ConversationMembershipType)
CreateChatSettingPayload = payload_type("createChatSettingPayload", chatSetting=ChatSettingType)
UpdateChatSettingPayload = payload_type("updateChatSettingPayload", chatSetting=ChatSettingType)
