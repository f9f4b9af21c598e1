"""Payloads of the note mutations (each with the documented ``messages`` list)."""

from __future__ import annotations

from schema.chat.note_types import NoteSchedulerType, NoteType
from schema.payloads import payload_type

CreateNotePayload = payload_type("createNotePayload", note=NoteType)
UpdateNotePayload = payload_type("updateNotePayload", note=NoteType)
DeleteNotePayload = payload_type("deleteNotePayload", note=NoteType)
UpdateNoteSchedulerPayload = payload_type("updateNoteSchedulerPayload", noteScheduler=NoteSchedulerType)
CreateMessageBlastPayload = payload_type("createMessageBlastPayload", message=str)
