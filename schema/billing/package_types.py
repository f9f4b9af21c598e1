"""GraphQL types of packages (``Offering``), what they include, coupons, products, purchases
(``UserPackageSelection``) and recurring payments.

Money is a ``String`` with two decimals, dates the documented ``2021-10-10 10:00:00 -0400``.
Fields of features this platform lacks (programs, labs, meal plans, package images, Facebook
pixels) answer null or [] (docs/compatibility.md, "Billing").
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from strawberry import auto

from apps.billing import models
from apps.billing.selectors import packages as selectors
from apps.billing.services import coupons as coupon_rules
from apps.billing.services import recurring as plans
from apps.billing.services.products import tax_of
from apps.core.timefmt import format_datetime, now
from schema.accounts.types import UserType, shown_user_field
from schema.billing.visible_items import visible_items_of, visible_items_prefetch
from schema.scheduling.types import AppointmentTypeType

if TYPE_CHECKING:
    from schema.billing.invoice_types import RequestedPaymentType
    from schema.billing.item_types import BillingItemType

BillingItemRef = Annotated["BillingItemType", strawberry.lazy("schema.billing.item_types")]
RequestedPaymentRef = Annotated["RequestedPaymentType", strawberry.lazy("schema.billing.invoice_types")]


def _invoice_items_prefetch(info: strawberry.Info) -> Prefetch:
    """A purchase's visible payments made through a (live) invoice, with the invoice joined."""
    from apps.billing.selectors.items import visible_items

    queryset = (visible_items(info.context.viewer)
                .filter(requested_payment__isnull=False, requested_payment__deleted_at__isnull=True)
                .select_related("requested_payment").order_by("created_at", "id"))
    return Prefetch("billing_items", queryset=queryset, to_attr="_invoice_items")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _dt(value) -> str | None:
    return format_datetime(value)


FREQUENCY_STRINGS = {
    "One-Time": "", "Daily": "a day", "Weekly": "a week", "Every 2 Weeks": "every 2 weeks",
    "Every 4 Weeks": "every 4 weeks", "Monthly": "a month", "Every 3 Months": "every 3 months",
    "Every 6 Months": "every 6 months", "Yearly": "a year",
}
ABBREVIATED = {
    "Daily": "/day", "Weekly": "/wk", "Every 2 Weeks": "/2 wks", "Every 4 Weeks": "/4 wks", "Monthly": "/mo",
    "Every 3 Months": "/3 mos", "Every 6 Months": "/6 mos", "Yearly": "/yr",
}


def _count_of(model, link: str, **filters) -> Subquery:
    return Coalesce(Subquery(model.objects.filter(**{link: OuterRef("pk")}, **filters).order_by().values(link)
                             .annotate(n=Count("pk"))
                             .values("n"), output_field=IntegerField()), Value(0))


def _revenue() -> Subquery:
    return Subquery(models.BillingItem.objects.filter(offering_id=OuterRef("pk"), state=models.BillingItem.SUCCEEDED,
                                                      deleted_at__isnull=True).order_by().values("offering_id")
                    .annotate(total=Sum(F("amount_paid") - F("refund_amount"))).values("total"))


@strawberry.type(name="OfferingGroupVisibility")
class OfferingGroupVisibilityType:
    id: strawberry.ID
    name: str | None
    offering_id: strawberry.ID | None
    user_group_id: strawberry.ID | None


def group_visibility(offering_id: int, group) -> OfferingGroupVisibilityType:
    # The pair names the row: a package is visible to a group at most once.
    return OfferingGroupVisibilityType(id=strawberry.ID(f"{offering_id}-{group.pk}"), name=group.name,
                                       offering_id=strawberry.ID(str(offering_id)),
                                       user_group_id=strawberry.ID(str(group.pk)))


