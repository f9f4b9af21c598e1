"""Form request queries: thin resolvers over ``apps.forms.selectors.requests``."""

from __future__ import annotations

import strawberry
from django.db.models.functions import Lower

from apps.core.errors import ValidationFailed
from apps.forms.selectors import requests as selectors
from schema.context import Info
from schema.forms.request_types import RecurringFormType, RequestedFormCompletionType
from schema.pagination import paginate


@strawberry.type(name="FormTypesToRequest")
class FormTypesToRequestType:
    id: str
    is_video: bool | None
    item_type: str | None
    name: str | None


@strawberry.type
class Query:
    @strawberry.field(description="Form requests: the organization's (providers and staff, without patients "
                                  "hidden from them) or, for a patient, their own. Newest first; offset pagination.")
    def requestedFormCompletions(  # noqa: N802
        self, info: Info, user_id: strawberry.ID | None = None, keywords: str | None = None,
        status: str | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[RequestedFormCompletionType]:
        qs = selectors.requests_filter(info.context.viewer, user_id=user_id, keywords=keywords, status=status)
        return paginate(qs, info, sort=selectors.REQUEST_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="How many requests requestedFormCompletions lists with the same filters.")
    def requestedFormCompletionsCount(  # noqa: N802
        self, info: Info, user_id: strawberry.ID | None = None, keywords: str | None = None,
        status: str | None = None,
    ) -> int:
        return selectors.requests_filter(info.context.viewer, user_id=user_id, keywords=keywords,
                                         status=status).count()

    @strawberry.field(description="One form request the caller may see.")
    def requestedFormCompletion(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, track_opened_event: bool | None = None,
    ) -> RequestedFormCompletionType | None:
        return selectors.request_get(info.context.viewer, id)

    @strawberry.field(description="Active recurring form requests, optionally of one patient (connectable_type "
                                  "User) or of the patients of one group (UserGroup).")
    def recurringForms(  # noqa: N802
        self, info: Info, connectable_id: str | None = None, connectable_type: str | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[RecurringFormType]:
        qs = selectors.recurring_forms_filter(info.context.viewer, connectable_id=connectable_id,
                                              connectable_type=connectable_type)
        return paginate(qs, info, sort=selectors.RECURRING_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="The organization's forms that can be sent as requests (not chart notes).")
    def formTypesToRequest(  # noqa: N802
        self, info: Info, keywords: str | None = None, sort_by: str | None = None,
    ) -> list[FormTypesToRequestType] | None:
        viewer = info.context.viewer
        if not viewer.is_member:
            return []
        qs = selectors.visible_forms(viewer).filter(use_for_charting=False)
        if keywords and keywords.strip():
            qs = qs.filter(name__icontains=keywords.strip())
        orders = {None: [Lower("name"), "id"], "": [Lower("name"), "id"], "name_asc": [Lower("name"), "id"],
                  "name_desc": [Lower("name").desc(), "-id"]}
        if sort_by not in orders:
            raise ValidationFailed("sort_by", "sort_by must be name_asc or name_desc.")
        rows = qs.order_by(*orders[sort_by]).values("id", "name", "is_video")[:500]
        return [FormTypesToRequestType(id=str(r["id"]), name=r["name"], is_video=r["is_video"],
                                       item_type="CustomModuleForm") for r in rows]
