"""Scoped reads of conversations and memberships: who may see which conversation.

A conversation is visible to its members. Chat administrators (members holding
``can_edit_members``; the organization owner holds every flag) also see every conversation of
their organization. Patients see only conversations they are a member of. A member restricted
to their own patients never sees a conversation that includes a patient hidden from them, even
one they are in. Anything else answers like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from apps.accounts.models import User
from apps.accounts.selectors import hidden_patients, shown_users, visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.chat.models import ChatSetting, Conversation, ConversationMembership, Note
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey, sort_for
from apps.core.text import reject_nul

MAX_KEYWORDS_LENGTH = 200


def is_chat_admin(viewer: Viewer) -> bool:
    """Organization admins manage every conversation of their organization (the documented
    ``client_id``/``provider_id`` filters over conversations they are not part of)."""
    return viewer.is_member and viewer.has_permission("can_edit_members")


def visible_conversations(viewer: Viewer) -> QuerySet[Conversation]:
    """Conversations the viewer is a member of, or (chat admins) may administer."""
    if not viewer.is_authenticated:
        return Conversation.objects.none()
    mine = Q(pk__in=ConversationMembership.objects.filter(user_id=viewer.user_id).values("conversation_id"))
    qs = Conversation.objects.filter(organization_id=viewer.organization_id)
    if viewer.is_patient:
        return qs.filter(mine)
    if not viewer.has_permission("can_see_all_clients"):
        # A patient hidden from the viewer does not exist for them: nor do their conversations
        # (their notes, names and read state would show through), even one the viewer is in.
        hidden = ConversationMembership.objects.filter(user__in=hidden_patients(viewer).values("pk"))
        qs = qs.exclude(pk__in=hidden.values("conversation_id"))
    return qs if is_chat_admin(viewer) else qs.filter(mine)


def member_conversations(viewer: Viewer, *, include_archived: bool = False) -> QuerySet[Conversation]:
    """Conversations the viewer is a member of (live events go to members only); without
    ``include_archived``, not those the viewer archived."""
    if not viewer.is_authenticated:
        return Conversation.objects.none()
    memberships = ConversationMembership.objects.filter(user_id=viewer.user_id)
    if not include_archived:
        memberships = memberships.filter(archived=False)
    return visible_conversations(viewer).filter(pk__in=memberships.values("conversation_id"))


def conversation_get(viewer: Viewer, conversation_id: object, *, field: str = "id") -> Conversation:
    return get_visible(visible_conversations(viewer), conversation_id, "Conversation", field=field)


def visible_memberships(viewer: Viewer) -> QuerySet[ConversationMembership]:
    """The memberships of the conversations the viewer may see, of users the viewer may see: a
    patient hidden from the viewer (or, for a patient, any other patient) is not shown as a
    member even of a conversation both are in."""
    return ConversationMembership.objects.filter(conversation__in=visible_conversations(viewer).values("pk"),
                                                 user__in=shown_users(viewer).values("pk"))


def membership_get(viewer: Viewer, *, membership_id: object = None, conversation_id: object = None,
                   field: str = "id") -> ConversationMembership:
    """``conversationMembership(id:)`` (a membership of a visible conversation) or, with
    ``conversation_id``, the viewer's own membership of that conversation."""
    if membership_id in (None, "") and conversation_id not in (None, ""):
        qs = visible_memberships(viewer).filter(user_id=viewer.user_id, conversation_id=parse_id(conversation_id))
        found = qs.first() if parse_id(conversation_id) else None
        if found is None:
            raise NotFound("conversation_membership_id", "Conversation membership not found.")
        return found
    return get_visible(visible_memberships(viewer), membership_id, "Conversation membership", field=field)


# ---- conversationMemberships: filters, counts, order -------------------------------------------

READ_STATUSES = {"all", "read", "unread"}
ACTIVE_STATUSES = {"active", "archived", "closed"}
CONVERSATION_TYPES = {"all", "individual", "community"}


