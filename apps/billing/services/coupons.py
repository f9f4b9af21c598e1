"""Coupons (``OfferingCoupon``): creating and deleting them, checking one a client typed in, and
what it takes off a price.

A coupon is ``percentage`` (``amount_off`` percent) or ``flat`` (``amount_off`` money off),
may be limited to some packages, to a number of uses and to a date; on a recurring package it
applies to its first ``repeat_times`` charges (every charge when unset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.accounts.viewer import Viewer
from apps.billing.models import Offering, OfferingCoupon
from apps.billing.selectors import packages as selectors
from apps.core.errors import Collector, ErrorCode, ValidationFailed
from apps.core.inputs import UNSET, Unset
from apps.core.lookup import parse_id
from apps.core.money import Money, MoneyError
from apps.core.text import reject_nul
from apps.core.timefmt import TimeFormatError, now, parse_datetime

PERMISSION = "can_edit_packages"
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
MAXIMUM_AMOUNT = Decimal("1000000000.00")


@dataclass(frozen=True)
class CouponInput:
    code: str | None | Unset = UNSET
    promo_type: str | None | Unset = UNSET
    amount_off: str | None | Unset = UNSET
    flat_amount_off: str | None | Unset = UNSET
    expires_at: str | None | Unset = UNSET
    offering_ids: list[object] | None | Unset = UNSET
    repeat_times: int | None | Unset = UNSET
    usage_limit: int | None | Unset = UNSET


def is_expired(coupon: OfferingCoupon, at: dt.datetime | None = None) -> bool:
    return coupon.expires_at is not None and coupon.expires_at <= (at or now())


def apply(coupon: OfferingCoupon | None, amount: Money) -> Money:
    """``amount`` after the coupon's discount, never below zero."""
    if coupon is None:
        return amount
    if coupon.promo_type == OfferingCoupon.FLAT:
        return Money(max(amount.amount - coupon.amount_off, ZERO), amount.currency)
    return Money(max(amount.amount * (HUNDRED - coupon.amount_off) / HUNDRED, ZERO), amount.currency)


def coupon_for(organization_id: int, *, code: str | None = None, coupon_id: object = None,
               offering: Offering | None = None) -> OfferingCoupon:
    """The organization's live coupon by code (case-insensitive) or id, usable now for
    ``offering``; ``ValidationFailed`` naming ``coupon_code`` / ``offering_coupon_id`` when it
    does not exist, has expired, is used up or does not apply to the package."""
    field = "coupon_code" if code is not None else "offering_coupon_id"
    live = OfferingCoupon.objects.filter(organization_id=organization_id, deleted_at__isnull=True)
    if code is not None:
        text = (reject_nul(code, field) or "").strip()
        coupon = live.filter(code__iexact=text).first() if text else None
    else:
        pk = parse_id(coupon_id)
        coupon = live.filter(pk=pk).first() if pk else None
    if coupon is None:
        raise ValidationFailed(field, "This coupon code is not valid.")
    if is_expired(coupon):
        raise ValidationFailed(field, "This coupon has expired.")
    if coupon.usage_limit is not None and selectors.times_used(coupon) >= coupon.usage_limit:
        raise ValidationFailed(field, "This coupon has been used the maximum number of times.")
    if offering is not None and coupon.offerings.exists() and not coupon.offerings.filter(pk=offering.pk).exists():
        raise ValidationFailed(field, "This coupon does not apply to this package.")
    return coupon