@strawberry.type(name="OfferingImage")
class OfferingImageType:
    created_at: str
    id: strawberry.ID
    image_content_type: str | None
    image_file_name: str | None
    image_file_size: str | None
    image_updated_at: str | None
    image_url: str | None
    name: str | None
    updated_at: str


@strawberry.type(name="MealPlan")
class MealPlanType:
    active: bool | None
    date_added: str | None
    id: strawberry.ID
    name: str | None
    offering_name: str | None


@strawberry.type(name="OfferingCourse", description="Programs are not available here: never returned.")
class OfferingCourseType:
    course_id: strawberry.ID
    created_at: str
    id: strawberry.ID
    offering_id: strawberry.ID | None
    updated_at: str


@strawberry.type(name="OfferingLabOption", description="Labs are not available here: never returned.")
class OfferingLabOptionType:
    created_at: str
    id: strawberry.ID
    lab_option_id: strawberry.ID | None
    offering_id: strawberry.ID | None
    updated_at: str


@strawberry.type(name="OfferingsDataType")
class OfferingsDataType:
    freq: str | None
    month: str | None


@strawberry.type(name="ValidateOfferingCoupon")
class ValidateOfferingCouponType:
    fail_reason: str | None = None
    first_amount: str | None = None
    new_first_price: str | None = None
    new_price: str | None = None
    repeat_times: str | None = None
    still_ask_for_cc: bool | None = None


@strawberry_django.type(models.OfferingInclude, name="OfferingInclude")
class OfferingIncludeType:
    id: strawberry.ID
    expires_in: auto
    is_repeating: auto
    required_appointment_type: auto

    @strawberry_django.field(select_related=["appointment_type"])
    def appointment_type(self, root: models.OfferingInclude) -> AppointmentTypeType | None:
        return root.appointment_type

    @strawberry_django.field(only=["appointment_type_id"])
    def appointment_type_id(self, root: models.OfferingInclude) -> strawberry.ID | None:
        return strawberry.ID(str(root.appointment_type_id))

    @strawberry_django.field(only=["offering_id"])
    def offering_id(self, root: models.OfferingInclude) -> strawberry.ID | None:
        return strawberry.ID(str(root.offering_id))

    @strawberry_django.field(only=["quantity"])
    def quantity(self, root: models.OfferingInclude) -> str | None:
        return str(root.quantity)

    @strawberry_django.field(description="Forms are not attached to included appointments here: always null.")
    def form_id(self) -> str | None:
        return None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.OfferingInclude) -> str:
        return _dt(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.OfferingInclude) -> str:
        return _dt(root.updated_at) or ""


@strawberry_django.type(models.Product, name="Product")
class ProductType:
    id: strawberry.ID
    name: str
    tax_description: auto
    taxable: auto
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["price"])
    def price(self, root: models.Product) -> str:
        return _money(root.price) or "0.00"

    @strawberry_django.field(only=["quantity"], description="The stock left; 'unlimited' when not counted.")
    def remaining_quantity(self, root: models.Product) -> str:
        return "unlimited" if root.quantity is None else str(root.quantity)

    @strawberry_django.field(only=["quantity"])
    def unlimited_quantity(self, root: models.Product) -> bool:
        return root.quantity is None

    @strawberry_django.field(only=["tax_rate"])
    def tax_rate(self, root: models.Product) -> str | None:
        return None if root.tax_rate is None else f"{root.tax_rate.normalize():f}"

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Product) -> str:
        return _dt(root.created_at) or ""


@strawberry.type(name="OfferingProduct")
class OfferingProductType:
    deduct_main_quantity: bool | None
    id: strawberry.ID
    offering_id: strawberry.ID
    price: str | None
    product: ProductType | None
    quantity: int | None
    tax_amount: str | None
    taxable: bool


def _products_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("products", queryset=models.Product.objects.filter(deleted_at__isnull=True).order_by("id"),
                    to_attr="_live_products")


