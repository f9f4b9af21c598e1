"""Inputs of the note mutations and their builders of the services' typed inputs."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import UNSET
from strawberry.file_uploads import Upload

from apps.chat.services.blasts import BlastCreate
from apps.chat.services.notes import AttachmentInput, NoteCreate, NoteUpdate
from apps.core.inputs import UNSET as NOT_SENT
from schema.payloads import provided


@strawberry.enum(name="NoteOrderKeys")
class NoteOrderKeys(Enum):
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"


@strawberry.input(name="createNoteInput")
class CreateNoteInput:
    # String, not ID: the documented createNote operation declares these variables as String.
    conversation_id: str | None = UNSET
    content: str | None = UNSET
    user_id: str | None = UNSET
    attached_image_string: str | None = UNSET
    attached_image: Upload | None = UNSET
    attached_document: Upload | None = UNSET
    attached_audio: Upload | None = UNSET
    scheduled_at: str | None = UNSET
    org_chat: bool | None = UNSET
    hide_org_chat_confirmation: bool | None = UNSET
    created_at: str | None = strawberry.field(default=UNSET, description="Accepted; timestamps are set by the server.")
    updated_at: str | None = strawberry.field(default=UNSET, description="Accepted; timestamps are set by the server.")


@strawberry.input(name="updateNoteInput")
class UpdateNoteInput:
    id: strawberry.ID | None = UNSET
    content: str | None = UNSET
    conversation_id: strawberry.ID | None = UNSET
    user_id: strawberry.ID | None = UNSET
    attached_image_string: str | None = UNSET
    attached_image: Upload | None = UNSET
    attached_document: Upload | None = UNSET
    attached_audio: Upload | None = UNSET
    scheduled_at: str | None = UNSET


@strawberry.input(name="deleteNoteInput")
class DeleteNoteInput:
    id: strawberry.ID | None = UNSET
    deleted_by_user: bool | None = strawberry.field(
        default=False, description="Accepted for compatibility: every deletion is a soft delete recorded with "
                                   "who deleted the note.")


@strawberry.input(name="NoteInput")
class NoteInput:
    content: str | None = UNSET
    attached_image: Upload | None = UNSET
    attached_document: Upload | None = UNSET


@strawberry.input(name="createMessageBlastInput")
class CreateMessageBlastInput:
    note: NoteInput | None = UNSET
    simple_added_users: str | None = UNSET
    patient_id: strawberry.ID | None = UNSET
    select_all_status: str | None = UNSET
    scheduled_at: str | None = UNSET
    dietitian_id: strawberry.ID | None = UNSET
    name: str | None = UNSET


@strawberry.input(name="updateNoteSchedulerInput")
class UpdateNoteSchedulerInput:
    id: strawberry.ID | None = UNSET
    participant_ids: list[strawberry.ID | None] | None = UNSET
    select_all_status: str | None = UNSET


def _attachment(values: dict) -> AttachmentInput:
    return AttachmentInput(image_string=values.get("attached_image_string"), image=values.get("attached_image"),
                           document=values.get("attached_document"), audio=values.get("attached_audio"))


def note_create(data: CreateNoteInput) -> NoteCreate:
    values = provided(data)
    return NoteCreate(
        conversation_id=values.get("conversation_id"), content=values.get("content"), user_id=values.get("user_id"),
        org_chat=values.get("org_chat"), hide_org_chat_confirmation=values.get("hide_org_chat_confirmation"),
        scheduled_at=values.get("scheduled_at"), attachment=_attachment(values),
    )


def note_update(data: UpdateNoteInput | None) -> NoteUpdate:
    values = provided(data)
    return NoteUpdate(
        id=values.get("id"), content=values.get("content", NOT_SENT), scheduled_at=values.get("scheduled_at", NOT_SENT),
        conversation_id=values.get("conversation_id", NOT_SENT), user_id=values.get("user_id", NOT_SENT),
        attachment=_attachment(values),
    )


def blast_create(data: CreateMessageBlastInput | None) -> BlastCreate:
    values = provided(data)
    note = provided(values.get("note"))
    return BlastCreate(
        content=note.get("content"), simple_added_users=values.get("simple_added_users"),
        patient_id=values.get("patient_id"), select_all_status=values.get("select_all_status"),
        scheduled_at=values.get("scheduled_at"), dietitian_id=values.get("dietitian_id"), name=values.get("name"),
        attachment_sent=any(note.get(k) is not None for k in ("attached_image", "attached_document")),
    )
