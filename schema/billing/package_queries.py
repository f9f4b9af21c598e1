"""Package, coupon, product, purchase and recurring-payment queries: thin resolvers over
apps.billing.selectors.packages."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry_django.optimizer import optimize

from apps.billing.selectors import packages as selectors
from apps.billing.services import coupons
from apps.billing.services.packages import MINIMUM_PRICE
from apps.core.lookup import get_visible
from schema.billing import package_types as types
from schema.context import Info
from schema.pagination import paginate


@strawberry.enum(name="OfferingOrderKeys")
class OfferingOrderKeys(Enum):
    SET_ORDER = "SET_ORDER"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    BEST_SELLER = "BEST_SELLER"


@strawberry.enum(name="OfferingCouponOrderKeys")
class OfferingCouponOrderKeys(Enum):
    CODE_ASC = "CODE_ASC"
    CODE_DESC = "CODE_DESC"
    TYPE_ASC = "TYPE_ASC"
    TYPE_DESC = "TYPE_DESC"
    APPLIES_TO_ASC = "APPLIES_TO_ASC"
    APPLIES_TO_DESC = "APPLIES_TO_DESC"
    AMOUNT_ASC = "AMOUNT_ASC"
    AMOUNT_DESC = "AMOUNT_DESC"
    EXPIRES_AT_ASC = "EXPIRES_AT_ASC"
    EXPIRES_AT_DESC = "EXPIRES_AT_DESC"
    TOTAL_USAGE_ASC = "TOTAL_USAGE_ASC"
    TOTAL_USAGE_DESC = "TOTAL_USAGE_DESC"


@strawberry.enum(name="ProductOrderKeys")
class ProductOrderKeys(Enum):
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    QUANTITY_ASC = "QUANTITY_ASC"
    QUANTITY_DESC = "QUANTITY_DESC"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"


def _order(value: Enum | None) -> str | None:
    return value.value if value else None


def _offerings(info: Info, **filters):
    return selectors.offerings_filter(info.context.viewer, **filters)


@strawberry.type
class Query:
    @strawberry.field(description="A package (Offering) by id.")
    def offering(self, info: Info, id: strawberry.ID | None = None) -> types.OfferingType | None:
        return get_visible(optimize(selectors.offerings_visible(info.context.viewer), info), id, "Package")

    @strawberry.field(description="Packages of the caller's organization (a client: those offered to them). "
                      "sort_by / order_by: set_order (default), price_asc, price_desc, name_asc, name_desc, "
                      "best_seller, created_at_asc, created_at_desc. status: archived lists archived ones.")
    def offerings(  # noqa: PLR0913
        self, info: Info, client_visibility: str | None = None, keywords: str | None = None,
        offering_id: strawberry.ID | None = None, offering_ids: list[strawberry.ID | None] | None = None,
        offering_user_group_id: strawberry.ID | None = None, only_client_visible: bool | None = None,
        provider_id: strawberry.ID | None = None, show_only_visible: bool | None = None,
        order_by: OfferingOrderKeys | None = None, sort_by: str | None = None, status: str | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[types.OfferingType]:
        qs = _offerings(info, keywords=keywords, offering_id=offering_id, offering_ids=offering_ids,
                        client_visibility=client_visibility, show_only_visible=show_only_visible,
                        only_client_visible=only_client_visible, offering_user_group_id=offering_user_group_id,
                        status=status, provider_id=provider_id)
        return paginate(qs, info, sort=selectors.offering_sort(sort_by, _order(order_by)), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def offeringsCount(  # noqa: N802
        self, info: Info, client_visibility: str | None = None, keywords: str | None = None,
        offering_id: strawberry.ID | None = None, offering_ids: list[strawberry.ID | None] | None = None,
        offering_user_group_id: strawberry.ID | None = None, only_client_visible: bool | None = None,
        provider_id: strawberry.ID | None = None, show_only_visible: bool | None = None, status: str | None = None,
    ) -> int:
        return _offerings(info, keywords=keywords, offering_id=offering_id, offering_ids=offering_ids,
                          client_visibility=client_visibility, show_only_visible=show_only_visible,
                          only_client_visible=only_client_visible, offering_user_group_id=offering_user_group_id,
                          status=status, provider_id=provider_id).count()

    @strawberry.field(description="Which groups each package of the organization (or of provider_id) is "
                      "visible to.")
    def offeringGroupVisibilities(  # noqa: N802
        self, info: Info, provider_id: strawberry.ID | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[types.OfferingGroupVisibilityType] | None:
        qs = selectors.offerings_filter(info.context.viewer, provider_id=provider_id, status="all").filter(
            user_groups__isnull=False).prefetch_related("user_groups").distinct()
        rows = paginate(qs, None, sort=[selectors.SortKey("id")], offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)
        return [types.group_visibility(o.pk, g) for o in rows for g in sorted(o.user_groups.all(), key=lambda g: g.pk)]

    @strawberry.field(description="Package images are not available: always [].")
    def offeringImages(  # noqa: N802
        self, info: Info, offset: int | None = None, page_size: int | None = None, after: str | None = None,
    ) -> list[types.OfferingImageType] | None:
        info.context.viewer.require()
        return []

    @strawberry.field(description="Package purchases per month over the last 12 months: month (YYYY-MM) and "
                      "freq (how many). Always the caller's whole organization (org_level).")
    def offeringsData(self, info: Info, org_level: bool | None = None  # noqa: N802
                      ) -> list[types.OfferingsDataType] | None:
        return [types.OfferingsDataType(freq=row["freq"], month=row["month"])
                for row in selectors.offerings_data(info.context.viewer)]

    @strawberry.field(description="The included appointment types of a package, for a purchase form.")
    def initializedOfferingIncludes(  # noqa: N802
        self, info: Info, offering_id: strawberry.ID | None = None,
    ) -> list[types.OfferingIncludeType] | None:
        offering = selectors.offering_get(info.context.viewer, offering_id, field="offering_id")
        return list(offering.offering_includes.select_related("appointment_type").order_by("id"))

    @strawberry.field(description="The smallest price of a paid package (Stripe's minimum charge); a free "
                      "package costs 0. Labs are not available, so lab_option_ids and state change nothing.")
    def minimumOfferingPrice(  # noqa: N802
        self, info: Info, lab_option_ids: list[strawberry.ID | None] | None = None, state: str | None = None,
    ) -> str | None:
        info.context.viewer.require()
        return f"{MINIMUM_PRICE:.2f}"

    @strawberry.field(description="Whether packages may carry a purchase cap (max_purchases): always true. "
                      "token is not needed.")
    def canCapOfferingPurchases(self, info: Info, token: str | None = None) -> bool | None:  # noqa: N802
        info.context.viewer.require()
        return True

    @strawberry.field(description="Coupons of the organization (providers and staff).")
    def offeringCoupons(  # noqa: N802
        self, info: Info, from_package_details: bool | None = None, keywords: str | None = None,
        offering_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None, sort_by: str | None = None,
        order_by: OfferingCouponOrderKeys | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[types.OfferingCouponType]:
        qs = selectors.coupons_filter(info.context.viewer, keywords=keywords, offering_id=offering_id,
                                      user_id=user_id, from_package_details=from_package_details)
        return paginate(qs, info, sort=selectors.coupon_sort(sort_by, _order(order_by)), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def offeringCouponsCount(  # noqa: N802
        self, info: Info, from_package_details: bool | None = None, keywords: str | None = None,
        offering_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
    ) -> int:
        return selectors.coupons_filter(info.context.viewer, keywords=keywords, offering_id=offering_id,
                                        user_id=user_id, from_package_details=from_package_details).count()

    @strawberry.field(description="Checks a coupon code for a package (or an invoice): the discounted "
                      "prices, or fail_reason when it cannot be used.")
    def validateCoupon(  # noqa: N802
        self, info: Info, coupon_code: str | None = None, offering_id: strawberry.ID | None = None,
        provider_id: strawberry.ID | None = None, requested_payment_id: strawberry.ID | None = None,
    ) -> types.ValidateOfferingCouponType | None:
        check = coupons.validate(info.context.viewer, coupon_code=coupon_code, offering_id=offering_id,
                                 requested_payment_id=requested_payment_id)
        return types.ValidateOfferingCouponType(**vars(check))

    @strawberry.field(description="Products of the organization.")
    def products(
        self, info: Info, keywords: str | None = None, order_by: ProductOrderKeys | None = None,
        sort_by: str | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[types.ProductType]:
        qs = selectors.products_filter(info.context.viewer, keywords=keywords)
        return paginate(qs, info, sort=selectors.product_sort(sort_by, _order(order_by)), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def productsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.products_filter(info.context.viewer, keywords=keywords).count()

    @strawberry.field(description="Package purchases of the clients the caller may see (a client: their own).")
    def userPackageSelections(  # noqa: N802
        self, info: Info, offering_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[types.UserPackageSelectionType]:
        qs = selectors.selections_filter(info.context.viewer, offering_id=offering_id, user_id=user_id)
        return paginate(qs, info, sort=selectors.SELECTION_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def userPackageSelectionsCount(  # noqa: N802
        self, info: Info, offering_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
    ) -> int:
        return selectors.selections_filter(info.context.viewer, offering_id=offering_id, user_id=user_id).count()

    @strawberry.field(description="Purchases that start later (starts_at in the future).")
    def scheduledUserPackageSelections(  # noqa: N802
        self, info: Info, offering_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[types.ScheduledUserPackageSelectionType]:
        qs = selectors.selections_filter(info.context.viewer, offering_id=offering_id, user_id=user_id,
                                         scheduled=True)
        return paginate(qs, info, sort=[selectors.SortKey("starts_at")], offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="A recurring payment of a client the caller may see.")
    def recurringPayment(self, info: Info, id: strawberry.ID | None = None  # noqa: N802
                         ) -> types.RecurringPaymentType | None:
        return get_visible(optimize(selectors.recurring_visible(info.context.viewer), info), id, "Recurring payment")

    @strawberry.field(description="A client's recurring payments; active_status: active, paused, canceled "
                      "(or inactive), all (default).")
    def recurringPayments(  # noqa: N802
        self, info: Info, user_id: strawberry.ID, active_status: str | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[types.RecurringPaymentType]:
        qs = selectors.recurring_filter(info.context.viewer, user_id=user_id, active_status=active_status)
        return paginate(qs, info, sort=selectors.RECURRING_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def recurringPaymentsCount(  # noqa: N802
        self, info: Info, user_id: strawberry.ID, active_status: str | None = None,
    ) -> int:
        return selectors.recurring_filter(info.context.viewer, user_id=user_id, active_status=active_status).count()

    @strawberry.field(description="Clients' own prices per appointment type.")
    def advanceAppointmentPrices(  # noqa: N802
        self, info: Info, appointment_type_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[types.AdvanceAppointmentPriceType] | None:
        qs = selectors.advance_prices(info.context.viewer, user_id=user_id, appointment_type_id=appointment_type_id)
        return paginate(qs, info, sort=selectors.ADVANCE_PRICE_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="Payments for one package, of the patients the caller may see.")
    def offeringBillingItems(self, info: Info, offering_id: strawberry.ID | None = None,  # noqa: N802
                             offset: int | None = None, page_size: int | None = None,
                             should_paginate: bool | None = None,
                             after: str | None = None) -> list[types.BillingItemRef] | None:
        offering = selectors.offering_get(info.context.viewer, offering_id, field="offering_id")
        qs = selectors.offering_billing_items(info.context.viewer, offering)
        return paginate(qs, info, sort=[selectors.SortKey("created_at", True)], offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