def _live_products(root: models.Offering) -> list[models.Product]:
    loaded = getattr(root, "_live_products", None)
    if loaded is None:
        loaded = list(root.products.filter(deleted_at__isnull=True).order_by("id"))
    return loaded


def _taxes(root: models.Offering) -> Decimal:
    return sum((tax_of(p) for p in _live_products(root)), Decimal("0.00"))


def _includes_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("offering_includes",
                    queryset=models.OfferingInclude.objects.select_related("appointment_type").order_by("id"),
                    to_attr="_includes")


def _includes(root: models.Offering) -> list[models.OfferingInclude]:
    loaded = getattr(root, "_includes", None)
    if loaded is None:
        loaded = list(root.offering_includes.select_related("appointment_type").order_by("id"))
    return loaded


def _purchases(root: models.Offering) -> int:
    value = getattr(root, "_purchases", None)
    return selectors.purchases_count(root) if value is None else value


@strawberry_django.type(models.Offering, name="Offering")
class OfferingType:
    id: strawberry.ID
    name: auto
    description: auto
    archived: auto
    ask_for_cc: auto
    billing_frequency: auto
    can_be_gifted: auto
    charge_immediately: auto
    override_group_on_purchase: auto
    repeat_times: auto
    require_booking_purchase: auto
    show_free_text: auto
    show_offering: auto
    show_price: auto
    visibility_status: auto
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["currency"])
    def currency(self, root: models.Offering) -> str | None:
        return root.currency.upper()

    @strawberry_django.field(only=["price"])
    def price(self, root: models.Offering) -> str | None:
        return _money(root.price)

    @strawberry_django.field(only=["first_time_payment"])
    def first_time_payment(self, root: models.Offering) -> str | None:
        return _money(root.first_time_payment)

    @strawberry_django.field(only=["first_time_payment", "price"])
    def initial_payment_amount(self, root: models.Offering) -> str | None:
        return _money(root.initial_payment_amount)

    @strawberry_django.field(only=["first_time_payment", "price"], prefetch_related=[_products_prefetch],
                             description="The initial payment plus the tax of the package's taxable products.")
    def initial_price_with_taxes(self, root: models.Offering) -> str | None:
        return _money(root.initial_payment_amount + _taxes(root))

    @strawberry_django.field(prefetch_related=[_products_prefetch])
    def offering_product_taxes(self, root: models.Offering) -> float | None:
        return float(_taxes(root))

    @strawberry_django.field(only=["id"], prefetch_related=[_products_prefetch])
    def offering_products(self, root: models.Offering) -> list[OfferingProductType] | None:
        return [OfferingProductType(id=strawberry.ID(str(p.pk)), offering_id=strawberry.ID(str(root.pk)),
                                    price=_money(p.price), product=p, quantity=None, tax_amount=_money(tax_of(p)),
                                    taxable=p.taxable, deduct_main_quantity=None)
                for p in _live_products(root)]

    @strawberry_django.field(only=["billing_frequency", "repeat_times"])
    def frequency_times_string(self, root: models.Offering) -> str | None:
        text = FREQUENCY_STRINGS.get(root.billing_frequency, "")
        if text and root.repeat_times:
            text += f" for {root.repeat_times} payments"
        return text

    @strawberry_django.field(only=["billing_frequency", "repeat_times"])
    def abbreviated_frequency_times_string(self, root: models.Offering) -> str | None:
        text = ABBREVIATED.get(root.billing_frequency, "")
        if text and root.repeat_times:
            text += f" x{root.repeat_times}"
        return text

    @strawberry_django.field(only=["max_purchases"])
    def max_purchases(self, root: models.Offering) -> str | None:
        return None if root.max_purchases is None else str(root.max_purchases)

    @strawberry_django.field(only=["max_purchases"], annotate={"_purchases": lambda info: _count_of(
        models.UserPackageSelection, "offering_id")})
    def under_purchase_cap(self, root: models.Offering) -> bool | None:
        return root.max_purchases is None or _purchases(root) < root.max_purchases

    @strawberry_django.field(annotate={"_purchases": lambda info: _count_of(models.UserPackageSelection,
                                                                             "offering_id")})
    def user_package_selections_count(self, root: models.Offering) -> int | None:
        return _purchases(root)

    @strawberry_django.field(annotate={"_billing_items": lambda info: _count_of(
        models.BillingItem, "offering_id", state=models.BillingItem.SUCCEEDED, deleted_at__isnull=True)})
    def billing_items_count(self, root: models.Offering) -> int | None:
        value = getattr(root, "_billing_items", None)
        if value is None:
            value = models.BillingItem.objects.filter(offering=root, state=models.BillingItem.SUCCEEDED,
                                                      deleted_at__isnull=True).count()
        return value

    @strawberry_django.field(annotate={"_revenue": lambda info: _revenue()},
                             description="Net payments received for the package (providers and staff only).")
    def total_revenue(self, root: models.Offering, info: strawberry.Info) -> float | None:
        if not info.context.viewer.is_member:
            return None
        value = getattr(root, "_revenue", Decimal(0))
        return float(value or 0)

    @strawberry_django.field(prefetch_related=[_includes_prefetch])
    def offering_includes(self, root: models.Offering, appointment_type_id: strawberry.ID | None = None,
                          only_bookable_by_client: bool | None = None) -> list[OfferingIncludeType] | None:
        rows = _includes(root)
        if appointment_type_id not in (None, ""):
            rows = [r for r in rows if str(r.appointment_type_id) == str(appointment_type_id)]
        if only_bookable_by_client:
            rows = [r for r in rows if r.appointment_type.clients_can_book and r.appointment_type.deleted_at is None]
        return rows

    @strawberry_django.field(prefetch_related=[_includes_prefetch])
    def offering_includes_count(self, root: models.Offering) -> int:
        return len(_includes(root))

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "user_groups", queryset=models.Offering.user_groups.field.related_model.objects.order_by("id"),
        to_attr="_groups")])
    def offering_group_visibilities(self, root: models.Offering) -> list[OfferingGroupVisibilityType] | None:
        groups = getattr(root, "_groups", None)
        if groups is None:
            groups = list(root.user_groups.order_by("id"))
        return [group_visibility(root.pk, g) for g in groups]

    @strawberry_django.field(select_related=["user_group"], only=["user_group__name", "user_group_id"])
    def user_group_name(self, root: models.Offering) -> str | None:
        return root.user_group.name if root.user_group_id else None

    @strawberry_django.field(only=["user_group_id"])
    def user_group_id(self, root: models.Offering) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_group_id)) if root.user_group_id else None

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.Offering) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_id)) if root.user_id else None

    @strawberry_django.field(only=["row_order"])
    def row_order(self, root: models.Offering) -> str | None:
        return str(root.row_order)

    @strawberry_django.field(only=["video_url"])
    def video_url(self, root: models.Offering) -> str | None:
        return root.video_url or None

    @strawberry_django.field(description="The patient pays for the package (gifting is not available): true.")
    def user_pays(self) -> bool:
        return True

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Offering) -> str:
        return _dt(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.Offering) -> str:
        return _dt(root.updated_at) or ""

    # Features this platform does not have (docs/compatibility.md, "Billing").
    @strawberry_django.field(description="Programs are not available: always null.")
    def course_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="Programs are not available: always [].")
    def offering_courses(self) -> list[OfferingCourseType] | None:
        return []

    @strawberry_django.field(description="Programs are not available: always null.")
    def includes_ended_fixed_course(self) -> bool | None:
        return None

    @strawberry_django.field(description="Labs are not available: always [].")
    def offering_lab_options(self) -> list[OfferingLabOptionType] | None:
        return []

    @strawberry_django.field(description="Meal plans are not available: always [].")
    def meal_plan_options(self) -> list[MealPlanType] | None:
        return []

    @strawberry_django.field(description="Living Plate is not available: always null.")
    def living_plate_meal_plan_id(self) -> str | None:
        return None

    @strawberry_django.field(description="Living Plate is not available: always null.")
    def living_plate_meal_plan_name(self) -> str | None:
        return None

    @strawberry_django.field(description="Living Plate is not available: always null.")
    def living_plate_preview_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Package images are not available: always null.")
    def offering_image(self) -> OfferingImageType | None:
        return None

    @strawberry_django.field(description="Package images are not available: always null.")
    def offering_image_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="Package images are not available: always null.")
    def offering_image_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Package images are not available: always null.")
    def selected_image_id(self) -> str | None:
        return None

    @strawberry_django.field(description="Embedded question forms are not available: always null.")
    def embed_question_form_id(self) -> str | None:
        return None

    @strawberry_django.field(description="Facebook pixels are not available: always null.")
    def fb_pixel(self) -> str | None:
        return None

    @strawberry_django.field(description="Facebook pixels are not available: always null.")
    def start_fb_pixel(self) -> str | None:
        return None

    @strawberry_django.field(description="There is no hosted purchase page: always null.")
    def immediate_purchase_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Quantities apply to programs, which are not available: always null.")
    def minimum_quantity(self) -> str | None:
        return None

    @strawberry_django.field(description="Per-minute pricing is not available: always null.")
    def price_per_minute(self) -> str | None:
        return None

    @strawberry_django.field(description="Tags on purchase are not available: always null.")
    def on_purchase_ifs_tag_id(self) -> str | None:
        return None


