"""Scoped reads of packages (``Offering``), coupons, products, purchases and recurring payments.

Members see their organization's rows (purchases and recurring payments only of the patients
``visible_patients`` allows them); a patient sees the packages offered to them (visible to
everyone, or to their group, or bought by them) and only their own purchases. Another
organization's ids answer like missing ones.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncMonth, Upper

from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.billing.models import (
    AdvanceAppointmentPrice,
    BillingItem,
    Offering,
    OfferingCoupon,
    Product,
    RecurringPayment,
    UserPackageSelection,
)
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey, sort_for
from apps.core.text import reject_nul
from apps.core.timefmt import now

CLIENT_VISIBILITIES = ("all", *Offering.VISIBILITIES)
MAX_PRICE = Decimal("1000000000")


def _ids(values: list[object] | None, argument: str) -> list[int]:
    parsed = [parse_id(v) for v in values or []]
    if any(p is None for p in parsed):
        raise ValidationFailed(argument, f"'{argument}' must list ids.")
    return [p for p in parsed if p is not None]


# ---------------------------------------------------------------- packages

def offerings_visible(viewer: Viewer) -> QuerySet[Offering]:
    viewer.require()
    base = Offering.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)
    if viewer.is_member:
        return base
    if not viewer.is_patient:
        return Offering.objects.none()
    user = viewer.user
    offered = Q(archived=False) & (Q(visibility_status="visible") | Q(
        visibility_status="visible_to_groups", user_groups__id=user.user_group_id or 0))
    bought = UserPackageSelection.objects.filter(user=user).values("offering_id")
    return base.filter(pk__in=base.filter(offered | Q(pk__in=bought)).values("pk"))


def offering_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> Offering:
    return get_visible(offerings_visible(viewer), raw_id, "Package", field=field)


def offerings_filter(viewer: Viewer, *, keywords: str | None = None, offering_id: object = None,
                     offering_ids: list[object] | None = None, client_visibility: str | None = None,
                     show_only_visible: bool | None = None, only_client_visible: bool | None = None,
                     offering_user_group_id: object = None, status: str | None = None,
                     provider_id: object = None) -> QuerySet[Offering]:
    qs = offerings_visible(viewer)
    status_value = (reject_nul(status, "status") or "").strip().lower()
    if status_value == "archived":
        qs = qs.filter(archived=True)
    elif status_value in ("", "active", "unarchived"):
        qs = qs.filter(archived=False)
    elif status_value != "all":
        raise ValidationFailed("status", "'status' must be archived, active or all.")
    if keywords and keywords.strip():
        text = reject_nul(keywords, "keywords").strip()
        match = Q(name__icontains=text) | Q(description__icontains=text)
        with contextlib.suppress(InvalidOperation, ValueError):
            amount = Decimal(text.replace("$", "").replace(",", ""))
            if amount.is_finite() and 0 <= amount < MAX_PRICE and amount == amount.quantize(Decimal("0.01")):
                match |= Q(price=amount)
        qs = qs.filter(match)
    if offering_id not in (None, ""):
        qs = qs.filter(pk=parse_id(offering_id) or 0)
    if offering_ids is not None:
        qs = qs.filter(pk__in=_ids(offering_ids, "offering_ids"))
    if client_visibility:
        value = reject_nul(client_visibility, "client_visibility").strip().lower()
        if value not in CLIENT_VISIBILITIES:
            raise ValidationFailed("client_visibility",
                                   f"'client_visibility' must be one of: {', '.join(CLIENT_VISIBILITIES)}.")
        if value != "all":
            qs = qs.filter(visibility_status=value)
    if show_only_visible:
        qs = qs.filter(visibility_status="visible")
    if only_client_visible:
        group_id = viewer.user.user_group_id if viewer.user else None
        visible_ids = Offering.objects.filter(Q(visibility_status="visible") | Q(
            visibility_status="visible_to_groups", user_groups__id=group_id or 0)).values("pk")
        qs = qs.filter(pk__in=visible_ids)
    if offering_user_group_id not in (None, ""):
        qs = qs.filter(pk__in=Offering.objects.filter(
            user_groups__id=parse_id(offering_user_group_id) or 0).values("pk"))
    if provider_id not in (None, ""):
        qs = qs.filter(user_id=parse_id(provider_id) or 0)
    return qs


def _purchases_count() -> Subquery:
    return Subquery(UserPackageSelection.objects.filter(offering_id=OuterRef("pk")).order_by()
                    .values("offering_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField())


OFFERING_SORTS = {
    "set_order": [SortKey("row_order"), SortKey("id")],
    "price_asc": [SortKey("price")],
    "price_desc": [SortKey("price", True)],
    "name_asc": [SortKey("name_upper", expression=Upper("name"))],
    "name_desc": [SortKey("name_upper", True, Upper("name"))],
    "best_seller": lambda: [SortKey("purchases", True, Coalesce(_purchases_count(), Value(0)))],
    "created_at_asc": [SortKey("created_at")],
    "created_at_desc": [SortKey("created_at", True)],
}


def offering_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    if order_by:
        return sort_for(OFFERING_SORTS, order_by, "set_order", argument="order_by")
    return sort_for(OFFERING_SORTS, sort_by, "set_order")


def purchases_count(offering: Offering) -> int:
    return UserPackageSelection.objects.filter(offering=offering).count()


def offering_billing_items(viewer: Viewer, offering: Offering) -> QuerySet[BillingItem]:
    """Payments for one package that the viewer may see (members with billing access)."""
    from apps.billing.selectors.items import visible_items

    viewer.require(MEMBER)
    return visible_items(viewer).filter(offering=offering)


# ---------------------------------------------------------------- coupons

def coupons_visible(viewer: Viewer) -> QuerySet[OfferingCoupon]:
    viewer.require(MEMBER)
    return OfferingCoupon.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def coupon_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> OfferingCoupon:
    return get_visible(coupons_visible(viewer), raw_id, "Coupon", field=field)


def coupons_filter(viewer: Viewer, *, keywords: str | None = None, offering_id: object = None,
                   user_id: object = None, from_package_details: bool | None = None) -> QuerySet[OfferingCoupon]:
    qs = coupons_visible(viewer)
    if keywords and keywords.strip():
        qs = qs.filter(code__icontains=reject_nul(keywords, "keywords").strip())
    if offering_id not in (None, ""):
        pk = parse_id(offering_id) or 0
        linked = OfferingCoupon.objects.filter(offerings__id=pk).values("pk")
        if from_package_details:
            # A package's page also lists the coupons valid for every package.
            everywhere = OfferingCoupon.objects.filter(offerings__isnull=True).values("pk")
            qs = qs.filter(Q(pk__in=linked) | Q(pk__in=everywhere))
        else:
            qs = qs.filter(pk__in=linked)
    if user_id not in (None, ""):
        qs = qs.filter(user_id=parse_id(user_id) or 0)
    return qs


def coupon_uses() -> Subquery:
    """Purchases made with the coupon plus payments that used it outside a purchase."""
    return Subquery(UserPackageSelection.objects.filter(offering_coupon_id=OuterRef("pk")).order_by()
                    .values("offering_coupon_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def coupon_payment_uses() -> Subquery:
    return Subquery(BillingItem.objects.filter(offering_coupon_id=OuterRef("pk"), user_package_selection__isnull=True,
                                               state=BillingItem.SUCCEEDED, deleted_at__isnull=True).order_by()
                    .values("offering_coupon_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def times_used(coupon: OfferingCoupon) -> int:
    return (UserPackageSelection.objects.filter(offering_coupon=coupon).count()
            + BillingItem.objects.filter(offering_coupon=coupon, user_package_selection__isnull=True,
                                         state=BillingItem.SUCCEEDED, deleted_at__isnull=True).count())


def _uses_expression():
    return Coalesce(coupon_uses(), Value(0)) + Coalesce(coupon_payment_uses(), Value(0))


COUPON_SORTS = {
    "code_asc": [SortKey("code_upper", expression=Upper("code"))],
    "code_desc": [SortKey("code_upper", True, Upper("code"))],
    "type_asc": [SortKey("promo_type")],
    "type_desc": [SortKey("promo_type", True)],
    "applies_to_asc": lambda: [SortKey("applies", expression=Count("offerings"))],
    "applies_to_desc": lambda: [SortKey("applies", True, Count("offerings"))],
    "amount_asc": [SortKey("amount_off")],
    "amount_desc": [SortKey("amount_off", True)],
    "expires_at_asc": [SortKey("expires_at")],
    "expires_at_desc": [SortKey("expires_at", True)],
    "total_usage_asc": lambda: [SortKey("uses", expression=_uses_expression())],
    "total_usage_desc": lambda: [SortKey("uses", True, _uses_expression())],
    "created_at_desc": [SortKey("created_at", True)],
}


def coupon_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    if order_by:
        return sort_for(COUPON_SORTS, order_by, "created_at_desc", argument="order_by")
    return sort_for(COUPON_SORTS, sort_by, "created_at_desc")


# ---------------------------------------------------------------- products

def products_visible(viewer: Viewer) -> QuerySet[Product]:
    viewer.require()
    return Product.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def product_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> Product:
    return get_visible(products_visible(viewer), raw_id, "Product", field=field)


def products_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[Product]:
    qs = products_visible(viewer)
    if keywords and keywords.strip():
        qs = qs.filter(name__icontains=reject_nul(keywords, "keywords").strip())
    return qs


# Unlimited products sort after every counted quantity.
_QUANTITY = Coalesce(F("quantity"), Value(2**31 - 1))
PRODUCT_SORTS = {
    "name_asc": [SortKey("name_upper", expression=Upper("name"))],
    "name_desc": [SortKey("name_upper", True, Upper("name"))],
    "quantity_asc": [SortKey("qty", expression=_QUANTITY)],
    "quantity_desc": [SortKey("qty", True, _QUANTITY)],
    "price_asc": [SortKey("price")],
    "price_desc": [SortKey("price", True)],
    "created_at_asc": [SortKey("created_at")],
    "created_at_desc": [SortKey("created_at", True)],
}


def product_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    if order_by:
        return sort_for(PRODUCT_SORTS, order_by, "created_at_desc", argument="order_by")
    return sort_for(PRODUCT_SORTS, sort_by, "created_at_desc")


# ---------------------------------------------------------------- purchases and recurring payments

def selections_visible(viewer: Viewer) -> QuerySet[UserPackageSelection]:
    viewer.require()
    return UserPackageSelection.objects.filter(organization_id=viewer.organization_id,
                                               user__in=visible_patients(viewer))


def selections_filter(viewer: Viewer, *, offering_id: object = None, user_id: object = None,
                      scheduled: bool = False) -> QuerySet[UserPackageSelection]:
    qs = selections_visible(viewer)
    if offering_id not in (None, ""):
        qs = qs.filter(offering_id=parse_id(offering_id) or 0)
    if user_id not in (None, ""):
        qs = qs.filter(user_id=parse_id(user_id) or 0)
    if scheduled:
        qs = qs.filter(starts_at__gt=now())
    return qs


SELECTION_SORT = [SortKey("created_at", True)]


def recurring_visible(viewer: Viewer) -> QuerySet[RecurringPayment]:
    viewer.require()
    return RecurringPayment.objects.filter(organization_id=viewer.organization_id,
                                           sender__in=visible_patients(viewer))


def recurring_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> RecurringPayment:
    return get_visible(recurring_visible(viewer), raw_id, "Recurring payment", field=field)


ACTIVE_STATUSES = ("active", "inactive", "canceled", "paused", "all")


def recurring_filter(viewer: Viewer, *, user_id: object, active_status: str | None = None
                     ) -> QuerySet[RecurringPayment]:
    qs = recurring_visible(viewer).filter(sender_id=parse_id(user_id) or 0)
    status = (reject_nul(active_status, "active_status") or "all").strip().lower()
    if status not in ACTIVE_STATUSES:
        raise ValidationFailed("active_status", f"'active_status' must be one of: {', '.join(ACTIVE_STATUSES)}.")
    if status == "active":
        qs = qs.filter(is_canceled=False, is_paused=False)
    elif status in ("inactive", "canceled"):
        qs = qs.filter(is_canceled=True)
    elif status == "paused":
        qs = qs.filter(is_paused=True, is_canceled=False)
    return qs


RECURRING_SORT = [SortKey("created_at", True)]


def billing_item_for_recurring(viewer: Viewer, raw_id: object, *, field: str = "billing_item_id") -> BillingItem:
    """A billing item of a recurring payment the viewer may see (``cancelRecurringPayment``)."""
    viewer.require()
    scoped = BillingItem.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True,
                                        sender__in=visible_patients(viewer))
    return get_visible(scoped, raw_id, "Billing item", field=field)


def advance_prices(viewer: Viewer, *, user_id: object = None, appointment_type_id: object = None
                   ) -> QuerySet[AdvanceAppointmentPrice]:
    viewer.require()
    qs = AdvanceAppointmentPrice.objects.filter(organization_id=viewer.organization_id,
                                                user__in=visible_patients(viewer))
    if user_id not in (None, ""):
        qs = qs.filter(user_id=parse_id(user_id) or 0)
    if appointment_type_id not in (None, ""):
        qs = qs.filter(appointment_type_id=parse_id(appointment_type_id) or 0)
    return qs


ADVANCE_PRICE_SORT = [SortKey("id")]


def offerings_data(viewer: Viewer) -> list[dict[str, str]]:
    """Purchases per month over the last 12 months (members: the dashboard chart)."""
    viewer.require(MEMBER)
    since = (now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
             - relativedelta(months=11))
    rows = (UserPackageSelection.objects.filter(organization_id=viewer.organization_id, created_at__gte=since)
            .annotate(month=TruncMonth("created_at")).values("month").annotate(n=Count("pk")).order_by("month"))
    counts = {row["month"].strftime("%Y-%m"): row["n"] for row in rows}
    months = [(since + relativedelta(months=i)).strftime("%Y-%m") for i in range(12)]
    return [{"month": month, "freq": str(counts.get(month, 0))} for month in months]
