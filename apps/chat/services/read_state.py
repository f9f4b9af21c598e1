"""Read state on delivery: the smallest correct version for the notes side.

The conversations helper's ``apps.chat.services.memberships.mark_unread_for_others`` is the
one to keep at merge; this module then goes (``notes.deliver`` imports it from there).
"""

from __future__ import annotations

from apps.chat.models import Conversation, ConversationMembership, Note


def mark_unread_for_others(conversation: Conversation, sender_id: int, note: Note | None = None) -> None:
    """Every member but the sender now has an unread note; the sender has seen their own."""
    ConversationMembership.objects.filter(conversation=conversation).exclude(user_id=sender_id).update(viewed=False)
    if note is not None and note.delivered_at is not None:
        ConversationMembership.objects.filter(conversation=conversation, user_id=sender_id).update(
            viewed=True, last_viewed_note=note, last_viewed_at=note.delivered_at)