@strawberry_django.type(models.OfferingCoupon, name="OfferingCoupon")
class OfferingCouponType:
    id: strawberry.ID
    code: auto
    promo_type: auto
    repeat_times: auto
    usage_limit: auto
    offering_coupon_owner: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["amount_off", "promo_type"],
                             description="Percent off for a percentage coupon, money off for a flat one.")
    def amount_off(self, root: models.OfferingCoupon) -> str | None:
        return _money(root.amount_off)

    @strawberry_django.field(only=["amount_off", "promo_type"])
    def flat_amount_off(self, root: models.OfferingCoupon) -> str | None:
        return _money(root.amount_off) if root.promo_type == models.OfferingCoupon.FLAT else None

    @strawberry_django.field(only=["amount_off", "promo_type"])
    def amount_off_string(self, root: models.OfferingCoupon) -> str | None:
        return _off_string(root)

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "offerings", queryset=models.Offering.objects.filter(deleted_at__isnull=True).only("id", "name")
        .order_by("id"), to_attr="_offerings")])
    def package_connection_names(self, root: models.OfferingCoupon) -> list[str] | None:
        return [o.name for o in _coupon_offerings(root)]

    @strawberry_django.field(prefetch_related=[lambda info: Prefetch(
        "offerings", queryset=models.Offering.objects.filter(deleted_at__isnull=True).only("id", "name")
        .order_by("id"), to_attr="_offerings")])
    def applies_to_string(self, root: models.OfferingCoupon) -> str | None:
        names = [o.name for o in _coupon_offerings(root)]
        return ", ".join(names) if names else "All packages"

    @strawberry_django.field(only=["code", "amount_off", "promo_type", "repeat_times"])
    def to_one_line(self, root: models.OfferingCoupon) -> str | None:
        line = f"{root.code}: {_off_string(root)} off"
        if root.repeat_times:
            line += f" for {root.repeat_times} payment{'s' if root.repeat_times != 1 else ''}"
        return line

    @strawberry_django.field(annotate={"_uses": lambda info: selectors._uses_expression()})
    def number_of_times_used(self, root: models.OfferingCoupon) -> int | None:
        value = getattr(root, "_uses", None)
        return selectors.times_used(root) if value is None else value

    @strawberry_django.field(only=["expires_at"])
    def is_expired(self, root: models.OfferingCoupon) -> bool:
        return coupon_rules.is_expired(root)

    @strawberry_django.field(only=["expires_at", "usage_limit", "deleted_at"],
                             annotate={"_uses": lambda info: selectors._uses_expression()})
    def is_valid(self, root: models.OfferingCoupon) -> bool:
        if root.deleted_at is not None or coupon_rules.is_expired(root):
            return False
        uses = getattr(root, "_uses", None)
        uses = selectors.times_used(root) if uses is None else uses
        return root.usage_limit is None or uses < root.usage_limit

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.OfferingCoupon) -> str | None:
        return str(root.user_id) if root.user_id else None

    @strawberry_django.field(only=["expires_at"])
    def expires_at(self, root: models.OfferingCoupon) -> str | None:
        return _dt(root.expires_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.OfferingCoupon) -> str:
        return _dt(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.OfferingCoupon) -> str:
        return _dt(root.updated_at) or ""

    @strawberry_django.field(only=["deleted_at"])
    def deleted_at(self, root: models.OfferingCoupon) -> str | None:
        return _dt(root.deleted_at)


