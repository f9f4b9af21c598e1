"""Note mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.chat.services import blasts, notes
from schema.chat import note_inputs as inputs
from schema.chat.note_payloads import (
    CreateMessageBlastPayload,
    CreateNotePayload,
    DeleteNotePayload,
    UpdateNotePayload,
    UpdateNoteSchedulerPayload,
)
from schema.context import Info
from schema.payloads import provided, run


def _blast_message(blast) -> dict:
    when = "now" if blast.scheduled_at is None else "at its scheduled time"
    return {"message": f"The message blast to {blast.recipients_count} patient(s) will be sent {when}."}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sends a note (chat message) to a conversation the caller is a member of.")
    def createNote(self, info: Info, input: inputs.CreateNoteInput) -> CreateNotePayload:  # noqa: N802
        return run(CreateNotePayload, lambda: notes.note_create(info.context.viewer, inputs.note_create(input)),
                   "note")

    @strawberry.mutation(description="Edits a note (its sender only); a pending note may be rescheduled.")
    def updateNote(self, info: Info, input: inputs.UpdateNoteInput | None = None) -> UpdateNotePayload:  # noqa: N802
        return run(UpdateNotePayload, lambda: notes.note_update(info.context.viewer, inputs.note_update(input)),
                   "note")

    @strawberry.mutation(description="Deletes a note (soft delete) by its sender or the conversation's owner.")
    def deleteNote(self, info: Info, input: inputs.DeleteNoteInput | None = None) -> DeleteNotePayload:  # noqa: N802
        return run(DeleteNotePayload, lambda: notes.note_delete(info.context.viewer, provided(input).get("id")),
                   "note")

    @strawberry.mutation(description="Changes the patients of a message blast that was not sent yet.")
    def updateNoteScheduler(  # noqa: N802
        self, info: Info, input: inputs.UpdateNoteSchedulerInput | None = None
    ) -> UpdateNoteSchedulerPayload:
        values = provided(input)
        return run(UpdateNoteSchedulerPayload, lambda: blasts.blast_update(
            info.context.viewer, values.get("id"), participant_ids=values.get("participant_ids"),
            select_all_status=values.get("select_all_status")), "noteScheduler")

    @strawberry.mutation(description="Sends one note to many patients, each in their two-person conversation "
                                     "with the sender, by a background job (now or at scheduled_at).")
    def createMessageBlast(  # noqa: N802
        self, info: Info, input: inputs.CreateMessageBlastInput | None = None
    ) -> CreateMessageBlastPayload:
        return run(CreateMessageBlastPayload, lambda: _blast_message(
            blasts.blast_create(info.context.viewer, inputs.blast_create(input))))
