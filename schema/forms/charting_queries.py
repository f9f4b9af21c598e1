"""Charting queries: thin resolvers over ``apps.forms.selectors.charting``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry_django.optimizer import optimize

from apps.forms.selectors import charting as selectors
from schema.context import Info
from schema.forms.charting_types import (
    ChartingItemType,
    ChartingNoteAddendumType,
    ChartNoteStatus,
    DraftType,
    FormHistorySourceable,
    FormHistoryType,
    SmartPhraseOrderKeys,
    SmartPhraseType,
    with_note_batch,
)
from schema.pagination import paginate

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType

FormAnswerGroupRef = Annotated["FormAnswerGroupType", strawberry.lazy("schema.forms.answer_types")]
IDs = list[strawberry.ID | None] | None


def _chart_notes(info: Info, tag_ids, end_date, start_date, user_id, provider_ids, chart_note_status,
                 custom_module_form_ids, exclude_requested_and_intake_flow_forms):
    return selectors.chart_notes_filter(
        info.context.viewer, user_id=user_id, provider_ids=provider_ids, custom_module_form_ids=custom_module_form_ids,
        start_date=start_date, end_date=end_date, chart_note_status=chart_note_status.value if chart_note_status
        else None, exclude_requested_and_intake_flow_forms=exclude_requested_and_intake_flow_forms, tag_ids=tag_ids)


@strawberry.type
class Query:
    @strawberry.field(description="Filled-out forms of charting templates the caller may see, newest first; "
                                  "chart_note_status counts signers (CO_SIGNED: two or more) and the lock. "
                                  "primary_payer_ids is accepted and ignored (no insurance billing).")
    def chartNotes(  # noqa: N802
        self, info: Info, tag_ids: IDs = None, end_date: str | None = None, start_date: str | None = None,
        user_id: strawberry.ID | None = None, provider_ids: IDs = None,
        chart_note_status: ChartNoteStatus | None = None, custom_module_form_ids: IDs = None,
        exclude_requested_and_intake_flow_forms: bool | None = None, primary_payer_ids: IDs = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[FormAnswerGroupRef]:
        qs = _chart_notes(info, tag_ids, end_date, start_date, user_id, provider_ids, chart_note_status,
                          custom_module_form_ids, exclude_requested_and_intake_flow_forms)
        return paginate(qs, info, sort=selectors.CHART_NOTE_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="How many chart notes chartNotes lists with the same filters.")
    def chartNotesCount(  # noqa: N802
        self, info: Info, tag_ids: IDs = None, end_date: str | None = None, start_date: str | None = None,
        user_id: strawberry.ID | None = None, provider_ids: IDs = None,
        chart_note_status: ChartNoteStatus | None = None, custom_module_form_ids: IDs = None,
        exclude_requested_and_intake_flow_forms: bool | None = None, primary_payer_ids: IDs = None,
    ) -> int:
        return _chart_notes(info, tag_ids, end_date, start_date, user_id, provider_ids, chart_note_status,
                            custom_module_form_ids, exclude_requested_and_intake_flow_forms).count()

    @strawberry.field(description="A patient's chart: the filled-out forms the caller may see, newest first "
                                  "(documents and AI-generated notes are not part of this product).")
    def chartingItems(  # noqa: N802
        self, info: Info, custom_module_form_id: strawberry.ID | None = None, date: str | None = None,
        document_id: strawberry.ID | None = None, filler_id: strawberry.ID | None = None,
        form_answer_group_id: strawberry.ID | None = None, generated_form_answer_group_id: strawberry.ID | None = None,
        include_docs: bool | None = None, include_generated_form_answer_groups: bool | None = None,
        keywords: str | None = None, name: str | None = None, user_id: strawberry.ID | None = None,
        start_date: str | None = None, end_date: str | None = None,
    ) -> list[ChartingItemType] | None:
        if document_id is not None or generated_form_answer_group_id is not None:
            return []  # neither documents nor generated notes exist here, so nothing matches
        qs = selectors.charting_items_filter(
            info.context.viewer, user_id=user_id, custom_module_form_id=custom_module_form_id, filler_id=filler_id,
            form_answer_group_id=form_answer_group_id, keywords=keywords, name=name, date=date,
            start_date=start_date, end_date=end_date)
        return with_note_batch(list(optimize(qs, info)[:selectors.MAX_CHARTING_ITEMS]))

    @strawberry.field(description="One addendum of a chart note the caller may see.")
    def chartingNoteAddendum(self, info: Info, id: strawberry.ID | None = None) -> ChartingNoteAddendumType | None:  # noqa: N802
        return selectors.addendum_get(info.context.viewer, id)

    @strawberry.field(description="Message drafts are not kept by this product: always null "
                                  "(docs/compatibility.md).")
    def draft(self, info: Info, conversation_membership_id: strawberry.ID | None = None) -> DraftType | None:
        return None

    @strawberry.field(description="Form histories are not recorded by this product: always an empty list "
                                  "(docs/compatibility.md).")
    def formHistories(  # noqa: N802
        self, info: Info, patient_id: strawberry.ID | None = None, sourceable_id: strawberry.ID | None = None,
        sourceable_type: FormHistorySourceable | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[FormHistoryType]:
        return []

    @strawberry.field(description="The caller's smart phrases and those colleagues shared, by name unless "
                                  "ordered otherwise; offset pagination.")
    def smartPhrases(  # noqa: N802
        self, info: Info, keywords: str | None = None, order_by: SmartPhraseOrderKeys | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[SmartPhraseType]:
        qs = selectors.smart_phrases_filter(info.context.viewer, keywords=keywords)
        sort = selectors.smart_phrase_sort(order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many smart phrases smartPhrases lists with the same keywords.")
    def smartPhrasesCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.smart_phrases_filter(info.context.viewer, keywords=keywords).count()