def _off_string(root: models.OfferingCoupon) -> str:
    if root.promo_type == models.OfferingCoupon.FLAT:
        return f"${root.amount_off:.2f}"
    return f"{root.amount_off.normalize():f}%"


def _coupon_offerings(root: models.OfferingCoupon) -> list[models.Offering]:
    loaded = getattr(root, "_offerings", None)
    if loaded is None:
        loaded = list(root.offerings.filter(deleted_at__isnull=True).order_by("id"))
    return loaded


def _amount_paid() -> Subquery:
    return Subquery(models.BillingItem.objects.filter(recurring_payment_id=OuterRef("pk"),
                                                      state=models.BillingItem.SUCCEEDED, deleted_at__isnull=True)
                    .order_by().values("recurring_payment_id").annotate(total=Sum("amount_paid")).values("total"))


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


@strawberry_django.type(models.RecurringPayment, name="RecurringPayment")
class RecurringPaymentType:
    id: strawberry.ID
    billing_frequency: auto
    is_canceled: auto
    is_paused: auto
    repeat_times: auto
    canceled_by: UserType | None = shown_user_field("canceled_by")
    paused_by: UserType | None = shown_user_field("paused_by")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(annotate={"_paid": lambda info: _amount_paid()},
                             description="What the recurring payment has collected so far.")
    def amount_paid(self, root: models.RecurringPayment) -> str | None:
        value = getattr(root, "_paid", None)
        if not hasattr(root, "_paid"):
            value = models.BillingItem.objects.filter(recurring_payment=root, state=models.BillingItem.SUCCEEDED,
                                                      deleted_at__isnull=True).aggregate(t=Sum("amount_paid"))["t"]
        return _money(value or Decimal("0"))

    @strawberry_django.field(only=["amount_to_pay"])
    def amount_to_pay(self, root: models.RecurringPayment) -> str | None:
        return _money(root.amount_to_pay)

    @strawberry_django.field(only=["original_price"])
    def original_price(self, root: models.RecurringPayment) -> str | None:
        return _money(root.original_price)

    @strawberry_django.field(annotate={"_items": lambda info: _count_of(
        models.BillingItem, "recurring_payment_id", deleted_at__isnull=True)})
    def billing_items_count(self, root: models.RecurringPayment) -> int | None:
        value = getattr(root, "_items", None)
        if value is None:
            value = models.BillingItem.objects.filter(recurring_payment=root, deleted_at__isnull=True).count()
        return value

    @strawberry_django.field(only=["next_payment_date", "next_retry_at", "is_canceled", "is_paused",
                                   "repeat_times", "payments_made"])
    def next_payment_date(self, root: models.RecurringPayment) -> str | None:
        return _dt(plans.due_at(root))

    @strawberry_django.field(only=["next_payment_date", "is_paused", "is_canceled"],
                             description="When a paused recurring payment resumed now would charge next.")
    def next_restart_payment_date(self, root: models.RecurringPayment) -> str | None:
        if not root.is_paused or root.is_canceled or root.next_payment_date is None:
            return None
        return _dt(max(root.next_payment_date, now()))

    @strawberry_django.field(only=["next_payment_date", "next_retry_at", "is_canceled", "is_paused",
                                   "repeat_times", "payments_made"])
    def has_next_payment_date(self, root: models.RecurringPayment) -> bool | None:
        return plans.due_at(root) is not None

    @strawberry_django.field(only=["next_payment_date", "next_retry_at", "is_canceled", "is_paused",
                                   "repeat_times", "payments_made"],
                             description="Whether a charge is scheduled (the next one is pending).")
    def has_scheduled_billing_item(self, root: models.RecurringPayment) -> bool | None:
        return plans.due_at(root) is not None

    @strawberry_django.field(only=["repeat_times", "payments_made"])
    def payments_remaining(self, root: models.RecurringPayment) -> str | None:
        if root.repeat_times is None:
            return None
        return str(max(root.repeat_times - root.payments_made, 0))

    @strawberry_django.field(only=["repeat_times"], deprecation_reason="Use `repeat_times` instead")
    def repeat_tiems(self, root: models.RecurringPayment) -> str | None:
        return None if root.repeat_times is None else str(root.repeat_times)

    @strawberry_django.field(select_related=["offering"], only=["offering__name", "offering_id"])
    def offering_name(self, root: models.RecurringPayment) -> str | None:
        return root.offering.name if root.offering_id else None

    @strawberry_django.field(only=["offering_id"])
    def offering_id(self, root: models.RecurringPayment) -> strawberry.ID | None:
        return _id(root.offering_id)

    @strawberry_django.field(only=["offering_coupon_id"])
    def offering_coupon_id(self, root: models.RecurringPayment) -> strawberry.ID | None:
        return _id(root.offering_coupon_id)

    @strawberry_django.field(only=["sender_id"])
    def sender_id(self, root: models.RecurringPayment) -> strawberry.ID | None:
        return _id(root.sender_id)

    @strawberry_django.field(only=["recipient_id"])
    def recipient_id(self, root: models.RecurringPayment) -> strawberry.ID | None:
        return _id(root.recipient_id)

    @strawberry_django.field(description="Recurring payments come from packages, not appointments: always null.")
    def appointment_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(only=["start_at"])
    def start_at(self, root: models.RecurringPayment) -> str | None:
        return _dt(root.start_at)

    @strawberry_django.field(only=["paused_at"])
    def paused_at(self, root: models.RecurringPayment) -> str | None:
        return _dt(root.paused_at)

    @strawberry_django.field(only=["canceled_at"])
    def canceled_at(self, root: models.RecurringPayment) -> str | None:
        return _dt(root.canceled_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.RecurringPayment) -> str:
        return _dt(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.RecurringPayment) -> str | None:
        return _dt(root.updated_at)

    @strawberry_django.field(prefetch_related=[visible_items_prefetch("billing_items", "_visible_items")])
    def last_billing_item(self, root: models.RecurringPayment, info: strawberry.Info) -> BillingItemRef | None:
        items = visible_items_of(root, "_visible_items", info, recurring_payment=root)
        return items[0] if items else None


