"""Payment, card and dispute queries: thin resolvers over ``apps.billing.selectors.items``."""

from __future__ import annotations

import strawberry

from apps.billing.models import StripeAccount
from apps.billing.selectors import items as selectors
from schema.billing.item_inputs import BillingItemOrderKeys, ChargeBackOrderKeys, StripeCustomerDetailOrderKeys
from schema.billing.item_types import (
    BillingItemType,
    ChargeBackType,
    ChargeDisputeType,
    SDKConfigType,
    StripeCustomerDetailType,
    TransactionType,
)
from schema.context import Info
from schema.pagination import paginate


def _items(info: Info, client_id, created_at_end, created_at_start, keywords, offerings_only, provider_id, state,
           status, user_id):
    return selectors.items_filter(info.context.viewer, client_id=client_id, user_id=user_id,
                                  provider_id=provider_id, keywords=keywords, state=state, status=status,
                                  offerings_only=offerings_only, created_at_start=created_at_start,
                                  created_at_end=created_at_end)


@strawberry.type
class Query:
    @strawberry.field(description="One payment the caller may see (a patient: their own).")
    def billingItem(self, info: Info, id: strawberry.ID | None = None) -> BillingItemType | None:  # noqa: N802
        return selectors.item_get(info.context.viewer, id)

    @strawberry.field(description="Payments: a patient's own, or (members with can_see_billing) those of the "
                                  "patients the member sees. keywords match the amount and the payment medium. "
                                  "Newest first unless sorted; offset or cursor (after) pagination.")
    def billingItems(  # noqa: N802
        self, info: Info, client_id: strawberry.ID | None = None, created_at_end: str | None = None,
        created_at_start: str | None = None, keywords: str | None = None, offerings_only: bool | None = None,
        provider_id: strawberry.ID | None = None, sort_by: str | None = None,
        order_by: BillingItemOrderKeys | None = None, state: str | None = None,
        status: list[str | None] | None = None, user_id: strawberry.ID | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[BillingItemType]:
        qs = _items(info, client_id, created_at_end, created_at_start, keywords, offerings_only, provider_id,
                    state, status, user_id)
        sort = selectors.item_sort(sort_by, order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many payments billingItems lists with the same filters.")
    def billingItemsCount(  # noqa: N802
        self, info: Info, client_id: strawberry.ID | None = None, created_at_end: str | None = None,
        created_at_start: str | None = None, keywords: str | None = None, offerings_only: bool | None = None,
        provider_id: strawberry.ID | None = None, state: str | None = None,
        status: list[str | None] | None = None, user_id: strawberry.ID | None = None,
    ) -> int:
        return _items(info, client_id, created_at_end, created_at_start, keywords, offerings_only, provider_id,
                      state, status, user_id).count()

    @strawberry.field(description="A patient's stored cards (user_id; the caller's own when left out), the default "
                                  "first.")
    def stripeCustomerDetails(  # noqa: N802
        self, info: Info, user_id: strawberry.ID | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[StripeCustomerDetailType]:
        qs = selectors.cards_filter(info.context.viewer, user_id=user_id)
        return paginate(qs, info, sort=selectors.CARD_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="Cards needing attention (expiring by the end of next month, or with a failed "
                                  "charge) not marked seen with bulkUpdateCardIssues. Members with can_see_billing.")
    def cardIssues(  # noqa: N802
        self, info: Info, sort_by: str | None = None, order_by: StripeCustomerDetailOrderKeys | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[StripeCustomerDetailType]:
        sort = selectors.card_issue_sort(sort_by, order_by.value if order_by else None)
        return paginate(selectors.card_issues(info.context.viewer), info, sort=sort, offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="One dispute, by id or by Stripe's dispute id.")
    def chargeBack(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, stripe_dispute_id: strawberry.ID | None = None,
    ) -> ChargeBackType | None:
        return selectors.charge_back_get(info.context.viewer, id, stripe_dispute_id=stripe_dispute_id)

    @strawberry.field(description="Disputes Stripe reported for the organization's payments (show_all_for_org "
                                  "false: only of payments made to the caller).")
    def chargeBacks(  # noqa: N802
        self, info: Info, show_all_for_org: bool | None = None, order_by: ChargeBackOrderKeys | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[ChargeBackType]:
        qs = selectors.charge_backs_filter(info.context.viewer, show_all_for_org=show_all_for_org)
        return paginate(qs, info, sort=selectors.charge_back_sort(order_by.value if order_by else None),
                        offset=offset, page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="The organization's disputes in the ChargeDispute shape.")
    def chargeDisputes(  # noqa: N802
        self, info: Info, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[ChargeDisputeType]:
        return paginate(selectors.charge_backs_filter(info.context.viewer), info,
                        sort=selectors.charge_back_sort(None), offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="The transactions of a Stripe payout. Not available: payouts are read in the "
                                  "organization's Stripe dashboard; always an empty list (docs/compatibility.md).")
    def transactions(  # noqa: N802
        self, info: Info, payout_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
    ) -> list[TransactionType] | None:
        info.context.viewer.require()
        return []

    @strawberry.field(description="Client configuration: the organization's Stripe publishable key for Stripe.js.")
    def sdkConfig(self, info: Info, version: str | None = None) -> SDKConfigType:  # noqa: N802
        viewer = info.context.viewer
        viewer.require()
        key = (StripeAccount.objects.filter(organization_id=viewer.organization_id)
               .values_list("publishable_key", flat=True).first())
        return SDKConfigType(stripe_publishable_key=key or None)
