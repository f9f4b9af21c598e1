"""Writing notes (chat messages): create, edit, delete, and delivery.

A note is delivered (``delivered_at`` set, ``message.created`` emitted, the conversation's
``last_note`` moved, every other member marked unread) when it is created, or, with
``scheduled_at`` in the future, once by the ``chat.deliver_scheduled_note`` job
(``apps.chat.services.scheduled``). Content is stored sanitized (``sanitize.clean_html``);
attachments go through ``attachments.store``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.accounts.selectors import organization_providers
from apps.accounts.viewer import Viewer
from apps.chat.models import ChatSetting, Conversation, ConversationMembership, Note
from apps.chat.selectors.conversations import visible_conversations
from apps.chat.selectors.notes import note_people, visible_notes
from apps.chat.services import attachments, scheduled
from apps.chat.services.memberships import mark_unread_for_others
from apps.chat.services.sanitize import clean_html, has_substance
from apps.core.errors import ValidationFailed
from apps.core.inputs import UNSET, is_set
from apps.core.lookup import get_visible, parse_id
from apps.core.text import reject_nul
from apps.core.timefmt import TimeFormatError, get_zone, now, parse_clock, parse_datetime
from apps.events.bus import emit
from apps.events.groups import conversation_group
from apps.events.publish import register_groups as register_event_groups

MAX_CONTENT_CHARS = 100_000
CLOSED = "This conversation is closed: no new notes can be sent to it."
_NAME_PARAM = re.compile(r"\Adata:[^,]*;name=([^;,]+)", re.I)


@dataclass(frozen=True)
class AttachmentInput:
    """The attachment fields of createNote/updateNote; at most one may be sent."""

    image_string: str | None = None   # attached_image_string: base64 or a base64 data URL
    image: Any = None                 # attached_image: Upload
    document: Any = None              # attached_document: Upload
    audio: Any = None                 # attached_audio: Upload (not supported)

    @property
    def sent(self) -> bool:
        return any(v not in (None, "") for v in (self.image_string, self.image, self.document, self.audio))


@dataclass(frozen=True)
class NoteCreate:
    conversation_id: object
    content: str | None = None
    user_id: object = None
    org_chat: bool | None = None
    hide_org_chat_confirmation: bool | None = None
    scheduled_at: str | None = None
    attachment: AttachmentInput = field(default_factory=AttachmentInput)


@dataclass(frozen=True)
class NoteUpdate:
    id: object
    content: Any = UNSET
    scheduled_at: Any = UNSET
    conversation_id: Any = UNSET
    user_id: Any = UNSET
    attachment: AttachmentInput = field(default_factory=AttachmentInput)


def _content(value: str | None) -> str:
    reject_nul(value, "content")
    if value and len(value) > MAX_CONTENT_CHARS:
        raise ValidationFailed("content", f"A note may hold at most {MAX_CONTENT_CHARS} characters.")
    return clean_html(value or "")


def _scheduled_at(viewer: Viewer, value: str | None) -> dt.datetime | None:
    if value in (None, ""):
        return None
    reject_nul(value, "scheduled_at")
    try:
        return parse_datetime(value, viewer.user.timezone or None)
    except TimeFormatError as error:
        raise ValidationFailed("scheduled_at", str(error)) from error


def _incoming(data: AttachmentInput) -> attachments.Incoming | None:
    sent = [(name, value) for name, value in (
        ("attached_image_string", data.image_string), ("attached_image", data.image),
        ("attached_document", data.document), ("attached_audio", data.audio)) if value not in (None, "")]
    if not sent:
        return None
    if len(sent) > 1:
        raise ValidationFailed(sent[1][0], "Send one attachment per note.")
    name, value = sent[0]
    if name == "attached_audio":
        raise ValidationFailed(name, "Audio attachments are not supported: send an image or a PDF.")
    if name == "attached_image_string":
        reject_nul(value, name)
        match = _NAME_PARAM.match(value.strip())
        return attachments.from_base64(value, match.group(1) if match else None, name)
    return attachments.from_upload(value, name)


def _sending_membership(viewer: Viewer, conversation_id: object) -> Conversation:
    """The conversation the viewer sends to: it must see it, be a member, and it must be open."""
    conversation = get_visible(visible_conversations(viewer).select_related("organization"), conversation_id,
                               "Conversation", field="conversation_id")
    if not ConversationMembership.objects.filter(conversation=conversation, user_id=viewer.user_id).exists():
        raise ValidationFailed("conversation_id", "Only members of the conversation can send notes to it.")
    if conversation.is_closed:
        raise ValidationFailed("conversation_id", CLOSED)
    return conversation


def _on_behalf(viewer: Viewer, user_id: object) -> Any:
    """``user_id`` naming someone else: staff sending for a provider of their organization."""
    if user_id in (None, "") or parse_id(user_id) == viewer.user_id:
        return None
    if not viewer.is_member:
        raise ValidationFailed("user_id", "Only providers and staff can send a note on behalf of someone else.")
    return get_visible(organization_providers(viewer), user_id, "User", field="user_id")


def deliver(note: Note, at: dt.datetime) -> Note:
    """Makes a note visible to every member, once. Precondition: inside the caller's transaction,
    ``note.delivered_at`` is None and ``note.conversation`` is loaded."""
    note.delivered_at = at
    # A scheduled note is shown (and ordered) at the time it arrived, not when it was written.
    note.created_at = at
    note.save(update_fields=["delivered_at", "created_at", "updated_at"])
    Conversation.objects.filter(pk=note.conversation_id).update(last_note=note, last_activity_at=at, updated_at=at)
    mark_unread_for_others(note.conversation, note.user_id, note)
    _emit("message.created", note, note.conversation.organization_id, note.user_id)
    if not note.is_autoresponse:
        _auto_respond(note, at)
    return note


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def away_message(setting: ChatSetting, at: dt.datetime, timezone_name: str | None) -> str | None:
    """The auto-response a provider's chat setting gives at ``at``, if any.

    The one-off auto-response (``is_active``) applies from ``start_date`` to ``end_date`` when
    ``scheduled_turned_on``, always otherwise; the recurring one (``recurring_turned_on``) on the
    ``recurring_days`` marked true, all day or from ``recurring_start_time`` to
    ``recurring_end_time`` ("HH:MM" in the provider's time zone; an end before the start runs
    past midnight).
    """
    if setting.is_active and setting.content.strip():
        started = setting.start_date is None or setting.start_date <= at
        ended = not setting.no_end_date and setting.end_date is not None and at > setting.end_date
        if not setting.scheduled_turned_on or (started and not ended):
            return setting.content
    if setting.recurring_turned_on and setting.recurring_content.strip():
        local = at.astimezone(get_zone(timezone_name))
        days = setting.recurring_days if isinstance(setting.recurring_days, dict) else {}
        if setting.recurring_all_day:
            return setting.recurring_content if days.get(WEEKDAYS[local.weekday()]) else None
        try:
            start = parse_clock(setting.recurring_start_time)
            end = parse_clock(setting.recurring_end_time)
        except TimeFormatError:
            return None
        clock = local.time().replace(tzinfo=None)
        if start <= end:
            day = local.weekday()
            inside = start <= clock < end
        else:  # overnight: the evening belongs to today, the early morning to yesterday's window
            day = local.weekday() if clock >= start else (local.weekday() - 1) % 7
            inside = clock >= start or clock < end
        if inside and days.get(WEEKDAYS[day]):
            return setting.recurring_content
    return None


def _auto_respond(note: Note, at: dt.datetime) -> None:
    """A patient's note gets each away provider's auto-response, once until that provider writes
    again in the conversation (so a patient sending five notes gets one reply)."""
    if not note.user.is_patient:
        return
    settings = (ChatSetting.objects.select_related("user")
                .filter(user__conversation_memberships__conversation_id=note.conversation_id,
                        user__is_patient=False).exclude(user_id=note.user_id).order_by("user_id"))
    for setting in settings:
        message = away_message(setting, at, setting.user.timezone)
        if message is None:
            continue
        last = (Note.objects.filter(conversation_id=note.conversation_id, user_id=setting.user_id,
                                    deleted_at__isnull=True, delivered_at__isnull=False)
                .order_by("-delivered_at", "-id").first())
        if last is not None and last.is_autoresponse:
            continue
        reply = Note.objects.create(conversation=note.conversation, user=setting.user,
                                    content=clean_html(message), is_autoresponse=True)
        deliver(reply, at)


@transaction.atomic
def note_create(viewer: Viewer, data: NoteCreate) -> Note:
    viewer.require()
    conversation = _sending_membership(viewer, data.conversation_id)
    on_behalf = _on_behalf(viewer, data.user_id)
    content = _content(data.content)
    when = _scheduled_at(viewer, data.scheduled_at)
    incoming = _incoming(data.attachment)
    if incoming is None and not has_substance(content):
        raise ValidationFailed("content", "A note needs content or an attachment.")
    if data.hide_org_chat_confirmation is not None and viewer.is_member:
        ChatSetting.objects.update_or_create(
            user=viewer.user, defaults={"hide_org_chat_confirmation": bool(data.hide_org_chat_confirmation)})
    stored = attachments.store(incoming) if incoming else None
    try:
        note = Note.objects.create(
            conversation=conversation, user=viewer.user, on_behalf_user=on_behalf, content=content,
            attachment=stored.name if stored else "", attachment_name=stored.original_name if stored else "",
            attachment_content_type=stored.content_type if stored else "", scheduled_at=when,
        )
        current = now()
        if when is not None and when > current:
            scheduled.schedule(note)
        else:
            deliver(note, current)
    except BaseException:
        attachments.discard(stored)
        raise
    return note


def _editable(viewer: Viewer, note_id: object) -> Note:
    note = get_visible(visible_notes(viewer).select_related("conversation"), note_id, "Note")
    if note.user_id != viewer.user_id:
        raise ValidationFailed("id", "Only the sender of a note can edit it.")
    if note.conversation.is_closed:
        raise ValidationFailed("id", "This conversation is closed: its notes can no longer be edited.")
    return note


@transaction.atomic
def note_update(viewer: Viewer, data: NoteUpdate) -> Note:
    viewer.require()
    note = _editable(viewer, data.id)
    if is_set(data.conversation_id) and data.conversation_id not in (None, ""):
        named = get_visible(visible_conversations(viewer), data.conversation_id, "Conversation",
                            field="conversation_id")
        if named.pk != note.conversation_id:
            raise ValidationFailed("conversation_id", "A note cannot move to another conversation.")
    if is_set(data.user_id) and data.user_id not in (None, ""):
        named = get_visible(note_people(viewer), data.user_id, "User", field="user_id")
        if named.pk != note.user_id:
            raise ValidationFailed("user_id", "The sender of a note cannot change.")
    changed: list[str] = ["updated_at"]
    if is_set(data.content) and data.content is not None:
        note.content = _content(data.content)
        changed.append("content")
    reschedule = False
    if is_set(data.scheduled_at) and data.scheduled_at not in (None, ""):
        if note.delivered_at is not None:
            raise ValidationFailed("scheduled_at", "This note was already delivered: it cannot be rescheduled.")
        note.scheduled_at = _scheduled_at(viewer, data.scheduled_at)
        changed.append("scheduled_at")
        reschedule = True
    incoming = _incoming(data.attachment)
    has_attachment = bool(note.attachment) or incoming is not None
    if not has_attachment and not has_substance(note.content):
        raise ValidationFailed("content", "A note needs content or an attachment.")
    stored = attachments.store(incoming) if incoming else None
    try:
        if stored is not None:
            note.attachment = stored.name
            note.attachment_name = stored.original_name
            note.attachment_content_type = stored.content_type
            changed += ["attachment", "attachment_name", "attachment_content_type"]
        note.save(update_fields=changed)
        if reschedule:
            scheduled.cancel(note)
            if note.scheduled_at > now():
                scheduled.schedule(note)
            else:
                deliver(note, now())
    except BaseException:
        attachments.discard(stored)
        raise
    return note


@transaction.atomic
def note_delete(viewer: Viewer, note_id: object) -> Note:
    """Soft delete by the sender, the conversation's owner or the organization owner."""
    viewer.require()
    note = get_visible(visible_notes(viewer).select_related("conversation"), note_id, "Note")
    conversation = note.conversation
    if viewer.user_id not in (note.user_id, conversation.owner_id) and not viewer.is_owner:
        raise ValidationFailed("id", "Only the sender or the conversation's owner can delete a note.")
    note.deleted_at = now()
    note.deleted_by = viewer.user
    note.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    if note.delivered_at is None:
        scheduled.cancel(note)
        return note
    if conversation.last_note_id == note.pk:
        previous = (Note.objects.filter(conversation=conversation, deleted_at__isnull=True,
                                        delivered_at__isnull=False).order_by("-delivered_at", "-id").first())
        Conversation.objects.filter(pk=conversation.pk).update(last_note=previous)
    _emit("message.deleted", note, conversation.organization_id, viewer.user_id)
    return note


def _emit(event_type: str, note: Note, organization_id: int, actor_id: int | None) -> None:
    event = emit(event_type, note, organization_id=organization_id, actor_id=actor_id)
    # Carried on the instance to the on-commit publisher (it receives this very object), which
    # runs on an event loop where the group mapper may not query the database.
    event.conversation_id = note.conversation_id


def _note_groups(event) -> list[str]:
    """A note's events go to its conversation's group (where noteAddedSubscription listens)."""
    conversation_id = getattr(event, "conversation_id", None)
    return [conversation_group(conversation_id)] if conversation_id else []


def register_groups() -> None:
    register_event_groups("Note", _note_groups)