def _members_count() -> Subquery:
    return Subquery(
        ConversationMembership.objects.filter(conversation_id=OuterRef("conversation_id"))
        .order_by().values("conversation_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _choice(value: str | None, allowed: set[str], argument: str, default: str) -> str:
    reject_nul(value, argument)
    chosen = (value or default).strip().lower()
    if chosen not in allowed:
        raise ValidationFailed(argument, f"'{argument}' must be one of: {', '.join(sorted(allowed))}.")
    return chosen


@dataclass(frozen=True)
class MembershipFilter:
    """The arguments ``conversationMemberships``, its count and ``conversationMembershipsAllCounts`` share."""

    client_id: str | None = None
    provider_id: str | None = None
    provider_ids: list[str] | None = None
    keywords: str | None = None
    read_status: str | None = None
    conversation_type: str | None = None
    notes_type: str | None = None
    only_include_shared_memberships: bool | None = None
    org_chat: bool | None = None


def _subjects(viewer: Viewer, f: MembershipFilter) -> tuple[QuerySet[ConversationMembership], bool]:
    """Whose memberships are listed, and whether the list may be non-empty at all.

    By default the viewer's own. ``provider_id``/``provider_ids`` name other providers: admins
    only (for anyone else an id other than their own matches nothing, like a missing id).
    ``client_id`` without ``provider_id``: an admin gets the patient's memberships (conversations
    the admin need not be part of); anyone else keeps their own, narrowed to conversations that
    include the patient.
    """
    admin = is_chat_admin(viewer)
    base = ConversationMembership.objects.filter(conversation__organization_id=viewer.organization_id)
    requested = [p for p in ([f.provider_id] if f.provider_id not in (None, "") else []) + list(f.provider_ids or [])
                 if p not in (None, "")]
    if requested:
        pks = [parse_id(p) for p in requested]
        if any(pk is None for pk in pks):
            return base.none(), False
        if not admin:
            if set(pks) != {viewer.user_id}:
                return base.none(), False
            return base.filter(user_id=viewer.user_id), True
        providers = User.objects.filter(pk__in=pks, organization_id=viewer.organization_id, is_patient=False)
        return base.filter(user__in=providers.values("pk")), True
    if f.client_id not in (None, "") and admin:
        pk = parse_id(f.client_id)
        if pk is None or not visible_patients(viewer).filter(pk=pk).exists():
            return base.none(), False
        return base.filter(user_id=pk), True
    return base.filter(user_id=viewer.user_id), True


def memberships_filter(viewer: Viewer, f: MembershipFilter, *, active_status: str | None = None,
                       apply_status: bool = True) -> QuerySet[ConversationMembership]:
    viewer.require()
    read_status = _choice(f.read_status, READ_STATUSES, "read_status", "all")
    conversation_type = _choice(f.conversation_type, CONVERSATION_TYPES, "conversation_type", "all")
    status = _choice(active_status, ACTIVE_STATUSES, "active_status", "active")
    reject_nul(f.keywords, "keywords")
    reject_nul(f.notes_type, "notes_type")
    qs, possible = _subjects(viewer, f)
    if not possible:
        return qs
    # Never wider than what the viewer may see, whoever's memberships these are.
    qs = qs.filter(conversation__in=visible_conversations(viewer).values("pk"))
    if f.client_id not in (None, ""):
        pk = parse_id(f.client_id)
        if pk is None or not visible_patients(viewer).filter(pk=pk).exists():
            return qs.none()
        qs = qs.filter(conversation__memberships__user_id=pk)
    if f.only_include_shared_memberships and not viewer.is_patient:
        qs = qs.filter(conversation__memberships__user_id=viewer.user_id)
    if f.org_chat:
        # Conversations among the organization's members only (internal, no patient).
        qs = qs.filter(conversation__internal=True)
    if f.keywords and f.keywords.strip():
        qs = qs.filter(_keywords(f.keywords))
    if read_status == "read":
        qs = qs.filter(viewed=True)
    elif read_status == "unread":
        qs = qs.filter(viewed=False)
    if conversation_type != "all":
        qs = qs.annotate(_members=_members_count())
        qs = qs.filter(_members=2) if conversation_type == "individual" else qs.filter(_members__gt=2)
    if (f.notes_type or "").strip().lower() == "scheduled":
        qs = qs.filter(Exists(_pending_notes(viewer)))
    if apply_status:
        qs = _with_status(qs, status)
    return qs


def _pending_notes(viewer: Viewer) -> QuerySet[Note]:
    return Note.objects.filter(conversation_id=OuterRef("conversation_id"), user_id=viewer.user_id,
                               delivered_at__isnull=True, scheduled_at__isnull=False, deleted_at__isnull=True)


def _with_status(qs: QuerySet[ConversationMembership], status: str) -> QuerySet[ConversationMembership]:
    if status == "closed":
        return qs.filter(conversation__closed_at__isnull=False)
    if status == "archived":
        return qs.filter(archived=True)
    return qs.filter(archived=False, conversation__closed_at__isnull=True)


def _keywords(keywords: str) -> Q:
    """Every term must match the conversation's name or one of its members' names."""
    condition = Q()
    for term in keywords[:MAX_KEYWORDS_LENGTH].split()[:10]:
        names = ConversationMembership.objects.filter(
            Q(user__first_name__icontains=term) | Q(user__last_name__icontains=term)
        ).values("conversation_id")
        condition &= Q(conversation__name__icontains=term) | Q(conversation_id__in=names)
    return condition


def all_counts(viewer: Viewer, f: MembershipFilter) -> dict[str, int]:
    """``conversationMembershipsAllCounts``: one count per ``active_status`` plus scheduled notes."""
    qs = memberships_filter(viewer, f, apply_status=False)
    return {
        "active_count": _with_status(qs, "active").count(),
        "archived_count": _with_status(qs, "archived").count(),
        "closed_count": _with_status(qs, "closed").count(),
        "scheduled_count": qs.filter(Exists(_pending_notes(viewer))).count(),
    }


MEMBERSHIP_ORDERS = {
    "created_at_asc": [SortKey("created_at", False)],
    "created_at_desc": [SortKey("created_at", True)],
    "updated_at_asc": [SortKey("updated_at", False)],
    "updated_at_desc": [SortKey("updated_at", True)],
    "conversation_created_at_asc": [SortKey("cc", False, F("conversation__created_at"))],
    "conversation_created_at_desc": [SortKey("cc", True, F("conversation__created_at"))],
    # Conversations with the newest activity (a note, a change) first: the inbox order.
    "conversation_updated_at_asc": [SortKey("cu", False, F("conversation__last_activity_at"))],
    "conversation_updated_at_desc": [SortKey("cu", True, F("conversation__last_activity_at"))],
    "name_asc": [SortKey("nm", False, Lower("conversation__name"))],
    "name_desc": [SortKey("nm", True, Lower("conversation__name"))],
}


def membership_order(order_by: str | None, sort_by: str | None = None) -> list[SortKey]:
    if order_by not in (None, ""):
        reject_nul(order_by, "order_by")
        return sort_for(MEMBERSHIP_ORDERS, order_by, "conversation_updated_at_desc", argument="order_by")
    reject_nul(sort_by, "sort_by")
    return sort_for(MEMBERSHIP_ORDERS, sort_by, "conversation_updated_at_desc")


CONVERSATION_ORDER = [SortKey("last_activity_at", True)]


def conversations_filter(viewer: Viewer, *, user_id: object = None) -> QuerySet[Conversation]:
    """``conversations``: the viewer's conversations; ``user_id`` (admins) another user's."""
    viewer.require()
    if user_id in (None, "") or parse_id(user_id) == viewer.user_id:
        return member_conversations(viewer, include_archived=True)
    pk = parse_id(user_id)
    if pk is None or not is_chat_admin(viewer):
        return Conversation.objects.none()
    theirs = ConversationMembership.objects.filter(user_id=pk).values("conversation_id")
    return visible_conversations(viewer).filter(pk__in=theirs)


def invitee_memberships(viewer: Viewer, conversation_id: object) -> QuerySet[ConversationMembership]:
    """``conversationMembershipInvitees(id:)``: the memberships of one visible conversation."""
    conversation = conversation_get(viewer, conversation_id)
    return visible_memberships(viewer).filter(conversation=conversation)


def invitable_users(viewer: Viewer) -> QuerySet[User]:
    """Users the viewer may put in a conversation: for providers and staff, the organization's
    active providers and staff and the patients they may see; for a patient, their own providers
    (primary provider and care team)."""
    if not viewer.is_authenticated:
        return User.objects.none()
    if viewer.is_patient:
        me = viewer.user
        team = User.care_team.through.objects.filter(from_user_id=me.pk).values("to_user_id")
        return User.objects.filter(Q(pk=me.dietitian_id) | Q(pk__in=team), is_patient=False, active=True,
                                   organization_id=me.organization_id)
    if not viewer.is_member:
        return User.objects.none()
    staff = Q(is_patient=False, membership__active=True, organization_id=viewer.organization_id)
    return User.objects.filter(staff | Q(pk__in=visible_patients(viewer).filter(active=True).values("pk")))


def chat_settings_visible(viewer: Viewer) -> QuerySet[ChatSetting]:
    """A provider's own chat setting; admins also their organization's providers'."""
    if not viewer.is_member:
        return ChatSetting.objects.none()
    if is_chat_admin(viewer):
        return ChatSetting.objects.filter(user__organization_id=viewer.organization_id, user__is_patient=False)
    return ChatSetting.objects.filter(user_id=viewer.user_id)


def chat_setting_for(viewer: Viewer, *, setting_id: object = None, user_id: object = None) -> ChatSetting | None:
    """``chatSetting``: by id, by user, or the viewer's own (null while they have none)."""
    viewer.require(MEMBER)
    if setting_id not in (None, ""):
        return get_visible(chat_settings_visible(viewer), setting_id, "Chat setting")
    if user_id not in (None, ""):
        pk = parse_id(user_id)
        if pk is None or (pk != viewer.user_id and not is_chat_admin(viewer)):
            raise NotFound("user_id", "User not found.")
        return chat_settings_visible(viewer).filter(user_id=pk).first()
    return ChatSetting.objects.filter(user_id=viewer.user_id).first()


def own_live_memberships(viewer: Viewer) -> QuerySet[ConversationMembership]:
    """The viewer's memberships that receive live events: not archived, of visible conversations."""
    if not viewer.is_authenticated:
        return ConversationMembership.objects.none()
    return ConversationMembership.objects.filter(
        user_id=viewer.user_id, archived=False, conversation__in=visible_conversations(viewer).values("pk"))
