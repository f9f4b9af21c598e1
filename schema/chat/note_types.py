"""GraphQL types of notes (chat messages) and message blasts (``NoteScheduler``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Prefetch
from strawberry_django.optimizer import optimize

from apps.accounts.models import User, UserGroup
from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import Viewer
from apps.chat import models
from apps.chat.selectors.notes import note_people, note_viewed, visible_notes
from apps.chat.services.attachments import signed_path
from apps.chat.services.blasts import invitees as blast_invitees
from apps.core.lookup import parse_id
from apps.core.timefmt import format_datetime
from schema.accounts.types import UserGroupType, UserType, register_user_fields


def first_name_last_initial(user: User) -> str:
    initial = f" {user.last_name[:1]}." if user.last_name else ""
    return f"{user.first_name}{initial}".strip()


def _people_attr(relation: str) -> str:
    return f"_note_people_{relation}"


def _people_prefetch(relation: str) -> Callable[[strawberry.Info], Prefetch]:
    def build(info: strawberry.Info) -> Prefetch:
        queryset = optimize(note_people(info.context.viewer).order_by("id"), info)
        return Prefetch(relation, queryset=queryset, to_attr=_people_attr(relation))

    return build


def _person(root: Any, relation: str, info: strawberry.Info) -> User | None:
    """The user behind ``relation``, read through ``note_people`` (prefetched in lists)."""
    attr = _people_attr(relation)
    if hasattr(root, attr):
        return getattr(root, attr)
    pk = getattr(root, f"{relation}_id")
    return note_people(info.context.viewer).filter(pk=pk).first() if pk else None


def _absolute(info: strawberry.Info, path: str) -> str:
    request = info.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


def _viewer_membership(info: strawberry.Info) -> Prefetch:
    """The caller's own membership of each note's conversation, for ``viewed`` without a query per note."""
    queryset = models.ConversationMembership.objects.filter(user_id=info.context.viewer.user_id).order_by("id")
    return Prefetch("conversation__memberships", queryset=queryset, to_attr="_viewer_memberships")


@strawberry.type(name="Task", description="Tasks are not part of this product yet: no Task is ever returned "
                                          "(see docs/compatibility.md).")
class TaskType:
    id: strawberry.ID


@strawberry_django.type(models.Note, name="Note")
class NoteType:
    id: strawberry.ID
    content: str | None
    is_autoresponse: bool
    # Plain attribute fields (the foreign keys' columns): a live note whose selection is only such
    # fields is executed once for all its subscribers (schema.realtime.fanout).
    user_id: strawberry.ID | None
    conversation_id: strawberry.ID | None

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.Note) -> str | None:
        return getattr(root, "cursor", None)


    @strawberry_django.field(only=["conversation_id", "delivered_at"],
                             description="The conversation of a note still waiting for its scheduled time.")
    def scheduled_conversation_id(self, root: models.Note) -> strawberry.ID | None:
        return _id(root.conversation_id) if root.delivered_at is None else None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Note) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.Note) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["scheduled_at"])
    def scheduled_at(self, root: models.Note) -> str | None:
        return format_datetime(root.scheduled_at)

    @strawberry_django.field(only=["deleted_at", "deleted_by_id", "user_id"])
    def deleted_by_user(self, root: models.Note) -> bool:
        return root.deleted_at is not None and root.deleted_by_id == root.user_id

    @strawberry_django.field(
        only=["id", "attachment"],
        description="A signed link to the attachment (image or PDF), valid for CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS.")
    def attached_image_url(self, root: models.Note, info: strawberry.Info) -> str | None:
        return _absolute(info, signed_path(root.pk)) if root.attachment else None

    @strawberry_django.field(only=["attachment", "attachment_name"])
    def image_name(self, root: models.Note) -> str | None:
        return (root.attachment_name or None) if root.attachment else None

    @strawberry_django.field(description="Audio attachments are not supported: always null.")
    def attached_audio_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Notes carry files themselves, not Document records: always null.")
    def document_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="Notes carry files themselves, not Document records: always null.")
    def document_name(self) -> str | None:
        return None

    @strawberry_django.field(description="Deprecated in the published API; always null here.")
    def recipient_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="Tasks are not part of this product yet: always null.")
    def task(self) -> TaskType | None:
        return None

    @strawberry_django.field(only=["user_id"], prefetch_related=[_people_prefetch("user")])
    def creator(self, root: models.Note, info: strawberry.Info) -> UserType | None:
        return _person(root, "user", info)

    @strawberry_django.field(only=["user__first_name", "user__last_name"], select_related=["user"],
                             description="The sender as the conversation shows them: first name and last initial.")
    def creator_display_name(self, root: models.Note) -> str | None:
        return first_name_last_initial(root.user)

    @strawberry_django.field(only=["on_behalf_user_id"], prefetch_related=[_people_prefetch("on_behalf_user")])
    def on_behalf_user(self, root: models.Note, info: strawberry.Info) -> UserType | None:
        return _person(root, "on_behalf_user", info)

    @strawberry_django.field(
        only=["user_id", "conversation_id", "delivered_at"], prefetch_related=[_viewer_membership],
        description="Whether viewer_id (default: the caller) has seen the note: its sender has; a member has "
                    "once they viewed the conversation after the note was delivered.")
    def viewed(self, root: models.Note, info: strawberry.Info, viewer_id: strawberry.ID | None = None) -> bool | None:
        me = info.context.viewer.user_id
        asked = parse_id(viewer_id) if viewer_id not in (None, "") else me
        prefetched = getattr(root.conversation, "_viewer_memberships", None) if asked == me else None
        if prefetched is None:
            return note_viewed(root, asked)
        if root.delivered_at is None:
            return False
        return root.user_id == me or any(m.last_viewed_at and m.last_viewed_at >= root.delivered_at
                                         for m in prefetched)


def _recipients_prefetch(info: strawberry.Info) -> Prefetch:
    # Patients the caller may still see: one who left the caller's care is not named.
    queryset = optimize(visible_patients(info.context.viewer).order_by("id"), info)
    return Prefetch("recipients", queryset=queryset, to_attr="_visible_recipients")


def _blast_notes_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = optimize(visible_notes(info.context.viewer).order_by("id"), info)
    return Prefetch("notes", queryset=queryset, to_attr="_visible_notes")


def _recipient_ids_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = visible_patients(info.context.viewer).only("id").order_by("id")
    return Prefetch("recipients", queryset=queryset, to_attr="_visible_recipient_ids")


def _invitee_patients(info: strawberry.Info):
    return optimize(visible_patients(info.context.viewer).filter(active=True).order_by("id"), info)


# Active patients the caller may see among each blast's chosen patients and group members: the
# same filter for every blast of a page, so two prefetches serve the whole list.
def _invitee_recipients_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("recipients", queryset=_invitee_patients(info), to_attr="_invitee_recipients")


def _invitee_groups_prefetch(info: strawberry.Info) -> Prefetch:
    members = Prefetch("users", queryset=_invitee_patients(info), to_attr="_invitee_members")
    return Prefetch("user_groups", queryset=UserGroup.objects.prefetch_related(members), to_attr="_invitee_groups")


INVITEE_PREFETCHES = [_invitee_recipients_prefetch, _invitee_groups_prefetch]


def _sender_sees(info: strawberry.Info, sender_id: int) -> frozenset[int]:
    """The patients a blast's sender may see (a blast reaches only those), read once per sender
    and request: a page of one provider's blasts costs one query, whatever its size."""
    cache = info.context.memo.setdefault("chat.blast_sender_patients", {})
    if sender_id not in cache:
        sender = User.objects.select_related("membership").filter(pk=sender_id).first()
        cache[sender_id] = frozenset(visible_patients(Viewer(user=sender)).values_list("pk", flat=True)) \
            if sender is not None else frozenset()
    return cache[sender_id]


