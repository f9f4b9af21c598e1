"""Packages (``Offering``): creating, changing, archiving, copying and deleting them, buying one,
and per-client appointment prices.

Buying a package (``purchase_offering``) charges its initial payment through the one charging
path (``take_payment``), records the ``UserPackageSelection``, grants the appointment credits the
package includes (scheduling's ``AppointmentTypeCredit``, which its credit checks read) and, for a
recurring frequency, starts the ``RecurringPayment`` the ``billing.charge_recurring`` job renews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from apps.accounts.models import User, UserGroup
from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import Viewer
from apps.billing.models import (
    AdvanceAppointmentPrice,
    BillingItem,
    Offering,
    OfferingCoupon,
    OfferingInclude,
    Product,
    RecurringPayment,
    StripeCustomerDetail,
    UserPackageSelection,
)
from apps.billing.selectors import packages as selectors
from apps.billing.services import coupons, recurring
from apps.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.lookup import parse_id
from apps.core.money import Money, MoneyError
from apps.core.text import reject_nul
from apps.core.timefmt import now
from apps.scheduling.models import AppointmentType, AppointmentTypeCredit

PERMISSION = "can_edit_packages"
# Stripe's smallest charge in USD: a paid package costs at least this (a free one costs 0).
MINIMUM_PRICE = Decimal("0.50")
# The largest amount a money column holds is far above any real price; refuse beyond this.
MAXIMUM_AMOUNT = Decimal("1000000000.00")
MAX_INCLUDES = 100
MAX_QUANTITY = 1000
NOT_AVAILABLE = {
    "course_ids": "Programs (courses) are not available on this platform.",
    "lab_option_ids": "Lab options are not available on this platform.",
    "living_plate_meal_plan_id": "Living Plate meal plans are not available on this platform.",
    "offering_image": "Package images are not available on this platform.",
    "selected_image_id": "Package images are not available on this platform.",
    "default_selection_image_url": "Package images are not available on this platform.",
    "embed_question_form_id": "Embedded question forms are not available for packages on this platform.",
}


@dataclass(frozen=True)
class IncludeInput:
    id: object = None
    appointment_type_id: object = None
    quantity: str | None = None
    is_repeating: bool | None = None
    required_appointment_type: bool | None = None


@dataclass(frozen=True)
class OfferingProductInput:
    id: object = None
    product_id: object = None
    destroy: bool = False


@dataclass(frozen=True)
class OfferingInput:
    name: str | None | Unset = UNSET
    description: str | None | Unset = UNSET
    price: str | None | Unset = UNSET
    billing_frequency: str | None | Unset = UNSET
    first_time_payment: str | None | Unset = UNSET
    has_first_payment: bool | None | Unset = UNSET
    repeat_times: int | None | Unset = UNSET
    charge_immediately: bool | None | Unset = UNSET
    visibility_status: str | None | Unset = UNSET
    show_offering: bool | None | Unset = UNSET
    max_purchases: str | None | Unset = UNSET
    archived: bool | None | Unset = UNSET
    row_order: int | None | Unset = UNSET
    can_be_gifted: bool | None | Unset = UNSET
    require_booking_purchase: bool | None | Unset = UNSET
    override_group_on_purchase: bool | None | Unset = UNSET
    show_free_text: bool | None | Unset = UNSET
    video_url: str | None | Unset = UNSET
    user_id: object = UNSET
    user_group_id: object = UNSET
    user_group_ids: list[object] | None | Unset = UNSET
    offering_includes: tuple[IncludeInput, ...] | None | Unset = UNSET
    offering_products: tuple[OfferingProductInput, ...] | None | Unset = UNSET
    # Features this platform lacks: a non-empty value is refused with a message.
    unavailable: dict[str, object] = field(default_factory=dict)


def _money(errors: Collector, name: str, raw: object, *, required: bool) -> Decimal | None:
    if raw in (None, "", UNSET):
        if required:
            errors.add(name, f"{name.replace('_', ' ').capitalize()} can't be blank.")
        return None
    try:
        value = Money.parse(raw).amount
    except MoneyError as error:
        errors.add(name, str(error))
        return None
    if value < 0:
        errors.add(name, "An amount can't be negative.")
    elif value > MAXIMUM_AMOUNT:
        errors.add(name, f"An amount is at most {MAXIMUM_AMOUNT}.")
    elif 0 < value < MINIMUM_PRICE:
        errors.add(name, f"A paid package costs at least {MINIMUM_PRICE} (see minimumOfferingPrice).")
    return value


def _text(errors: Collector, name: str, raw: object, limit: int) -> str:
    text = (reject_nul(raw or "", name) or "").strip()
    if len(text) > limit:
        errors.add(name, f"'{name}' is at most {limit} characters.")
    return text


def _includes(viewer: Viewer, errors: Collector, items: tuple[IncludeInput, ...]) -> list[tuple[IncludeInput, dict]]:
    if len(items) > MAX_INCLUDES:
        errors.add("offering_includes", f"At most {MAX_INCLUDES} included appointment types.")
        return []
    wanted = {parse_id(i.appointment_type_id) for i in items} - {None}
    types = {t.pk: t for t in AppointmentType.objects.filter(organization_id=viewer.organization_id,
                                                               deleted_at__isnull=True, pk__in=wanted)}
    planned = []
    for index, item in enumerate(items):
        name = f"offering_includes[{index}]"
        appointment_type = types.get(parse_id(item.appointment_type_id) or 0)
        if appointment_type is None:
            errors.add(f"{name}.appointment_type_id", "Appointment type not found.", ErrorCode.NOT_FOUND)
            continue
        text = str(item.quantity if item.quantity not in (None, "") else "1").strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_QUANTITY:
            errors.add(f"{name}.quantity", f"'quantity' must be a whole number from 1 to {MAX_QUANTITY}.")
            continue
        planned.append((item, {"appointment_type": appointment_type, "quantity": int(text),
                               "is_repeating": bool(item.is_repeating),
                               "required_appointment_type": bool(item.required_appointment_type)}))
    return planned


def _values(viewer: Viewer, data: OfferingInput, offering: Offering | None, errors: Collector) -> dict:
    creating = offering is None
    values: dict[str, object] = {}
    for name, value in data.unavailable.items():
        if value not in (None, "", [], UNSET):
            errors.add(name, NOT_AVAILABLE[name])
    if is_set(data.name) or creating:
        name = _text(errors, "name", data.name, 255)
        if not name:
            errors.add("name", "Name can't be blank.")
        values["name"] = name
    if is_set(data.description):
        values["description"] = _text(errors, "description", data.description, 10000)
    if is_set(data.price) or creating:
        values["price"] = _money(errors, "price", data.price, required=True)
    if is_set(data.first_time_payment):
        values["first_time_payment"] = _money(errors, "first_time_payment", data.first_time_payment, required=False)
    if data.has_first_payment is False:
        values["first_time_payment"] = None
    frequency = Offering.ONE_TIME if creating else offering.billing_frequency
    if is_set(data.billing_frequency) or creating:
        frequency = (data.billing_frequency or Offering.ONE_TIME).strip()
        match = next((f for f in Offering.FREQUENCIES if f.lower() == frequency.lower()), None)
        if match is None:
            errors.add("billing_frequency", f"'billing_frequency' must be one of: {', '.join(Offering.FREQUENCIES)}.")
        else:
            values["billing_frequency"] = frequency = match
    if is_set(data.repeat_times):
        if data.repeat_times is not None and not 1 <= data.repeat_times <= 1000:
            errors.add("repeat_times", "'repeat_times' must be from 1 to 1000 (leave it out for no end).")
        values["repeat_times"] = data.repeat_times
    if Offering.FREQUENCIES.get(frequency) is None and values.get("repeat_times"):
        errors.add("repeat_times", "A One-Time package is charged once: 'repeat_times' needs a recurring frequency.")
    if is_set(data.visibility_status) or creating:
        status = (data.visibility_status or "hidden").strip().lower()
        if status not in Offering.VISIBILITIES:
            errors.add("visibility_status", f"'visibility_status' must be one of: {', '.join(Offering.VISIBILITIES)}.")
        values["visibility_status"] = status
    if is_set(data.max_purchases):
        text = str(data.max_purchases or "").strip()
        if text and (not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10_000_000):
            errors.add("max_purchases", "'max_purchases' must be a whole number of at least 1 (empty: no cap).")
        else:
            values["max_purchases"] = int(text) if text else None
    if is_set(data.video_url):
        url = _text(errors, "video_url", data.video_url, 500)
        if url and not url.startswith(("https://", "http://")):
            errors.add("video_url", "'video_url' must be an http(s) address.")
        values["video_url"] = url
    if is_set(data.row_order) and data.row_order is not None:
        values["row_order"] = data.row_order
    for flag in ("charge_immediately", "show_offering", "archived", "can_be_gifted", "require_booking_purchase",
                 "override_group_on_purchase", "show_free_text"):
        value = getattr(data, flag)
        if is_set(value) and value is not None:
            values[flag] = bool(value)
    if is_set(data.user_id) and data.user_id not in (None, ""):
        provider = User.objects.filter(organization_id=viewer.organization_id, is_patient=False,
                                       pk=parse_id(data.user_id) or 0).first()
        if provider is None:
            errors.add("user_id", "Provider not found.", ErrorCode.NOT_FOUND)
        values["user"] = provider
    groups = UserGroup.objects.filter(organization_id=viewer.organization_id)
    if is_set(data.user_group_id):
        group = None
        if data.user_group_id not in (None, ""):
            group = groups.filter(pk=parse_id(data.user_group_id) or 0).first()
            if group is None:
                errors.add("user_group_id", "Group not found.", ErrorCode.NOT_FOUND)
        values["user_group"] = group
    if is_set(data.user_group_ids):
        ids = [parse_id(i) for i in data.user_group_ids or []]
        found = list(groups.filter(pk__in=[i for i in ids if i]))
        if len(found) != len(set(ids)) or None in ids:
            errors.add("user_group_ids", "Group not found.", ErrorCode.NOT_FOUND)
        values["user_groups"] = found
    return values


def _save_includes(viewer: Viewer, offering: Offering, items: tuple[IncludeInput, ...], errors: Collector) -> None:
    planned = _includes(viewer, errors, items)
    existing = {i.pk: i for i in offering.offering_includes.all()} if offering.pk else {}
    for index, (item, _values) in enumerate(planned):
        if item.id not in (None, "") and parse_id(item.id) not in existing:
            errors.add(f"offering_includes[{index}].id", "Included appointment type not found.", ErrorCode.NOT_FOUND)
    errors.raise_if_any()
    kept = set()
    for item, values in planned:
        include = existing.get(parse_id(item.id) or 0) or OfferingInclude(offering=offering)
        for name, value in values.items():
            setattr(include, name, value)
        include.save()
        kept.add(include.pk)
    # The list sent is the package's whole list: what it no longer names is removed.
    OfferingInclude.objects.filter(offering=offering).exclude(pk__in=kept).delete()


def _save_products(viewer: Viewer, offering: Offering, items: tuple[OfferingProductInput, ...],
                   errors: Collector) -> None:
    products = Product.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)
    add, remove = [], []
    for index, item in enumerate(items):
        product = products.filter(pk=parse_id(item.product_id or item.id) or 0).first()
        if product is None:
            errors.add(f"offering_products[{index}].product.id", "Product not found.", ErrorCode.NOT_FOUND)
            continue
        (remove if item.destroy else add).append(product)
    errors.raise_if_any()
    offering.products.add(*add)
    offering.products.remove(*remove)


def _apply(viewer: Viewer, offering: Offering | None, data: OfferingInput) -> Offering:
    errors = Collector()
    values = _values(viewer, data, offering, errors)
    errors.raise_if_any()
    groups = values.pop("user_groups", None)
    if offering is None:
        offering = Offering(organization_id=viewer.organization_id, user=viewer.user,
                            currency=_currency(viewer.organization_id))
    for name, value in values.items():
        setattr(offering, name, value)
    if offering.visibility_status == "visible":
        offering.show_offering = True
    offering.save()
    if groups is not None:
        offering.user_groups.set(groups)
    if offering.visibility_status == "visible_to_groups" and not offering.user_groups.exists():
        raise ValidationFailed("user_group_ids", "A package visible to groups needs at least one group.")
    if data.offering_includes is not UNSET:
        _save_includes(viewer, offering, tuple(data.offering_includes or ()), errors)
    if data.offering_products is not UNSET:
        _save_products(viewer, offering, tuple(data.offering_products or ()), errors)
    return offering


def _currency(organization_id: int) -> str:
    from apps.billing.models import StripeAccount

    account = StripeAccount.objects.filter(organization_id=organization_id).only("default_currency").first()
    return account.default_currency if account else "usd"


@transaction.atomic
def create_offering(viewer: Viewer, data: OfferingInput) -> Offering:
    viewer.require(PERMISSION)
    return _apply(viewer, None, data)


@transaction.atomic
def update_offering(viewer: Viewer, raw_id: object, data: OfferingInput) -> Offering:
    """Changes a package (``archived`` archives or restores it). Purchases already made keep
    their recurring price; the new price applies to later purchases."""
    viewer.require(PERMISSION)
    offering = selectors.offering_get(viewer, raw_id)
    Offering.objects.select_for_update().filter(pk=offering.pk).first()
    return _apply(viewer, offering, data)


@transaction.atomic
def copy_offering(viewer: Viewer, raw_id: object) -> Offering:
    """A hidden copy of the package with its included appointment types, groups and products."""
    viewer.require(PERMISSION)
    source = selectors.offering_get(viewer, raw_id)
    copy = Offering.objects.get(pk=source.pk)
    copy.pk = None
    copy.name = f"{source.name} (copy)"[:255]
    copy.copied_from = source
    copy.user = viewer.user
    copy.archived = False
    copy.created_at = copy.updated_at = None
    copy.save()
    copy.user_groups.set(source.user_groups.all())
    copy.products.set(source.products.all())
    OfferingInclude.objects.bulk_create([
        OfferingInclude(offering=copy, appointment_type_id=i.appointment_type_id, quantity=i.quantity,
                        is_repeating=i.is_repeating, required_appointment_type=i.required_appointment_type,
                        expires_in=i.expires_in)
        for i in source.offering_includes.all()])
    return copy


@transaction.atomic
def delete_offering(viewer: Viewer, raw_id: object) -> Offering:
    """Soft delete: purchases and recurring payments of the package go on."""
    viewer.require(PERMISSION)
    offering = selectors.offering_get(viewer, raw_id)
    offering.deleted_at = now()
    offering.save(update_fields=["deleted_at", "updated_at"])
    return offering


# ---------------------------------------------------------------- buying a package

def grant_credits(patient: User, offering: Offering, *, repeating_only: bool = False) -> None:
    """Adds the package's appointment credits to the patient's (each renewal: the repeating ones)."""
    includes = offering.offering_includes.all()
    if repeating_only:
        includes = includes.filter(is_repeating=True)
    for include in includes:
        credit = (AppointmentTypeCredit.objects.select_for_update()
                  .filter(user=patient, appointment_type_id=include.appointment_type_id).first())
        if credit is None:
            credit = AppointmentTypeCredit(organization_id=patient.organization_id, user=patient,
                                           appointment_type_id=include.appointment_type_id, total_credits=0)
        credit.total_credits += include.quantity
        credit.save()


def _check_buyer(viewer: Viewer, patient: User) -> None:
    viewer.require()
    if not visible_patients(viewer).filter(pk=patient.pk).exists():
        raise NotFound("user_id", "Client not found.")


def purchase_offering(viewer: Viewer, *, patient: User, offering: Offering, coupon: OfferingCoupon | None = None,
                      card: StripeCustomerDetail | None = None, idempotency_key: str = "",
                      amount: Money | None = None, requested_payment=None, appointment=None,
                      once: bool = False) -> BillingItem | None:
    """Buys ``offering`` for ``patient``; returns the initial payment (``None`` when nothing is charged).
    ``once``: bill a recurring package this one time only (no recurring payment is started).

    ``amount``, when given, is the initial payment to charge as it is (the caller already applied
    any discount, e.g. an invoice's price); otherwise it is the package's initial payment with
    ``coupon`` applied. The same ``idempotency_key`` twice buys once: the second call returns the
    first payment. A decline raises ``PaymentDeclined`` and nothing is written. The caller emits
    ``billing_item.created`` for the returned payment.
    """
    with transaction.atomic():
        _check_buyer(viewer, patient)
        if offering.organization_id != patient.organization_id or offering.deleted_at is not None:
            raise NotFound("offering_id", "Package not found.")
        if offering.archived:
            raise ValidationFailed("offering_id", "This package is archived and cannot be bought.")
        key = (idempotency_key or "").strip()[:255]
        if key:
            User.objects.select_for_update().filter(pk=patient.pk).first()
            replay = BillingItem.objects.filter(organization_id=patient.organization_id,
                                                stripe_idempotency_key=key).first()
            if replay is not None:
                if replay.sender_id != patient.pk or replay.offering_id != offering.pk:
                    raise ValidationFailed("stripe_idempotency_key",
                                           "This idempotency key was used for another payment.")
                return replay
        # The cap counts every purchase: lock the package so two buyers cannot both take the last one.
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        if locked.max_purchases is not None and selectors.purchases_count(locked) >= locked.max_purchases:
            raise ValidationFailed("offering_id", "This package is sold out (it reached its purchase cap).")
        if coupon is not None:
            coupon = coupons.coupon_for(patient.organization_id, coupon_id=coupon.pk, offering=offering)
        currency = offering.currency
        listed = Money(offering.initial_payment_amount, currency)
        first = amount if amount is not None else coupons.apply(coupon, listed)
        selection = UserPackageSelection.objects.create(
            organization_id=patient.organization_id, user=patient, offering=offering, offering_coupon=coupon,
            initial_price_with_offering_coupon=first.amount)
        recipient = offering.user or patient.dietitian
        item = None
        if first.amount > 0:
            from apps.billing.services.payments import PaymentRequest, take_payment

            links = {"offering": offering, "offering_coupon": coupon, "user_package_selection": selection}
            if requested_payment is not None:
                links["requested_payment"] = requested_payment
            if appointment is not None:
                links["appointment"] = appointment
            item = take_payment(PaymentRequest(
                sender=patient, amount=first, recipient=recipient, created_by=viewer.user, card=card,
                idempotency_key=key, description=f"Package: {offering.name}", original_price=listed, links=links))
        _fulfil(patient, offering, coupon, card, recipient, selection, item, recurring=not once)
        return item


def _fulfil(patient: User, offering: Offering, coupon: OfferingCoupon | None, card: StripeCustomerDetail | None,
            recipient: User | None, selection: UserPackageSelection, item: BillingItem | None, *,
            recurring: bool = True) -> None:
    """What a paid (or free) purchase gives: the credits, the package's group, the recurring payment."""
    grant_credits(patient, offering)
    if offering.user_group_id and (offering.override_group_on_purchase or patient.user_group_id is None):
        patient.user_group_id = offering.user_group_id
        patient.save(update_fields=["user_group"])
    if offering.is_recurring and recurring:
        plan = _start_recurring(patient, offering, coupon, card, recipient, charged=item is not None)
        selection.recurring_payment = plan
        selection.save(update_fields=["recurring_payment"])
        if item is not None:
            item.recurring_payment = plan
            item.save(update_fields=["recurring_payment"])


@transaction.atomic
def fulfil_paid_purchase(item: BillingItem) -> UserPackageSelection | None:
    """A package paid outside ``purchase_offering`` (a 3-D Secure PaymentIntent confirmed in the
    patient's browser, recorded when Stripe's ``payment_intent.succeeded`` arrives): the purchase,
    its credits, group and recurring payment, once per payment."""
    offering = item.offering
    if offering is None or item.user_package_selection_id is not None:
        return None
    patient = item.sender
    selection = UserPackageSelection.objects.create(
        organization_id=item.organization_id, user=patient, offering=offering, offering_coupon=item.offering_coupon,
        initial_price_with_offering_coupon=item.amount_paid)
    item.user_package_selection = selection
    item.save(update_fields=["user_package_selection"])
    _fulfil(patient, offering, item.offering_coupon, item.stripe_customer_detail, item.recipient, selection, item)
    return selection


def renewal_amount(plan: RecurringPayment, coupon: OfferingCoupon | None, charge_number: int) -> Money:
    """Charge ``charge_number`` (1: the first) of a recurring payment: discounted while the coupon
    still applies (its ``repeat_times`` first charges, or all when unset)."""
    if coupon is not None and (coupon.repeat_times is None or charge_number <= coupon.repeat_times):
        return Money(plan.amount_to_pay, plan.currency)
    return Money(plan.original_price, plan.currency)


def _start_recurring(patient: User, offering: Offering, coupon: OfferingCoupon | None,
                     card: StripeCustomerDetail | None, recipient: User | None, *, charged: bool) -> RecurringPayment:
    price = Money(offering.price, offering.currency)
    start = now()
    plan = RecurringPayment.objects.create(
        organization_id=patient.organization_id, sender=patient, recipient=recipient, offering=offering,
        offering_coupon=coupon, stripe_customer_detail=card, billing_frequency=offering.billing_frequency,
        original_price=price.amount, amount_to_pay=coupons.apply(coupon, price).amount, currency=offering.currency,
        repeat_times=offering.repeat_times, payments_made=1, start_at=start)
    plan.next_payment_date = None if recurring.is_finished(plan) else recurring.period_start(plan, 1)
    plan.save(update_fields=["next_payment_date"])
    recurring.schedule(plan)
    return plan


# ---------------------------------------------------------------- per-client appointment prices

@dataclass(frozen=True)
class AdvancePriceInput:
    id: object = None
    appointment_type_id: object = None
    price: str | None = None
    user_id: object = None


@transaction.atomic
def update_user_appointment_pricing(viewer: Viewer, *, user_id: object, prices: list[AdvancePriceInput]
                                    ) -> list[AdvanceAppointmentPrice]:
    """Sets the client's own prices per appointment type (an empty price removes one)."""
    viewer.require(PERMISSION)
    patient = visible_patients(viewer).filter(pk=parse_id(user_id) or 0).first()
    if patient is None:
        raise NotFound("user_id", "Client not found.")
    errors = Collector()
    types = AppointmentType.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)
    plan = []
    existing = set(AdvanceAppointmentPrice.objects.filter(user=patient).values_list("pk", flat=True))
    for index, item in enumerate(prices):
        name = f"advance_appointment_prices[{index}]"
        if item.user_id not in (None, "") and parse_id(item.user_id) != patient.pk:
            errors.add(f"{name}.user_id", "Client not found: every price must be for the client of user_id.",
                       ErrorCode.NOT_FOUND)
            continue
        if item.id not in (None, "") and parse_id(item.id) not in existing:
            errors.add(f"{name}.id", "Price not found.", ErrorCode.NOT_FOUND)
            continue
        appointment_type = types.filter(pk=parse_id(item.appointment_type_id) or 0).first()
        if appointment_type is None:
            errors.add(f"{name}.appointment_type_id", "Appointment type not found.", ErrorCode.NOT_FOUND)
            continue
        price = None
        if item.price not in (None, ""):
            try:
                price = Money.parse(item.price).amount
            except MoneyError as error:
                errors.add(f"{name}.price", str(error))
                continue
            if price < 0 or price > MAXIMUM_AMOUNT:
                errors.add(f"{name}.price", f"A price is from 0 to {MAXIMUM_AMOUNT}.")
                continue
        plan.append((appointment_type, price))
    errors.raise_if_any()
    for appointment_type, price in plan:
        if price is None:
            AdvanceAppointmentPrice.objects.filter(user=patient, appointment_type=appointment_type).delete()
        else:
            AdvanceAppointmentPrice.objects.update_or_create(
                user=patient, appointment_type=appointment_type,
                defaults={"organization_id": viewer.organization_id, "price": price})
    return list(AdvanceAppointmentPrice.objects.filter(user=patient).order_by("id"))

