"""Filled-out form queries: thin resolvers over ``apps.forms.selectors.answers``."""

from __future__ import annotations

import enum

import strawberry

from apps.forms.selectors import answers as selectors
from schema.context import Info
from schema.forms.answer_types import FormAnswerGroupType
from schema.pagination import paginate


@strawberry.enum(name="FormAnswerGroupOrderKeys")
class FormAnswerGroupOrderKeys(enum.Enum):
    RECORD_CREATED_AT_ASC = "record_created_at_asc"
    RECORD_CREATED_AT_DESC = "record_created_at_desc"
    UPDATED_AT_ASC = "updated_at_asc"
    UPDATED_AT_DESC = "updated_at_desc"
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"
    UNSORTED = "unsorted"


def _groups(info: Info, custom_module_form_id, date, filler_id, form_answer_group_id, ids, name, user_id,
            locked_status, signed_status, updated_after, updated_before, use_for_charting):
    return selectors.answer_groups_filter(
        info.context.viewer, custom_module_form_id=custom_module_form_id, date=date, filler_id=filler_id,
        form_answer_group_id=form_answer_group_id, ids=ids, name=name, user_id=user_id,
        locked_status=locked_status, signed_status=signed_status, updated_after=updated_after,
        updated_before=updated_before, use_for_charting=use_for_charting)


@strawberry.type
class Query:
    @strawberry.field(description="One filled-out form the caller may see (unfinished ones too), by id or "
                                  "external_id.")
    def formAnswerGroup(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, external_id: strawberry.ID | None = None,
        ids: list[strawberry.ID | None] | None = None, for_superbills: bool | None = None,
        appointment_form_answer_group_connection_id: strawberry.ID | None = None,
        track_opened_event: bool | None = None,
    ) -> FormAnswerGroupType | None:
        return selectors.answer_group_find(info.context.viewer, id=id, external_id=external_id, ids=ids)

    @strawberry.field(description="Finished filled-out forms the caller may see, newest first; offset pagination.")
    def formAnswerGroups(  # noqa: N802
        self, info: Info, custom_module_form_id: strawberry.ID | None = None, date: str | None = None,
        filler_id: str | None = None, form_answer_group_id: str | None = None,
        ids: list[strawberry.ID | None] | None = None, include_group_notes: bool | None = None,
        name: str | None = None, user_id: str | None = None, locked_status: bool | None = None,
        signed_status: bool | None = None, updated_after: str | None = None, updated_before: str | None = None,
        order_by: FormAnswerGroupOrderKeys | None = None, use_for_charting: bool | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[FormAnswerGroupType]:
        qs = _groups(info, custom_module_form_id, date, filler_id, form_answer_group_id, ids, name, user_id,
                     locked_status, signed_status, updated_after, updated_before, use_for_charting)
        sort = selectors.answer_group_sort(order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many filled-out forms formAnswerGroups lists with the same filters.")
    def formAnswerGroupsCount(  # noqa: N802
        self, info: Info, custom_module_form_id: strawberry.ID | None = None, date: str | None = None,
        filler_id: str | None = None, form_answer_group_id: str | None = None,
        ids: list[strawberry.ID | None] | None = None, include_group_notes: bool | None = None,
        name: str | None = None, user_id: str | None = None, locked_status: bool | None = None,
        signed_status: bool | None = None, updated_after: str | None = None, updated_before: str | None = None,
        use_for_charting: bool | None = None,
    ) -> int:
        return _groups(info, custom_module_form_id, date, filler_id, form_answer_group_id, ids, name, user_id,
                       locked_status, signed_status, updated_after, updated_before, use_for_charting).count()