def _positive_int(errors: Collector, name: str, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or value < 1 or value > 100000:
        errors.add(name, f"'{name}' must be a whole number from 1 to 100000.")
        return None
    return value


@transaction.atomic
def create_coupon(viewer: Viewer, data: CouponInput) -> OfferingCoupon:
    viewer.require(PERMISSION)
    errors = Collector()
    code = (reject_nul(data.code or "", "code") or "").strip()
    if not code:
        errors.add("code", "Code can't be blank.")
    elif len(code) > 100 or any(c.isspace() for c in code):
        errors.add("code", "A code has at most 100 characters and no spaces.")
    promo_type = (data.promo_type or OfferingCoupon.PERCENTAGE).strip().lower()
    if promo_type not in (OfferingCoupon.PERCENTAGE, OfferingCoupon.FLAT):
        errors.add("promo_type", "'promo_type' must be percentage or flat.")
    amount = None
    field = "flat_amount_off" if promo_type == OfferingCoupon.FLAT and data.flat_amount_off else "amount_off"
    raw = data.flat_amount_off if field == "flat_amount_off" else data.amount_off
    if raw in (None, "", UNSET):
        errors.add(field, "The amount off is required.")
    else:
        try:
            amount = Money.parse(raw).amount
        except MoneyError as error:
            errors.add(field, str(error))
        else:
            if amount <= 0:
                errors.add(field, "The amount off must be more than zero.")
            elif amount > MAXIMUM_AMOUNT:
                errors.add(field, f"The amount off is at most {MAXIMUM_AMOUNT}.")
            elif promo_type == OfferingCoupon.PERCENTAGE and amount > HUNDRED:
                errors.add(field, "A percentage off is at most 100.")
    expires_at = None
    if data.expires_at not in (None, "", UNSET):
        try:
            expires_at = parse_datetime(data.expires_at, viewer.user.timezone or None)
        except TimeFormatError as error:
            errors.add("expires_at", str(error))
        else:
            if expires_at <= now():
                errors.add("expires_at", "The expiry must be in the future.")
    repeat_times = _positive_int(errors, "repeat_times", None if data.repeat_times is UNSET else data.repeat_times)
    usage_limit = _positive_int(errors, "usage_limit", None if data.usage_limit is UNSET else data.usage_limit)
    offerings = []
    for index, raw_id in enumerate(data.offering_ids or []):
        pk = parse_id(raw_id)
        found = selectors.offerings_visible(viewer).filter(pk=pk).first() if pk else None
        if found is None:
            errors.add(f"offering_ids[{index}]", "Package not found.", ErrorCode.NOT_FOUND)
        else:
            offerings.append(found)
    errors.raise_if_any()
    if OfferingCoupon.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True,
                                     code__iexact=code).exists():
        raise ValidationFailed("code", "This code is already used by another coupon.")
    try:
        with transaction.atomic():
            coupon = OfferingCoupon.objects.create(
                organization_id=viewer.organization_id, user=viewer.user, code=code, promo_type=promo_type,
                amount_off=amount, repeat_times=repeat_times, usage_limit=usage_limit, expires_at=expires_at)
    except IntegrityError:  # a concurrent request took the code
        raise ValidationFailed("code", "This code is already used by another coupon.") from None
    coupon.offerings.set(offerings)
    return coupon


@transaction.atomic
def delete_coupon(viewer: Viewer, raw_id: object) -> OfferingCoupon:
    viewer.require(PERMISSION)
    coupon = selectors.coupon_get(viewer, raw_id)
    coupon.deleted_at = now()
    coupon.save(update_fields=["deleted_at", "updated_at"])
    return coupon


@dataclass(frozen=True)
class CouponCheck:
    """What ``validateCoupon`` answers: the prices after the coupon, or why it does not apply."""

    fail_reason: str | None = None
    first_amount: str | None = None
    new_first_price: str | None = None
    new_price: str | None = None
    repeat_times: str | None = None
    still_ask_for_cc: bool | None = None


def validate(viewer: Viewer, *, coupon_code: str | None, offering_id: object = None,
             requested_payment_id: object = None) -> CouponCheck:
    """Checks a code for a package (or an invoice); an unusable code is an answer, not an error."""
    viewer.require()
    offering = None
    if offering_id not in (None, ""):
        offering = selectors.offering_get(viewer, offering_id, field="offering_id")
    try:
        coupon = coupon_for(viewer.organization_id, code=coupon_code or "", offering=offering)
    except ValidationFailed as error:
        return CouponCheck(fail_reason=str(error))
    if offering is not None:
        first = Money(offering.initial_payment_amount, offering.currency)
        price = Money(offering.price, offering.currency)
        new_first = apply(coupon, first)
        new_price = apply(coupon, price) if coupon.repeat_times is None or coupon.repeat_times > 1 else price
        ask = new_first.amount > 0 or (offering.is_recurring and new_price.amount > 0) or offering.ask_for_cc
        return CouponCheck(first_amount=str(first), new_first_price=str(new_first), new_price=str(new_price),
                           repeat_times=str(coupon.repeat_times) if coupon.repeat_times else None,
                           still_ask_for_cc=ask)
    if requested_payment_id not in (None, ""):
        from apps.billing.services.invoices import invoice_get  # the invoices area's lookup

        invoice = invoice_get(viewer, requested_payment_id)
        price = Money(invoice.price, invoice.currency)
        new_price = apply(coupon, price)
        return CouponCheck(first_amount=str(price), new_first_price=str(new_price), new_price=str(new_price),
                           repeat_times=str(coupon.repeat_times) if coupon.repeat_times else None,
                           still_ask_for_cc=new_price.amount > 0)
    return CouponCheck(repeat_times=str(coupon.repeat_times) if coupon.repeat_times else None,
                       still_ask_for_cc=True)
