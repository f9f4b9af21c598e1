"""Input types of package, coupon, product and recurring-payment mutations, and the builders
of the services' typed inputs."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from apps.billing.services.coupons import CouponInput
from apps.billing.services.packages import AdvancePriceInput, IncludeInput, OfferingInput, OfferingProductInput
from apps.billing.services.products import ProductInput
from apps.core.inputs import build
from schema.payloads import provided


@strawberry.input(name="OfferingIncludesFields")
class OfferingIncludesFields:
    appointment_type_id: strawberry.ID | None = None
    id: strawberry.ID | None = None
    is_repeating: bool | None = None
    quantity: str | None = None
    required_appointment_type: bool | None = None


@strawberry.input(name="ProductInput")
class ProductRefInput:
    id: str | None = None
    name: str | None = None


@strawberry.input(name="OfferingProductInput")
class OfferingProductFields:
    destroy: bool | None = strawberry.field(name="_destroy", default=None)
    deduct_main_quantity: bool | None = None
    id: strawberry.ID | None = None
    price: str | None = None
    product: ProductRefInput | None = None
    quantity: int | None = None
    taxable: bool | None = None


@strawberry.input(name="OfferingImageUpload", description="Package images are not available: refused.")
class OfferingImageUpload:
    image: Upload | None = None


@strawberry.input(name="createOfferingInput")
class CreateOfferingInput:
    billing_frequency: str | None = strawberry.UNSET
    can_be_gifted: bool | None = strawberry.UNSET
    charge_immediately: bool | None = strawberry.UNSET
    course_id: strawberry.ID | None = strawberry.UNSET
    # A comma-separated String, as the documented operations send it.
    course_ids: str | None = strawberry.UNSET
    default_selection_image_url: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    first_time_payment: str | None = strawberry.UNSET
    lab_option_ids: list[strawberry.ID | None] | None = strawberry.UNSET
    living_plate_meal_plan_id: strawberry.ID | None = strawberry.UNSET
    max_purchases: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    offering_image: OfferingImageUpload | None = strawberry.UNSET
    offering_includes: list[OfferingIncludesFields | None] | None = strawberry.UNSET
    offering_products: list[OfferingProductFields | None] | None = strawberry.UNSET
    override_group_on_purchase: bool | None = strawberry.UNSET
    price: str | None = strawberry.UNSET
    repeat_times: int | None = strawberry.UNSET
    require_booking_purchase: bool | None = strawberry.UNSET
    selected_image_id: strawberry.ID | None = strawberry.UNSET
    show_free_text: bool | None = strawberry.UNSET
    show_offering: bool | None = strawberry.UNSET
    user_group_id: strawberry.ID | None = strawberry.UNSET
    user_group_ids: list[strawberry.ID | None] | None = strawberry.UNSET
    user_id: strawberry.ID | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET
    visibility_status: str | None = strawberry.UNSET


@strawberry.input(name="updateOfferingInput")
class UpdateOfferingInput(CreateOfferingInput):
    archived: bool | None = strawberry.UNSET
    embed_question_form_id: strawberry.ID | None = strawberry.UNSET
    has_first_payment: bool | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.UNSET
    row_order: int | None = strawberry.UNSET


@strawberry.input(name="copyOfferingInput")
class CopyOfferingInput:
    id: strawberry.ID | None = None


@strawberry.input(name="deleteOfferingInput")
class DeleteOfferingInput:
    id: strawberry.ID | None = None


@strawberry.input(name="createOfferingCouponInput")
class CreateOfferingCouponInput:
    amount_off: str | None = strawberry.UNSET
    code: str | None = strawberry.UNSET
    # String, the baseline's date convention (``2030-01-31 23:59:00``, ISO 8601 accepted).
    expires_at: str | None = strawberry.UNSET
    flat_amount_off: str | None = strawberry.UNSET
    offering_ids: list[strawberry.ID | None] | None = strawberry.UNSET
    promo_type: str | None = strawberry.UNSET
    repeat_times: int | None = strawberry.UNSET
    usage_limit: int | None = strawberry.UNSET


@strawberry.input(name="deleteOfferingCouponInput")
class DeleteOfferingCouponInput:
    id: strawberry.ID | None = None


@strawberry.input(name="createProductInput")
class CreateProductInput:
    name: str | None = strawberry.UNSET
    price: str | None = strawberry.UNSET
    remaining_quantity: str | None = strawberry.UNSET
    tax_description: str | None = strawberry.UNSET
    tax_rate: str | None = strawberry.UNSET
    unlimited_quantity: bool | None = strawberry.UNSET


@strawberry.input(name="updateProductInput")
class UpdateProductInput(CreateProductInput):
    id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="deleteProductInput")
class DeleteProductInput:
    id: strawberry.ID | None = None


@strawberry.input(name="cancelRecurringPaymentInput")
class CancelRecurringPaymentInput:
    billing_item_id: strawberry.ID


@strawberry.input(name="AdvanceAppointmentPricesInput")
class AdvanceAppointmentPricesInput:
    appointment_type_id: strawberry.ID | None = None
    id: strawberry.ID | None = None
    price: str | None = None
    user_id: strawberry.ID | None = None


@strawberry.input(name="updateUserAppointmentPricingInput")
class UpdateUserAppointmentPricingInput:
    advance_appointment_prices: list[AdvanceAppointmentPricesInput | None] | None = None
    user_id: strawberry.ID | None = None


OFFERING_FIELDS = ("name", "description", "price", "billing_frequency", "first_time_payment", "has_first_payment",
                   "repeat_times", "charge_immediately", "visibility_status", "show_offering", "max_purchases",
                   "archived", "row_order", "can_be_gifted", "require_booking_purchase", "override_group_on_purchase",
                   "show_free_text", "video_url", "user_id", "user_group_id", "user_group_ids")
UNAVAILABLE = ("course_ids", "lab_option_ids", "living_plate_meal_plan_id", "offering_image", "selected_image_id",
               "default_selection_image_url", "embed_question_form_id")


def offering_input(data: object | None) -> OfferingInput:
    sent = provided(data)
    values = {k: v for k, v in sent.items() if k in OFFERING_FIELDS}
    unavailable = {k: sent[k] for k in UNAVAILABLE if k in sent}
    if sent.get("course_id") not in (None, ""):
        unavailable["course_ids"] = sent["course_id"]
    if "offering_includes" in sent:
        items = sent["offering_includes"]
        values["offering_includes"] = None if items is None else tuple(
            IncludeInput(id=i.id, appointment_type_id=i.appointment_type_id, quantity=i.quantity,
                         is_repeating=i.is_repeating, required_appointment_type=i.required_appointment_type)
            for i in items if i is not None)
    if "offering_products" in sent:
        items = sent["offering_products"]
        values["offering_products"] = None if items is None else tuple(
            OfferingProductInput(id=i.id, product_id=i.product.id if i.product else None, destroy=bool(i.destroy))
            for i in items if i is not None)
    return OfferingInput(**values, unavailable=unavailable)


def coupon_input(data: object | None) -> CouponInput:
    return build(CouponInput, provided(data))


def product_input(data: object | None) -> ProductInput:
    return build(ProductInput, provided(data))


def advance_prices(data: UpdateUserAppointmentPricingInput) -> list[AdvancePriceInput]:
    return [AdvancePriceInput(id=i.id, appointment_type_id=i.appointment_type_id, price=i.price, user_id=i.user_id)
            for i in data.advance_appointment_prices or [] if i is not None]
