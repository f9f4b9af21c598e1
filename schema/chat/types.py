"""GraphQL types of conversations, memberships and chat settings (the published names).

Related objects are read through the viewer's scope: users through ``shown_users`` (a patient
hidden from the viewer never appears as a member), notes through ``visible_notes``, the
conversation of a membership through ``visible_conversations``. Every relation is an
optimizer hint (a prefetch with its own ``to_attr``), so lists cost the same number of
queries at any page size, and subscriptions (which resolve on the event loop) never load
lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from strawberry.scalars import JSON
from strawberry_django.optimizer import optimize

from apps.accounts import selectors as account_selectors
from apps.accounts.models import User, UserGroup
from apps.chat import models
from apps.chat.selectors.conversations import visible_conversations
from apps.chat.selectors.notes import visible_notes
from apps.core.timefmt import format_datetime
from schema.accounts.types import UserGroupType, UserType, shown_prefetch, shown_user, shown_user_field

if TYPE_CHECKING:
    from schema.chat.note_types import NoteType, TaskType


def _count(model_filter: dict[str, Any]) -> Subquery:
    return Subquery(
        models.ConversationMembership.objects.filter(conversation_id=OuterRef("pk"), **model_filter)
        .order_by().values("conversation_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _members_prefetch(path: str, attr: str) -> Callable[[strawberry.Info], Prefetch]:
    """Memberships (with their users) of a conversation whose user the viewer may see."""

    def build(info: strawberry.Info) -> Prefetch:
        shown = account_selectors.shown_users(info.context.viewer)
        queryset = (models.ConversationMembership.objects.filter(user__in=shown.values("pk"))
                    .select_related("user").order_by("id"))
        return Prefetch(path, queryset=queryset, to_attr=attr)

    return build


def _members(conversation: models.Conversation, attr: str, info: strawberry.Info
             ) -> list[models.ConversationMembership]:
    if hasattr(conversation, attr):
        return list(getattr(conversation, attr))
    shown = account_selectors.shown_users(info.context.viewer)
    return list(conversation.memberships.filter(user__in=shown.values("pk")).select_related("user").order_by("id"))


def _shown_memberships(info: strawberry.Info) -> QuerySet[models.ConversationMembership]:
    shown = account_selectors.shown_users(info.context.viewer)
    return models.ConversationMembership.objects.filter(user__in=shown.values("pk"))


def _mine_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = models.ConversationMembership.objects.filter(user_id=info.context.viewer.user_id).order_by("id")
    return Prefetch("memberships", queryset=optimize(queryset, info), to_attr="_mine")


def _mine(conversation: models.Conversation, info: strawberry.Info) -> models.ConversationMembership | None:
    if hasattr(conversation, "_mine"):
        found = conversation._mine
        return found[0] if found else None
    return conversation.memberships.filter(user_id=info.context.viewer.user_id).first()


def _mine_for_last_viewed(info: strawberry.Info) -> Prefetch:
    queryset = models.ConversationMembership.objects.filter(user_id=info.context.viewer.user_id).order_by("id")
    return Prefetch("memberships", queryset=queryset, to_attr="_mine_last_viewed")


def default_name(members: list[models.ConversationMembership], viewer_id: int | None) -> str:
    """The documented default name: the names of the other members."""
    names = [m.user.full_name for m in members if m.user_id != viewer_id]
    return ", ".join(names)


def _id(value: object) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


@strawberry_django.type(models.Conversation, name="Conversation")
class ConversationType:
    id: strawberry.ID
    owner: UserType | None = shown_user_field("owner")
    closed_by: UserType | None = shown_user_field("closed_by")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["name", "id"], prefetch_related=[_members_prefetch("memberships", "_m_name")])
    def name(self, root: models.Conversation, info: strawberry.Info) -> str | None:
        """The subject; when none was given, the names of the other members."""
        if root.name:
            return root.name
        return default_name(_members(root, "_m_name", info), info.context.viewer.user_id)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Conversation) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.Conversation) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["closed_at"])
    def closed_date(self, root: models.Conversation) -> str | None:
        return format_datetime(root.closed_at)

    @strawberry_django.field(annotate={"_members_count": lambda info: _count({})})
    def conversation_memberships_count(self, root: models.Conversation) -> int:
        value = getattr(root, "_members_count", None)
        return value if value is not None else root.memberships.count()

    @strawberry_django.field(annotate={"_members_count_community": lambda info: _count({})})
    def community_chat(self, root: models.Conversation) -> bool:
        """A conversation of more than two members (conversation_type "community")."""
        value = getattr(root, "_members_count_community", None)
        return (value if value is not None else root.memberships.count()) > 2

    @strawberry_django.field(description="Not supported: always null (see docs/compatibility.md).")
    def community_chat_prefix(self, root: models.Conversation) -> str | None:
        return None

    @strawberry_django.field(annotate={"_patients_count": lambda info: _count({"user__is_patient": True})})
    def includes_multiple_clients(self, root: models.Conversation) -> bool:
        value = getattr(root, "_patients_count", None)
        if value is None:
            value = root.memberships.filter(user__is_patient=True).count()
        return (value or 0) > 1

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "memberships", queryset=optimize(_shown_memberships(info).order_by("id"), info),
        to_attr="_all_memberships")])
    def conversation_memberships(self, root: models.Conversation, info: strawberry.Info
                                 ) -> list[ConversationMembershipType]:
        """The memberships of the members the viewer may see."""
        if hasattr(root, "_all_memberships"):
            return list(root._all_memberships)
        return list(_shown_memberships(info).filter(conversation_id=root.pk).order_by("id"))

    @strawberry_django.field(prefetch_related=[_mine_prefetch])
    def current_user_conversation_membership(self, root: models.Conversation, info: strawberry.Info
                                             ) -> ConversationMembershipType | None:
        return _mine(root, info)

    @strawberry_django.field(only=["automatic", "provider_id", "owner_id"])
    def dietitian_id(self, root: models.Conversation) -> strawberry.ID | None:
        """The provider of an automatic conversation, otherwise its owner."""
        return _id(root.provider_id if root.automatic else root.owner_id)

    @strawberry_django.field(only=["patient_id"], prefetch_related=[shown_prefetch("patient")])
    def patient_id(self, root: models.Conversation, info: strawberry.Info) -> strawberry.ID | None:
        """The patient of a conversation with exactly one patient (when the viewer may see them)."""
        patient = shown_user(root, "patient", info)
        return _id(patient.pk if patient else None)

    @strawberry_django.field(prefetch_related=[_members_prefetch("memberships", "_m_invitees")])
    def invitees(self, root: models.Conversation, info: strawberry.Info) -> list[UserType] | None:
        return [m.user for m in _members(root, "_m_invitees", info)]

    @strawberry_django.field(prefetch_related=[_members_prefetch("memberships", "_m_first_four")])
    def first_four_invitees(self, root: models.Conversation, info: strawberry.Info) -> list[UserType] | None:
        return [m.user for m in _members(root, "_m_first_four", info)][:4]

    @strawberry_django.field(only=["internal"])
    def is_hidden_for_client(self, root: models.Conversation) -> bool:
        """True for internal (staff-only) conversations."""
        return root.internal

    @strawberry_django.field(only=["last_note_id"], select_related=["last_note"])
    def last_message_content(self, root: models.Conversation) -> str | None:
        note = root.last_note if root.last_note_id else None
        if note is None or note.deleted_at is not None or note.delivered_at is None:
            return None
        return note.content

    @strawberry_django.field(prefetch_related=[_mine_for_last_viewed])
    def last_note_viewed_id(self, root: models.Conversation, info: strawberry.Info) -> str | None:
        """The last note the viewer had seen when they last marked this conversation viewed."""
        found = getattr(root, "_mine_last_viewed", None)
        mine = (found[0] if found else None) if found is not None else _mine(root, info)
        return str(mine.last_viewed_note_id) if mine and mine.last_viewed_note_id else None

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.Conversation) -> JSON | None:
        return root.metadata

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "notes", queryset=visible_notes(info.context.viewer).order_by("created_at", "id"),
        to_attr="_visible_notes")])
    def notes(self, root: models.Conversation, info: strawberry.Info
              ) -> list[Annotated[NoteType, strawberry.lazy("schema.chat.note_types")]]:
        """The notes the viewer may see (delivered ones, and their own scheduled ones), oldest first."""
        if hasattr(root, "_visible_notes"):
            return list(root._visible_notes)
        return list(visible_notes(info.context.viewer).filter(conversation_id=root.pk).order_by("created_at", "id"))

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "user_groups", queryset=UserGroup.objects.order_by("id"), to_attr="_groups")])
    def user_groups(self, root: models.Conversation, info: strawberry.Info) -> list[UserGroupType] | None:
        # Groups are the providers' organization tools (the userGroups query is provider-only).
        if not info.context.viewer.is_member:
            return []
        if hasattr(root, "_groups"):
            return list(root._groups)
        return list(root.user_groups.order_by("id"))


def _visible_conversation_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = optimize(visible_conversations(info.context.viewer), info)
    return Prefetch("conversation", queryset=queryset, to_attr="_visible_conversation")


def _display_prefetch(attr: str) -> Callable[[strawberry.Info], Prefetch]:
    return _members_prefetch("conversation__memberships", attr)


def _other_members(root: models.ConversationMembership, attr: str, info: strawberry.Info
                   ) -> list[models.ConversationMembership]:
    return [m for m in _members(root.conversation, attr, info) if m.user_id != root.user_id]


def _the_other(root: models.ConversationMembership, attr: str, info: strawberry.Info) -> User | None:
    """The other member of a two-person conversation."""
    members = _members(root.conversation, attr, info)
    others = [m for m in members if m.user_id != root.user_id]
    return others[0].user if len(members) == 2 and len(others) == 1 else None


DISPLAY_ONLY = ["display_name", "user_id", "conversation_id", "conversation__name"]


@strawberry_django.type(models.ConversationMembership, name="ConversationMembership")
class ConversationMembershipType:
    id: strawberry.ID
    archived: bool
    viewed: bool
    creator: UserType | None = shown_user_field("creator")

    @strawberry_django.field(description="Tasks are not part of this product yet: always null.")
    def last_task(self) -> Annotated[TaskType, strawberry.lazy("schema.chat.note_types")] | None:
        return None

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["conversation_id"])
    def conversation_id(self, root: models.ConversationMembership) -> strawberry.ID | None:
        return _id(root.conversation_id)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.ConversationMembership) -> strawberry.ID | None:
        return _id(root.user_id)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.ConversationMembership) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.ConversationMembership) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["conversation_id"], prefetch_related=[_visible_conversation_prefetch])
    def convo(self, root: models.ConversationMembership, info: strawberry.Info) -> ConversationType | None:
        if hasattr(root, "_visible_conversation"):
            return root._visible_conversation
        return visible_conversations(info.context.viewer).filter(pk=root.conversation_id).first()

    @strawberry_django.field(only=["user_id", "conversation_id", "conversation__owner_id"],
                             select_related=["conversation"])
    def conversation_role(self, root: models.ConversationMembership) -> str:
        return "owner" if root.conversation.owner_id == root.user_id else "member"

    @strawberry_django.field(description="Not supported: always null (see docs/compatibility.md).")
    def convo_updated_at(self, root: models.ConversationMembership) -> UserType | None:
        return None

    @strawberry_django.field(description="No avatar storage exists yet, so this is always null.")
    def display_avatar(self, root: models.ConversationMembership) -> str | None:
        return None

    @strawberry_django.field(only=DISPLAY_ONLY, select_related=["conversation"],
                             prefetch_related=[_display_prefetch("_m_display_name")])
    def display_name(self, root: models.ConversationMembership, info: strawberry.Info) -> str | None:
        """This member's own name for the conversation, else its subject, else the other members' names."""
        if root.display_name:
            return root.display_name
        if root.conversation.name:
            return root.conversation.name
        return default_name(_members(root.conversation, "_m_display_name", info), root.user_id)

    @strawberry_django.field(only=DISPLAY_ONLY, select_related=["conversation"],
                             prefetch_related=[_display_prefetch("_m_initial")])
    def display_name_and_initial(self, root: models.ConversationMembership, info: strawberry.Info) -> str | None:
        """The other member as "First L." in a two-person conversation, else the display name."""
        other = _the_other(root, "_m_initial", info)
        if other is not None:
            return f"{other.first_name} {other.last_name[:1]}.".strip() if other.last_name else other.first_name
        return root.display_name or root.conversation.name or default_name(
            _members(root.conversation, "_m_initial", info), root.user_id)

    @strawberry_django.field(only=["user_id", "conversation_id"], select_related=["conversation"],
                             prefetch_related=[_display_prefetch("_m_other_first")])
    def display_other_user_first_name(self, root: models.ConversationMembership, info: strawberry.Info
                                      ) -> str | None:
        other = _the_other(root, "_m_other_first", info)
        return other.first_name if other else None

    @strawberry_django.field(only=["user_id", "conversation_id"], select_related=["conversation"],
                             prefetch_related=[_display_prefetch("_m_other_name")])
    def display_other_user_name(self, root: models.ConversationMembership, info: strawberry.Info) -> str | None:
        other = _the_other(root, "_m_other_name", info)
        return other.full_name if other else None

    @strawberry_django.field(only=["user_id", "conversation_id"], select_related=["conversation"],
                             prefetch_related=[_display_prefetch("_m_user_list")])
    def user_list_as_display_name(self, root: models.ConversationMembership, info: strawberry.Info) -> str | None:
        return ", ".join(m.user.full_name for m in _other_members(root, "_m_user_list", info))


@strawberry.type(name="DayRangeType")
class DayRangeType:
    days: list[str | None] | None
    time_range: str | None


@strawberry.type(name="RecurringDaysData")
class RecurringDaysData:
    id: strawberry.ID
    day_ranges: list[DayRangeType] | None


def _ranges(setting: models.ChatSetting) -> list[dict[str, Any]]:
    data = setting.recurring_days if isinstance(setting.recurring_days, dict) else {}
    ranges = data.get("day_ranges")
    return [r for r in ranges if isinstance(r, dict)] if isinstance(ranges, list) else []


def _day(setting: models.ChatSetting, day: str) -> str | None:
    for item in _ranges(setting):
        if day in (item.get("days") or []):
            return item.get("time_range") or "all_day"
    return None


@strawberry_django.type(models.ChatSetting, name="ChatSetting")
class ChatSettingType:
    id: strawberry.ID
    is_active: bool | None
    content: str | None
    no_end_date: bool | None
    scheduled_turned_on: bool | None
    recurring_turned_on: bool | None
    recurring_content: str | None
    recurring_all_day: bool | None
    receive_notifications: bool | None
    receive_notifications_recurring: bool | None
    send_auto_welcome: bool | None
    auto_welcome_text: str | None
    hide_close_confirmation: bool | None
    hide_org_chat_confirmation: bool | None

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.ChatSetting) -> strawberry.ID | None:
        return _id(root.user_id)

    @strawberry_django.field(only=["start_date"])
    def start_date(self, root: models.ChatSetting) -> str | None:
        return format_datetime(root.start_date)

    @strawberry_django.field(only=["end_date"])
    def end_date(self, root: models.ChatSetting) -> str | None:
        return format_datetime(root.end_date)

    @strawberry_django.field(only=["recurring_turned_on"])
    def is_recurring_active(self, root: models.ChatSetting) -> bool | None:
        """The recurring auto-response is switched on (the published alias of recurring_turned_on)."""
        return root.recurring_turned_on

    @strawberry_django.field(only=["recurring_start_time"])
    def recurring_start_time(self, root: models.ChatSetting) -> str | None:
        return root.recurring_start_time or None

    @strawberry_django.field(only=["recurring_end_time"])
    def recurring_end_time(self, root: models.ChatSetting) -> str | None:
        return root.recurring_end_time or None

    @strawberry_django.field(only=["recurring_days"])
    def recurring_days_data(self, root: models.ChatSetting) -> RecurringDaysData | None:
        ranges = _ranges(root)
        return RecurringDaysData(id=strawberry.ID(str(root.pk)), day_ranges=[
            DayRangeType(days=list(r.get("days") or []), time_range=r.get("time_range")) for r in ranges])

    @strawberry_django.field(only=["recurring_days"])
    def recurring_monday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Monday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "monday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_tuesday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Tuesday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "tuesday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_wednesday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Wednesday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "wednesday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_thursday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Thursday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "thursday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_friday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Friday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "friday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_saturday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Saturday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "saturday")

    @strawberry_django.field(only=["recurring_days"])
    def recurring_sunday(self, root: models.ChatSetting) -> str | None:
        """The recurring auto-response hours on Sunday ("09:00-17:00", or "all_day"), else null."""
        return _day(root, "sunday")
