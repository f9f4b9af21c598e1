"""Note and message-blast queries: thin resolvers over ``apps.chat.selectors.notes``."""

from __future__ import annotations

import strawberry

from apps.chat.selectors import notes as selectors
from schema.chat.note_inputs import NoteOrderKeys
from schema.chat.note_types import NoteSchedulerType, NoteType
from schema.context import Info
from schema.pagination import paginate


def _notes(info: Info, conversation_id, ids, keywords, provider_id, scheduled_notes, since_note_id):
    return selectors.notes_filter(info.context.viewer, conversation_id=conversation_id, ids=ids, keywords=keywords,
                                  provider_id=provider_id, scheduled_notes=scheduled_notes,
                                  since_note_id=since_note_id)


@strawberry.type
class Query:
    @strawberry.field(description="One note the caller may see (a member of its conversation).")
    def note(self, info: Info, id: strawberry.ID | None = None) -> NoteType | None:
        return selectors.note_get(info.context.viewer, id)

    @strawberry.field(description="Delivered notes (with scheduled_notes: pending ones) of the conversations the "
                                  "caller is in, newest first unless sorted otherwise; offset pagination.")
    def notes(
        self, info: Info, conversation_id: strawberry.ID | None = None, ids: list[strawberry.ID | None] | None = None,
        keywords: str | None = None, org_chat: bool | None = None, provider_id: strawberry.ID | None = None,
        scheduled_notes: bool | None = None, since_note_id: strawberry.ID | None = None, sort_by: str | None = None,
        order_by: NoteOrderKeys | None = None, with_tasks: bool | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[NoteType]:
        qs = _notes(info, conversation_id, ids, keywords, provider_id, scheduled_notes, since_note_id)
        sort = selectors.note_sort(sort_by, order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many notes the notes query with the same filters lists.")
    def notesCount(  # noqa: N802
        self, info: Info, conversation_id: strawberry.ID | None = None, ids: list[strawberry.ID | None] | None = None,
        keywords: str | None = None, org_chat: bool | None = None, provider_id: strawberry.ID | None = None,
        scheduled_notes: bool | None = None, since_note_id: strawberry.ID | None = None,
    ) -> int:
        return _notes(info, conversation_id, ids, keywords, provider_id, scheduled_notes, since_note_id).count()

    @strawberry.field(description="Whether a member other than the sender has seen the note.")
    def noteViewedStatus(self, info: Info, id: strawberry.ID | None = None) -> bool | None:  # noqa: N802
        return selectors.note_viewed_by_recipients(info.context.viewer, id)

    @strawberry.field(description="One message blast: its sender's, or any of the organization for its owner.")
    def note_scheduler(self, info: Info, id: strawberry.ID | None = None) -> NoteSchedulerType | None:
        return selectors.blast_get(info.context.viewer, id)

    @strawberry.field(description="Message blasts not sent yet, in the order they will go out.")
    def scheduledMessageBlasts(  # noqa: N802
        self, info: Info, org_chat: bool | None = None, client_id: str | None = None,
        provider_id: strawberry.ID | None = None, provider_ids: list[strawberry.ID | None] | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[NoteSchedulerType]:
        qs = selectors.scheduled_blasts(info.context.viewer, client_id=client_id, provider_id=provider_id,
                                        provider_ids=provider_ids)
        return paginate(qs, info, sort=selectors.BLAST_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="How many message blasts scheduledMessageBlasts lists with the same filters.")
    def scheduledMessageBlastsCount(  # noqa: N802
        self, info: Info, org_chat: bool | None = None, client_id: str | None = None,
        provider_id: strawberry.ID | None = None, provider_ids: list[strawberry.ID | None] | None = None,
    ) -> int:
        return selectors.scheduled_blasts(info.context.viewer, client_id=client_id, provider_id=provider_id,
                                          provider_ids=provider_ids).count()

    @strawberry.field(description="Whether the caller (a provider or staff member) has scheduled notes or "
                                  "message blasts waiting to be sent.")
    def showScheduledTab(self, info: Info) -> bool | None:  # noqa: N802
        return selectors.has_scheduled_items(info.context.viewer)

    @strawberry.field(description="A web client's own paging state in the published API; this server keeps no "
                                  "such state: always null (docs/compatibility.md).")
    def loadMoreNotesCalled(self, info: Info) -> bool | None:  # noqa: N802
        return None

    @strawberry.field(description="A PDF preview of a charting note (form answers); charting forms are not part "
                                  "of this product yet: always null (docs/compatibility.md).")
    def shareNotePreview(  # noqa: N802
        self, info: Info, answers: str | None = None, form_answer_group_id: strawberry.ID | None = None,
        letterhead: bool | None = None, pdf_letterhead_template_id: strawberry.ID | None = None,
        include_header_on_every_page: bool | None = None, user_id: strawberry.ID | None = None,
    ) -> str | None:
        return None
