"""A member's place in a conversation: read state, archive, display name; leaving and removal.

Read state: ``viewed`` is false while the conversation holds a note the member did not send and
has not seen. A new note flips it for every other member (``mark_unread_for_others``, called by
the notes service in the note's transaction); the member flips it back by marking the
conversation viewed. Counts read the flag directly, so they are right as soon as either commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import UserGroup
from apps.accounts.selectors import shown_users
from apps.accounts.viewer import Viewer
from apps.chat.models import Conversation, ConversationMembership, Note
from apps.chat.selectors.conversations import conversation_get, is_chat_admin, visible_memberships
from apps.core.errors import NotFound, ValidationFailed
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.lookup import get_visible, parse_id
from apps.events.bus import emit

MAX_DISPLAY_NAME = 255


@dataclass(frozen=True)
class MembershipChanges:
    viewed: bool | None | Unset = UNSET
    archived: bool | None | Unset = UNSET
    display_name: str | None | Unset = UNSET


def _updated(membership: ConversationMembership, changed: list[str], actor_id: int | None) -> None:
    emit("conversation_membership.updated", membership, organization_id=membership.conversation.organization_id,
         changed_fields=changed, actor_id=actor_id)


@transaction.atomic
def membership_update(viewer: Viewer, *, membership_id: object, changes: MembershipChanges) -> ConversationMembership:
    """``updateConversationMembership``: only the member changes their own membership."""
    viewer.require()
    if membership_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    own = visible_memberships(viewer).filter(user_id=viewer.user_id)
    membership = get_visible(own.select_related("conversation"), membership_id, "Conversation membership")
    membership = ConversationMembership.objects.select_for_update().select_related("conversation").get(
        pk=membership.pk)
    changed: list[str] = []
    if is_set(changes.display_name) and changes.display_name is not None:
        name = changes.display_name.strip()
        if len(name) > MAX_DISPLAY_NAME:
            raise ValidationFailed("display_name", f"display_name is too long (at most {MAX_DISPLAY_NAME}).")
        if name != membership.display_name:
            membership.display_name = name
            changed.append("display_name")
    if is_set(changes.archived) and changes.archived is not None and changes.archived != membership.archived:
        membership.archived = changes.archived
        changed.append("archived")
    marked_viewed = is_set(changes.viewed) and changes.viewed is True
    if marked_viewed:
        membership.last_viewed_at = timezone.now()
        membership.last_viewed_note_id = membership.conversation.last_note_id
        if not membership.viewed:
            changed.append("viewed")
        membership.viewed = True
    elif is_set(changes.viewed) and changes.viewed is False and membership.viewed:
        membership.viewed = False
        changed.append("viewed")
    membership.save()
    organization_id = membership.conversation.organization_id
    if marked_viewed:
        emit("conversation_membership.viewed", membership, organization_id=organization_id, actor_id=viewer.user_id)
    if changed:
        _updated(membership, changed, viewer.user_id)
    return membership


@transaction.atomic
def membership_delete(viewer: Viewer, *, conversation_id: object, user_id: object = None,
                      group_id: object = None) -> ConversationMembership | None:
    """``deleteConversationMembership``: leave (no ``user_id``, or one's own), or remove another
    member (the conversation's owner, or an admin). ``group_id`` removes the members a group
    brought and the group itself. The owner cannot be removed: conversations are closed instead."""
    viewer.require()
    # Each id is checked on its own field first, so a hidden user or group answers like a missing one.
    if user_id not in (None, "") and not shown_users(viewer).filter(pk=parse_id(user_id) or 0).exists():
        raise NotFound("user_id", "User not found.")
    group = None
    if group_id not in (None, ""):
        group = UserGroup.objects.filter(pk=parse_id(group_id) or 0, organization_id=viewer.organization_id).first()
        if group is None or not viewer.is_member:
            raise NotFound("group_id", "User group not found.")
    if conversation_id in (None, ""):
        raise ValidationFailed("conversation_id", "conversation_id is required")
    conversation = conversation_get(viewer, conversation_id, field="conversation_id")
    manager = conversation.owner_id == viewer.user_id or (viewer.is_member and is_chat_admin(viewer))
    if group is not None:
        if not manager:
            raise ValidationFailed("group_id", "Only the conversation's owner or an admin can remove a group.")
        if not conversation.user_groups.filter(pk=group.pk).exists():
            raise NotFound("group_id", "User group not found.")
        brought = list(conversation.memberships.filter(via_group=group).exclude(user_id=conversation.owner_id))
        conversation.user_groups.remove(group)
        for membership in brought:
            removed_id = membership.pk
            membership.delete()
            membership.pk = removed_id  # the payload shows what was removed
        # None when every member the group brought had already left.
        return brought[0] if brought else None
    target = viewer.user_id if user_id in (None, "") else parse_id(user_id)
    membership = conversation.memberships.filter(user_id=target).select_related("user").first() if target else None
    if membership is None:
        raise NotFound("user_id", "Conversation membership not found.")
    if target != viewer.user_id and not manager:
        raise ValidationFailed("user_id", "Only the conversation's owner or an admin can remove other members.")
    if target == conversation.owner_id:
        raise ValidationFailed("user_id", "The owner cannot leave the conversation; close it instead.")
    removed_id = membership.pk
    membership.delete()
    membership.pk = removed_id  # the payload shows what was removed
    return membership


def mark_unread_for_others(conversation: Conversation, sender, note: Note | None = None) -> list[int]:
    """Called inside the transaction that delivers a note: every other member now has an unread
    note, and the sender has seen up to ``note``. Returns the ids of memberships that went from
    read to unread (each gets one ``conversation_membership.updated`` event for the live lists).
    Also records the conversation's activity time (list order) and a ``conversation.updated`` event."""
    sender_id = getattr(sender, "pk", sender)
    if note is not None and note.delivered_at is not None:
        ConversationMembership.objects.filter(conversation=conversation, user_id=sender_id).update(
            viewed=True, last_viewed_note=note, last_viewed_at=note.delivered_at)
    flipped = list(conversation.memberships.filter(viewed=True).exclude(user_id=sender_id)
                   .values_list("pk", flat=True))
    if flipped:
        ConversationMembership.objects.filter(pk__in=flipped).update(viewed=False, updated_at=timezone.now())
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=timezone.now())
    for pk in flipped:
        emit("conversation_membership.updated", ConversationMembership(pk=pk),
             organization_id=conversation.organization_id, changed_fields=["viewed"], actor_id=sender_id)
    emit("conversation.updated", conversation, organization_id=conversation.organization_id,
         changed_fields=["notes"], actor_id=sender_id)
    return flipped
