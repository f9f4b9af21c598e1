"""Conversations: create, change members, rename, close (never delete).

Members are named by ``doc_share_id`` strings (``user-1,group-2``): a group stands for its
users, each added as a member of their own. Who may be added is
``selectors.invitable_users``: for providers and staff, their organization's providers and
staff and the patients they may see; for a patient, only their own providers. So a
conversation never crosses organizations, and a patient is only ever in conversations of
their own organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User, UserGroup
from apps.accounts.viewer import MEMBER, Viewer
from apps.chat.models import ChatSetting, Conversation, ConversationMembership
from apps.chat.selectors.conversations import conversation_get, invitable_users
from apps.core.errors import Collector, ErrorCode, ValidationFailed
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.lookup import parse_id
from apps.events.bus import emit
from apps.scheduling.selectors import appointment_get

MAX_NAME_LENGTH = 255
MAX_MEMBER_REFERENCES = 500
MAX_MEMBER_STRING = 20_000
MAX_METADATA_CHARS = 10_000


@dataclass(frozen=True)
class NewConversation:
    simple_added_users: str | None | Unset = UNSET
    owner_id: object = UNSET
    name: str | None | Unset = UNSET
    # Published alternatives to simple_added_users: each adds its user(s) like a doc_share_id.
    patient_id: object = UNSET
    dietitian_id: object = UNSET
    added_users: list[str] | None | Unset = UNSET
    metadata: Any = UNSET
    # The first message of createConversation's ``note`` input; see docs/compatibility.md.
    note_content: str | None | Unset = UNSET
    appointment_id: object = UNSET
    select_all_status: str | None | Unset = UNSET


@dataclass(frozen=True)
class ConversationChanges:
    simple_added_users: str | None | Unset = UNSET
    name: str | None | Unset = UNSET
    closed_by_id: object = UNSET
    hide_close_confirmation: bool | None | Unset = UNSET
    metadata: Any = UNSET
    select_all_status: str | None | Unset = UNSET


@dataclass(frozen=True)
class Members:
    """Users named by doc_share_ids, each with the group that brought them (if any)."""

    users: dict[int, User]
    via_group: dict[int, UserGroup | None]
    groups: list[UserGroup]


def parse_members(viewer: Viewer, text: str | None, *, field: str = "simple_added_users",
                  extra: list[tuple[str, str]] = ()) -> Members:
    """Resolves ``user-N``/``group-N`` references the viewer may use. Any other reference (malformed,
    missing, another organization's, hidden from the viewer) is reported on the input field that
    carried it, by position, never by id (a hidden id answers exactly like a missing one), and
    nothing is resolved. ``extra`` holds (field, reference) pairs of the other published inputs."""
    raw = text or ""
    if len(raw) > MAX_MEMBER_STRING:
        raise ValidationFailed(field, "Too many members in one request.")
    if "\x00" in raw:
        raise ValidationFailed(field, f"'{field}' contains a character that is not allowed.")
    tokens = [(field, t.strip()) for t in raw.split(",") if t.strip()] + [(f, t) for f, t in extra if t]
    if len(tokens) > MAX_MEMBER_REFERENCES:
        raise ValidationFailed(field, f"At most {MAX_MEMBER_REFERENCES} users and groups per request.")
    parsed: list[tuple[str, int, str, int | None]] = []  # (field, position, kind, pk)
    for position, (source, token) in enumerate(tokens, start=1):
        kind, _, number = token.partition("-")
        kind = kind.lower()
        ok = kind == "user" or (kind == "group" and viewer.is_member)
        parsed.append((source, position, kind if ok else "", parse_id(number) if ok else None))
    user_pks = [pk for _, _, kind, pk in parsed if kind == "user" and pk]
    group_pks = [pk for _, _, kind, pk in parsed if kind == "group" and pk]
    found = {u.pk: u for u in invitable_users(viewer).filter(pk__in=user_pks)}
    groups = {g.pk: g for g in UserGroup.objects.filter(pk__in=group_pks, organization_id=viewer.organization_id)}
    errors = Collector()
    for source, position, kind, pk in parsed:
        known = found if kind == "user" else groups if kind == "group" else {}
        if pk not in known and not errors.has(source):
            where = f" (item {position})" if source == field else ""
            errors.add(source, f"User or group not found{where}.", ErrorCode.NOT_FOUND)
    errors.raise_if_any()
    ordered_groups = [groups[pk] for pk in sorted(groups)]
    via: dict[int, UserGroup | None] = dict.fromkeys(found, None)
    if ordered_groups:
        for user in invitable_users(viewer).filter(user_group__in=ordered_groups).select_related("user_group"):
            if user.pk not in found:
                found[user.pk] = user
                via[user.pk] = user.user_group
    return Members(found, via, ordered_groups)


def _clean_name(value: str | None, errors: Collector) -> str:
    name = (value or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        errors.add("name", f"Name is too long (at most {MAX_NAME_LENGTH} characters).")
    return name


def _clean_metadata(value: Any, errors: Collector) -> Any:
    import json

    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError):
        errors.add("metadata", "metadata must be JSON.")
        return None
    if size > MAX_METADATA_CHARS:
        errors.add("metadata", f"metadata is too large (at most {MAX_METADATA_CHARS} characters as JSON).")
    return value


def _owner_for(viewer: Viewer, owner_id: object, members: Members, errors: Collector) -> User | None:
    if owner_id in (None, "", UNSET) or parse_id(owner_id) == viewer.user_id:
        return viewer.user
    pk = parse_id(owner_id)
    if viewer.is_patient:
        owner = members.users.get(pk) if pk else None
    else:
        owner = invitable_users(viewer).filter(pk=pk, is_patient=False).first() if pk else None
    if owner is None:
        errors.add("owner_id", "Owner not found.", ErrorCode.NOT_FOUND)
    return owner


def add_member(conversation: Conversation, user: User, *, creator: User | None,
               via_group: UserGroup | None = None, actor_id: int | None = None) -> ConversationMembership:
    """One new membership and its documented ``conversation_membership.created`` event."""
    membership = ConversationMembership.objects.create(conversation=conversation, user=user, creator=creator,
                                                       via_group=via_group)
    emit("conversation_membership.created", membership, organization_id=conversation.organization_id,
         actor_id=actor_id)
    return membership


def _single_patient(users: list[User]) -> User | None:
    patients = [u for u in users if u.is_patient]
    return patients[0] if len(patients) == 1 else None


@transaction.atomic
def conversation_create(viewer: Viewer, data: NewConversation) -> Conversation:
    """``createConversation``. Providers and staff may add anyone ``invitable_users`` allows; a
    patient may create a conversation only with their own providers (at least one), and is its
    owner. A conversation created without patients is internal: patients can never join it."""
    viewer.require()
    errors = Collector()
    extra = [(name, f"user-{value}") for name, value in (("patient_id", data.patient_id),
                                                          ("dietitian_id", data.dietitian_id))
             if is_set(value) and value not in (None, "")]
    extra += [("added_users", str(v).strip()) for v in (data.added_users or []) if is_set(data.added_users)]
    if is_set(data.appointment_id) and data.appointment_id not in (None, ""):
        # Checked like every id (a hidden appointment answers like a missing one); not linked yet.
        appointment_get(viewer, data.appointment_id, field="appointment_id")
    members = parse_members(viewer, data.simple_added_users if is_set(data.simple_added_users) else None,
                            extra=extra)
    name = _clean_name(data.name if is_set(data.name) else None, errors)
    metadata = _clean_metadata(data.metadata, errors) if is_set(data.metadata) else None
    owner = _owner_for(viewer, data.owner_id, members, errors)
    if is_set(data.note_content) and data.note_content:
        errors.add("note", "A first message is sent with createNote once the conversation exists.")
    others = [u for pk, u in members.users.items() if pk != viewer.user_id]
    if viewer.is_patient:
        if not others:
            errors.add("simple_added_users", "Add at least one of your providers.")
        if owner is not None and owner.pk != viewer.user_id:
            errors.add("owner_id", "A patient's conversation is owned by the patient.")
    elif owner is not None and owner.is_patient:
        errors.add("owner_id", "The owner must be a provider or staff member.")
    errors.raise_if_any()
    everyone = {viewer.user_id: viewer.user, **members.users, owner.pk: owner}
    has_patient = any(u.is_patient for u in everyone.values())
    conversation = Conversation.objects.create(
        organization_id=viewer.organization_id, owner=owner, name=name, internal=not has_patient,
        patient=_single_patient(list(everyone.values())), metadata=metadata,
    )
    if members.groups:
        conversation.user_groups.set(members.groups)
    for pk, user in everyone.items():
        add_member(conversation, user, creator=viewer.user, via_group=members.via_group.get(pk),
                   actor_id=viewer.user_id)
    return conversation


def _replace_members(viewer: Viewer, conversation: Conversation, members: Members) -> list[str]:
    """The documented replacement: members not listed are removed (never the owner); listed users
    who are not members yet are added."""
    wanted = dict(members.users)
    current = {m.user_id: m for m in conversation.memberships.select_related("user")}
    if conversation.internal and any(u.is_patient for u in wanted.values()):
        raise ValidationFailed("simple_added_users", "This is an internal conversation: patients cannot join it.")
    removed = [m for uid, m in current.items() if uid not in wanted and uid != conversation.owner_id]
    for membership in removed:
        membership.delete()
    for pk, user in wanted.items():
        if pk not in current:
            add_member(conversation, user, creator=viewer.user, via_group=members.via_group.get(pk),
                       actor_id=viewer.user_id)
    conversation.user_groups.set(members.groups)
    remaining = [m.user for uid, m in current.items() if uid in wanted or uid == conversation.owner_id]
    added = [u for pk, u in wanted.items() if pk not in current]
    conversation.patient = conversation.patient if conversation.automatic else _single_patient(remaining + added)
    return ["members"] if removed or added else []


@transaction.atomic
def conversation_update(viewer: Viewer, *, conversation_id: object, changes: ConversationChanges) -> Conversation:
    """``updateConversation`` (providers and staff who are in the conversation, and admins)."""
    viewer.require(MEMBER)
    closing = is_set(changes.closed_by_id) and changes.closed_by_id not in (None, "")
    if closing and parse_id(changes.closed_by_id) != viewer.user_id:
        # Only the caller can close in their own name: any other id is not a user they can name here.
        raise ValidationFailed("closed_by_id", "closed_by_id must be the id of the current user.", ErrorCode.NOT_FOUND)
    if conversation_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    conversation = conversation_get(viewer, conversation_id)
    # Visible to a member means a member of it or an admin: exactly who may change it.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    errors = Collector()
    changed: list[str] = []
    if is_set(changes.name) and changes.name is not None:
        name = _clean_name(changes.name, errors)
        if name != conversation.name:
            conversation.name = name
            changed.append("name")
    if is_set(changes.metadata):
        conversation.metadata = _clean_metadata(changes.metadata, errors)
        changed.append("metadata")
    errors.raise_if_any()
    if is_set(changes.simple_added_users) and changes.simple_added_users is not None:
        changed += _replace_members(viewer, conversation, parse_members(viewer, changes.simple_added_users))
    if closing and conversation.closed_at is None:
        conversation.closed_by = viewer.user
        conversation.closed_at = timezone.now()
        changed.append("closed_at")
    if is_set(changes.hide_close_confirmation) and changes.hide_close_confirmation is not None:
        setting, _ = ChatSetting.objects.get_or_create(user=viewer.user)
        setting.hide_close_confirmation = changes.hide_close_confirmation
        setting.save(update_fields=["hide_close_confirmation", "updated_at"])
    if changed:
        conversation.last_activity_at = timezone.now()
        conversation.save()
        emit("conversation.updated", conversation, organization_id=conversation.organization_id,
             changed_fields=changed, actor_id=viewer.user_id)
    return conversation