def _first_item_id() -> Subquery:
    return Subquery(models.BillingItem.objects.filter(user_package_selection_id=OuterRef("pk"))
                    .order_by("created_at", "id").values("id")[:1])


def _first_invoice_id() -> Subquery:
    return Subquery(models.BillingItem.objects.filter(user_package_selection_id=OuterRef("pk"),
                                                      requested_payment__isnull=False)
                    .order_by("created_at", "id").values("requested_payment_id")[:1])


@strawberry_django.type(models.UserPackageSelection, name="UserPackageSelection")
class UserPackageSelectionType:
    id: strawberry.ID
    user: UserType | None = shown_user_field("user")
    offering: OfferingType | None = strawberry_django.field()
    recurring_payment: RecurringPaymentType | None = strawberry_django.field()

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)


    @strawberry_django.field(only=["initial_price_with_offering_coupon"])
    def initial_price_with_offering_coupon(self, root: models.UserPackageSelection) -> str | None:
        return _money(root.initial_price_with_offering_coupon)

    @strawberry_django.field(only=["offering_coupon_id"])
    def offering_coupon_id(self, root: models.UserPackageSelection) -> strawberry.ID | None:
        return _id(root.offering_coupon_id)

    @strawberry_django.field(annotate={"_first_item": lambda info: _first_item_id()},
                             description="The purchase's initial payment (null for a free package).")
    def billing_item_id(self, root: models.UserPackageSelection) -> strawberry.ID | None:
        if not hasattr(root, "_first_item"):
            return _id(models.BillingItem.objects.filter(user_package_selection=root).order_by(
                "created_at", "id").values_list("id", flat=True).first())
        return _id(root._first_item)

    @strawberry_django.field(annotate={"_first_invoice": lambda info: _first_invoice_id()})
    def requested_payment_id(self, root: models.UserPackageSelection) -> strawberry.ID | None:
        if not hasattr(root, "_first_invoice"):
            return _id(models.BillingItem.objects.filter(user_package_selection=root, requested_payment__isnull=False)
                       .order_by("created_at", "id").values_list("requested_payment_id", flat=True).first())
        return _id(root._first_invoice)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.UserPackageSelection) -> str:
        return _dt(root.created_at) or ""

    @strawberry_django.field(prefetch_related=[visible_items_prefetch("billing_items", "_visible_items")])
    def billing_item(self, root: models.UserPackageSelection, info: strawberry.Info) -> BillingItemRef | None:
        """The purchase's first payment."""
        items = visible_items_of(root, "_visible_items", info, user_package_selection=root)
        return items[-1] if items else None

    @strawberry_django.field(prefetch_related=[_invoice_items_prefetch])
    def requested_payment(self, root: models.UserPackageSelection, info: strawberry.Info
                          ) -> RequestedPaymentRef | None:
        """The invoice the purchase was paid through, if any."""
        items = getattr(root, "_invoice_items", None)
        if items is None:
            from apps.billing.selectors.items import visible_items

            items = list(visible_items(info.context.viewer).filter(
                user_package_selection=root, requested_payment__deleted_at__isnull=True,
                requested_payment__isnull=False).select_related("requested_payment").order_by("created_at", "id")[:1])
        return items[0].requested_payment if items else None


@strawberry_django.type(models.UserPackageSelection, name="ScheduledUserPackageSelection")
class ScheduledUserPackageSelectionType:
    id: strawberry.ID
    user: UserType | None = shown_user_field("user")
    offering: OfferingType | None = strawberry_django.field()
    recurring_payment: RecurringPaymentType | None = strawberry_django.field()

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)


@strawberry_django.type(models.AdvanceAppointmentPrice, name="AdvanceAppointmentPrice")
class AdvanceAppointmentPriceType:
    id: strawberry.ID

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the rows that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["appointment_type_id"])
    def appointment_type_id(self, root: models.AdvanceAppointmentPrice) -> strawberry.ID | None:
        return _id(root.appointment_type_id)

    @strawberry_django.field(only=["price"])
    def price(self, root: models.AdvanceAppointmentPrice) -> str:
        return _money(root.price) or "0.00"

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.AdvanceAppointmentPrice) -> strawberry.ID:
        return strawberry.ID(str(root.user_id))
