"""Chat (conversations, memberships, chat settings) GraphQL inputs, and their typed-input builders."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from apps.chat.services.conversations import ConversationChanges, NewConversation
from apps.chat.services.memberships import MembershipChanges
from apps.chat.services.settings import ChatSettingInput, DayRange
from apps.core.inputs import build
from schema.chat.note_inputs import NoteInput
from schema.payloads import provided


@strawberry.input(name="AddedUsersInput")
class AddedUsersInput:
    label: str
    value: strawberry.ID


@strawberry.input(name="createConversationInput")
class CreateConversationInput:
    simple_added_users: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    patient_id: str | None = UNSET
    dietitian_id: str | None = UNSET
    added_users: list[AddedUsersInput | None] | None = UNSET
    appointment_id: strawberry.ID | None = UNSET
    metadata: JSON | None = UNSET
    note: NoteInput | None = UNSET
    select_all_status: str | None = UNSET


@strawberry.input(name="updateConversationInput")
class UpdateConversationInput:
    id: strawberry.ID | None = UNSET
    simple_added_users: str | None = UNSET
    name: str | None = UNSET
    closed_by_id: strawberry.ID | None = UNSET
    hide_close_confirmation: bool | None = UNSET
    metadata: JSON | None = UNSET
    select_all_status: str | None = UNSET


@strawberry.input(name="updateConversationMembershipInput")
class UpdateConversationMembershipInput:
    id: strawberry.ID | None = UNSET
    viewed: bool | None = UNSET
    archived: bool | None = UNSET
    display_name: str | None = strawberry.field(default=UNSET, description="This member's own name for the "
                                                "conversation (an addition to the published input).")


@strawberry.input(name="deleteConversationMembershipInput")
class DeleteConversationMembershipInput:
    conversation_id: strawberry.ID | None = UNSET
    user_id: strawberry.ID | None = UNSET
    group_id: strawberry.ID | None = UNSET


@strawberry.input(name="DayRangeInputObjectType")
class DayRangeInput:
    days: list[str | None] | None = UNSET
    time_range: str | None = UNSET


@strawberry.input(name="RecurringDaysInputObjectType")
class RecurringDaysInput:
    id: strawberry.ID | None = UNSET
    day_ranges: list[DayRangeInput | None] | None = UNSET


@strawberry.input(name="createChatSettingInput")
class CreateChatSettingInput:
    user_id: strawberry.ID | None = UNSET
    is_active: bool | None = UNSET
    content: str | None = UNSET
    start_date: str | None = UNSET
    end_date: str | None = UNSET
    no_end_date: bool | None = UNSET
    scheduled_turned_on: bool | None = UNSET
    recurring_turned_on: bool | None = UNSET
    is_recurring_active: bool | None = UNSET
    recurring_content: str | None = UNSET
    recurring_days_data: RecurringDaysInput | None = UNSET
    receive_notifications: bool | None = UNSET
    receive_notifications_recurring: bool | None = UNSET
    send_auto_welcome: bool | None = UNSET
    auto_welcome_text: str | None = UNSET


@strawberry.input(name="updateChatSettingInput")
class UpdateChatSettingInput(CreateChatSettingInput):
    id: strawberry.ID | None = UNSET


def new_conversation(data: CreateConversationInput | None) -> NewConversation:
    values = provided(data)
    if "added_users" in values:
        values["added_users"] = [str(item.value) for item in values["added_users"] or [] if item is not None]
    note = values.pop("note", None)
    if note is not None:
        sent = provided(note)
        has_file = sent.get("attached_image") is not None or sent.get("attached_document") is not None
        values["note_content"] = sent.get("content") or ("(attachment)" if has_file else None)
    return build(NewConversation, values)


def conversation_changes(data: UpdateConversationInput | None) -> ConversationChanges:
    return build(ConversationChanges, provided(data))


def membership_changes(data: UpdateConversationMembershipInput | None) -> MembershipChanges:
    return build(MembershipChanges, provided(data))


def chat_setting_input(data: CreateChatSettingInput | None) -> ChatSettingInput:
    values = provided(data)
    days = values.pop("recurring_days_data", UNSET)
    if days is not UNSET:
        ranges = provided(days).get("day_ranges") if days is not None else None
        if days is not None and provided(days).get("id") is not None:
            values["recurring_days_id"] = provided(days)["id"]
        values["recurring_days_data"] = [
            DayRange(days=list(provided(r).get("days") or []), time_range=provided(r).get("time_range"))
            for r in ranges or [] if r is not None]
    return build(ChatSettingInput, values)
