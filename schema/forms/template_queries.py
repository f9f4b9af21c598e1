"""Template and question queries: thin resolvers over apps.forms.selectors.templates."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry_django.optimizer import optimize

from apps.core.lookup import get_visible
from apps.forms.selectors import templates as selectors
from schema.context import Info
from schema.forms.template_types import CustomModuleFormType, CustomModuleType
from schema.pagination import paginate


@strawberry.enum(name="CustomModuleFormOrderKeys")
class CustomModuleFormOrderKeys(Enum):
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    UPDATED_AT_ASC = "UPDATED_AT_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    USER_LAST_NAME_DESC = "USER_LAST_NAME_DESC"
    USER_LAST_NAME_ASC = "USER_LAST_NAME_ASC"
    TYPE_ASC = "TYPE_ASC"
    TYPE_DESC = "TYPE_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"


@strawberry.type
class Query:
    @strawberry.field(description="A form template with its questions. Public: without credentials it "
                      "answers the template and questions, never filled-out forms.")
    def customModuleForm(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, charting: bool | None = None,
        default: bool | None = None,
    ) -> CustomModuleFormType | None:
        return get_visible(optimize(selectors.readable_forms(info.context.viewer), info), id, "Form")

    @strawberry.field(description="Form templates of the caller's organization; active_status true lists "
                      "archived ones.")
    def customModuleForms(  # noqa: N802
        self, info: Info, active_status: bool | None = None, category: str | None = None,
        include_default_templates: bool | None = None, keywords: str | None = None, sort_by: str | None = None,
        order_by: CustomModuleFormOrderKeys | None = None, offset: int | None = None,
        should_paginate: bool | None = None, page_size: int | None = None, after: str | None = None,
    ) -> list[CustomModuleFormType]:
        viewer = info.context.viewer
        qs = selectors.forms_filter(viewer, active_status=active_status, category=category, keywords=keywords)
        order = selectors.sort_key(sort_by, order_by.value if order_by else None)
        return paginate(qs, info, sort=order, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def customModuleFormsCount(  # noqa: N802
        self, info: Info, active_status: bool | None = None, category: str | None = None,
        include_default_templates: bool | None = None, keywords: str | None = None, sort_by: str | None = None,
    ) -> int:
        return selectors.forms_filter(info.context.viewer, active_status=active_status, category=category,
                                      keywords=keywords).count()

    @strawberry.field(description="Questions of the organization's templates, optionally matching keywords.")
    def customModules(  # noqa: N802
        self, info: Info, keywords: str | None = None, offset: int | None = None,
        should_paginate: bool | None = None, page_size: int | None = None, after: str | None = None,
    ) -> list[CustomModuleType]:
        qs = selectors.modules_filter(info.context.viewer, keywords=keywords)
        return paginate(qs, info, sort=selectors.MODULE_SORT, offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="There is no shared question bank here: always [].")
    def questionBankModules(  # noqa: N802
        self, info: Info, category: str | None = None, keywords: str | None = None,
    ) -> list[CustomModuleType] | None:
        return []
