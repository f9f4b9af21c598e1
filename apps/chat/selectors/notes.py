"""Scoped reads of notes and message blasts (NoteScheduler).

``visible_notes(viewer)``: the notes of the conversations the viewer may see, not deleted,
delivered, plus pending (scheduled) notes on the sender's side: their sender, and the
organization's providers and staff who see the conversation. Patients never see a note
before it is delivered, unless they wrote it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.accounts.selectors import shown_users, visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.chat.models import ConversationMembership, MessageBlast, Note
from apps.chat.selectors.conversations import visible_conversations
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey
from apps.core.text import reject_nul


def visible_notes(viewer: Viewer) -> QuerySet[Note]:
    if not viewer.is_authenticated:
        return Note.objects.none()
    qs = Note.objects.filter(conversation__in=visible_conversations(viewer), deleted_at__isnull=True)
    if viewer.is_member:
        return qs  # providers and staff who see the conversation see its pending notes too
    return qs.filter(Q(delivered_at__isnull=False) | Q(user_id=viewer.user_id))


def live_member_ids(conversation_id: int) -> frozenset[int]:
    """Who receives a conversation's live notes: its members who have not archived it.

    With ``live_note`` this is the scoping of ``noteAddedSubscription``: a delivered, not
    deleted note of a conversation is visible to exactly these users, so the note is read once
    for every subscriber and each subscriber is checked against this set, per event.
    """
    return frozenset(ConversationMembership.objects.filter(conversation_id=conversation_id, archived=False)
                     .values_list("user_id", flat=True))


def live_note(conversation_id: int, note_id: int) -> Note | None:
    """A delivered, not deleted note of the conversation (see ``live_member_ids`` for who may see it)."""
    return Note.objects.filter(pk=note_id, conversation_id=conversation_id, delivered_at__isnull=False,
                               deleted_at__isnull=True).first()


def note_people(viewer: Viewer) -> QuerySet[User]:
    """Users a note may name (creator, on-behalf provider): those ``shown_users`` allows, plus the
    providers and staff of the conversations the viewer is in. Never another patient the viewer
    may not see: in a group conversation a patient reads other patients' notes without their record
    (``creator_display_name`` still names them as the chat shows them)."""
    members = ConversationMembership.objects.filter(conversation__in=visible_conversations(viewer),
                                                    user__is_patient=False).values("user_id")
    return User.objects.filter(Q(pk__in=shown_users(viewer).values("pk")) | Q(pk__in=members))


def note_get(viewer: Viewer, note_id: object, *, field: str = "id") -> Note:
    return get_visible(visible_notes(viewer), note_id, "Note", field=field)


SORTS = {
    "created_at_asc": [SortKey("created_at", False), SortKey("id", False)],
    "created_at_desc": [SortKey("created_at", True), SortKey("id", True)],
}


def note_sort(sort_by: str | None, order_by: str | None) -> list[SortKey]:
    """``order_by`` (NoteOrderKeys) wins over the string ``sort_by``; newest first by default."""
    key = (order_by or sort_by or "created_at_desc").strip().lower()
    if key not in SORTS:
        raise ValidationFailed("sort_by", f"Unknown sort '{key[:40]}': use created_at_asc or created_at_desc.")
    return SORTS[key]


def notes_filter(
    viewer: Viewer, *, conversation_id: object = None, ids: list[object] | None = None,
    keywords: str | None = None, provider_id: object = None, scheduled_notes: bool | None = None,
    since_note_id: object = None,
) -> QuerySet[Note]:
    """The ``notes`` list: delivered notes, or with ``scheduled_notes`` the pending ones."""
    viewer.require()
    reject_nul(keywords, "keywords")
    qs = visible_notes(viewer)
    if conversation_id not in (None, ""):
        conversation = get_visible(visible_conversations(viewer), conversation_id, "Conversation",
                                   field="conversation_id")
        qs = qs.filter(conversation=conversation)
    qs = qs.filter(delivered_at__isnull=bool(scheduled_notes))
    if ids is not None:
        qs = qs.filter(pk__in=[pk for pk in (parse_id(i) for i in ids) if pk])
    if keywords and keywords.strip():
        for term in keywords.split():
            qs = qs.filter(content__icontains=term)
    if provider_id not in (None, ""):
        qs = qs.filter(user_id=parse_id(provider_id) or 0)
    if since_note_id not in (None, ""):
        qs = qs.filter(pk__gt=parse_id(since_note_id) or 0)
    return qs


def note_viewed(note: Note, user_id: int | None) -> bool:
    """Whether ``user_id`` has seen the note: its sender has; a member has once they viewed the
    conversation at or after its delivery."""
    if note.delivered_at is None or user_id is None:
        return False
    if note.user_id == user_id:
        return True
    return ConversationMembership.objects.filter(
        conversation_id=note.conversation_id, user_id=user_id, last_viewed_at__gte=note.delivered_at).exists()


def note_viewed_by_recipients(viewer: Viewer, note_id: object) -> bool:
    """``noteViewedStatus``: whether someone other than the sender has viewed the note."""
    note = note_get(viewer, note_id)
    if note.delivered_at is None:
        return False
    return ConversationMembership.objects.filter(
        conversation_id=note.conversation_id, last_viewed_at__gte=note.delivered_at).exclude(
        user_id=note.user_id).exists()


def has_scheduled_items(viewer: Viewer) -> bool:
    """``showScheduledTab``: the viewer (a provider or staff member) has pending notes or blasts."""
    if not viewer.allows(MEMBER):
        return False
    return (visible_notes(viewer).filter(delivered_at__isnull=True, user_id=viewer.user_id).exists()
            or visible_blasts(viewer).filter(sent_at__isnull=True).exists())


# Message blasts (NoteScheduler)

def visible_blasts(viewer: Viewer) -> QuerySet[MessageBlast]:
    """A provider sees the blasts they send; the organization owner sees every blast of the organization."""
    if not viewer.allows(MEMBER):
        return MessageBlast.objects.none()
    qs = MessageBlast.objects.filter(organization_id=viewer.organization_id)
    return qs if viewer.is_owner else qs.filter(sender_id=viewer.user_id)


def blast_get(viewer: Viewer, blast_id: object, *, field: str = "id") -> MessageBlast:
    return get_visible(visible_blasts(viewer), blast_id, "Message blast", field=field)


BLAST_SORT = [SortKey("scheduled_at", False), SortKey("id", False)]


def scheduled_blasts(
    viewer: Viewer, *, client_id: object = None, provider_id: object = None,
    provider_ids: list[object] | None = None,
) -> QuerySet[MessageBlast]:
    """Blasts not sent yet, optionally for one client or some senders."""
    viewer.require(MEMBER)
    qs = visible_blasts(viewer).filter(sent_at__isnull=True)
    if client_id not in (None, ""):
        client = get_visible(visible_patients(viewer), client_id, "Client", field="client_id")
        named = MessageBlast.recipients.through.objects.filter(user_id=client.pk).values("messageblast_id")
        grouped = MessageBlast.user_groups.through.objects.filter(
            usergroup_id=client.user_group_id or 0).values("messageblast_id")
        qs = qs.filter(Q(pk__in=named) | Q(pk__in=grouped))
    senders = [*(provider_ids or []), *([provider_id] if provider_id not in (None, "") else [])]
    if senders:
        qs = qs.filter(sender_id__in=[pk for pk in (parse_id(s) for s in senders) if pk])
    return qs
