"""Onboarding queries: thin resolvers over ``apps.forms.selectors.onboarding``."""

from __future__ import annotations

import strawberry

from apps.forms.selectors import onboarding as selectors
from schema.context import Info
from schema.forms.onboarding_inputs import OnboardingFlowOrderKeys
from schema.forms.onboarding_types import CompletedOnboardingItemType, OnboardingFlowType, OnboardingItemType
from schema.pagination import paginate


@strawberry.type
class Query:
    @strawberry.field(description="The organization's onboarding flows (providers and staff); a patient gets "
                                  "only the flow of their group. Offset pagination.")
    def onboardingFlows(  # noqa: N802
        self, info: Info, keywords: str | None = None, sort_by: str | None = None,
        order_by: OnboardingFlowOrderKeys | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[OnboardingFlowType]:
        qs = selectors.flows_filter(info.context.viewer, keywords=keywords)
        sort = selectors.flow_sort(sort_by, order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many flows onboardingFlows lists with the same keywords.")
    def onboardingFlowsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.flows_filter(info.context.viewer, keywords=keywords).count()

    @strawberry.field(description="One flow by id, or the flow a patient's group asks them to complete "
                                  "(user_id; a patient always gets their own).")
    def onboardingFlow(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
        uuid: str | None = None,
    ) -> OnboardingFlowType | None:
        return selectors.flow_of_patient(info.context.viewer, flow_id=id, user_id=user_id)

    @strawberry.field(description="One item of a flow the caller may see.")
    def onboardingItem(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
        track_opened_event: bool | None = None,
    ) -> OnboardingItemType | None:
        return selectors.item_get(info.context.viewer, id)

    @strawberry.field(description="A JSON string listing the item types a flow may still get ({id, name}).")
    def availableItemTypes(self, info: Info, onboarding_flow_id: str | None = None) -> str | None:  # noqa: N802
        return selectors.available_item_types(info.context.viewer, onboarding_flow_id)

    @strawberry.field(description="One completed (or skipped) onboarding item of a patient the caller may see.")
    def completedOnboardingItem(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None,
    ) -> CompletedOnboardingItemType | None:
        return selectors.completed_item_get(info.context.viewer, id)

    @strawberry.field(description="A patient's completed items that are not part of their current flow.")
    def unassociatedCompletedOnboardingItems(  # noqa: N802
        self, info: Info, user_id: str | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[CompletedOnboardingItemType]:
        qs = selectors.unassociated_completed_items(info.context.viewer, user_id=user_id)
        return paginate(qs, info, sort=selectors.COMPLETED_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)