def _invitees(root: models.MessageBlast, info: strawberry.Info) -> list[User]:
    """The blast's patients (chosen, or members of its groups) that both its sender and the caller see."""
    if not hasattr(root, "_invitee_recipients"):
        visible = visible_patients(info.context.viewer).values("pk")
        return list(blast_invitees(root).filter(pk__in=visible).order_by("id"))
    found = {user.pk: user for user in root._invitee_recipients}
    for group in root._invitee_groups:
        found.update((user.pk, user) for user in group._invitee_members)
    allowed = _sender_sees(info, root.sender_id)
    return [found[pk] for pk in sorted(found) if pk in allowed]


def _recipients(root: models.MessageBlast, info: strawberry.Info) -> list[User]:
    if hasattr(root, "_visible_recipients"):
        return list(root._visible_recipients)
    chosen = root.recipients.values("pk")
    return list(visible_patients(info.context.viewer).filter(pk__in=chosen).order_by("id"))


@strawberry_django.type(models.MessageBlast, name="NoteScheduler")
class NoteSchedulerType:
    id: strawberry.ID

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.MessageBlast) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["content"])
    def note_content(self, root: models.MessageBlast) -> str | None:
        return root.content

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.MessageBlast) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["recipients_count"])
    def invitees_count(self, root: models.MessageBlast) -> int | None:
        return root.recipients_count

    @strawberry_django.field(only=["sender_id"], prefetch_related=[_people_prefetch("sender")])
    def user(self, root: models.MessageBlast, info: strawberry.Info) -> UserType | None:
        return _person(root, "sender", info)

    @strawberry_django.field(prefetch_related=[_recipient_ids_prefetch])
    def participant_ids(self, root: models.MessageBlast, info: strawberry.Info) -> list[strawberry.ID | None] | None:
        if hasattr(root, "_visible_recipient_ids"):
            return [strawberry.ID(str(u.pk)) for u in root._visible_recipient_ids]
        return [strawberry.ID(str(u.pk)) for u in _recipients(root, info)]

    @strawberry_django.field(prefetch_related=[_recipients_prefetch])
    def selected_users(self, root: models.MessageBlast, info: strawberry.Info) -> list[UserType] | None:
        return _recipients(root, info)

    @strawberry_django.field(prefetch_related=["user_groups"])
    def selected_user_groups(self, root: models.MessageBlast) -> list[UserGroupType] | None:
        return sorted(root.user_groups.all(), key=lambda g: g.pk)

    @strawberry_django.field(description="The patients the blast reaches: chosen patients and members of its "
                                         "groups (group membership as it is when asked).", only=["sender_id"],
                             prefetch_related=INVITEE_PREFETCHES)
    def invitees(self, root: models.MessageBlast, info: strawberry.Info) -> list[UserType]:
        return _invitees(root, info)

    @strawberry_django.field(description="The first four invitees, by id.", only=["sender_id"],
                             prefetch_related=INVITEE_PREFETCHES)
    def first_four_invitees(self, root: models.MessageBlast, info: strawberry.Info) -> list[UserType]:
        return _invitees(root, info)[:4]

    @strawberry_django.field(only=["sent_at"], prefetch_related=[_blast_notes_prefetch],
                             description="The first note the blast delivered that the caller may see (null until "
                                         "it is sent).")
    def note(self, root: models.MessageBlast, info: strawberry.Info) -> NoteType | None:
        if root.sent_at is None:
            return None
        if hasattr(root, "_visible_notes"):
            return root._visible_notes[0] if root._visible_notes else None
        return visible_notes(info.context.viewer).filter(blast=root).order_by("id").first()

    @strawberry_django.field(description="Tasks are not part of this product yet: always null.")
    def last_task(self) -> TaskType | None:
        return None


class _NoteUserFields:
    @strawberry_django.field(only=["first_name", "last_name"],
                             description="The first name and the last name's initial, as chat shows senders.")
    def first_name_last_initial(self, root: User) -> str:
        return first_name_last_initial(root)


register_user_fields(_NoteUserFields)
