"""Reads of payments (``BillingItem``), stored cards (``StripeCustomerDetail``) and disputes
(``ChargeBack``), scoped to the viewer.

A patient sees their own cards and the payments they made. A member holding
``can_see_billing`` sees those of their organization's patients except the ones hidden from
them (members restricted to their own patients see only those patients' billing); without it,
nothing. Another organization's ids answer exactly like missing ids.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from apps.accounts.selectors import hidden_patients
from apps.accounts.viewer import Viewer
from apps.billing.models import BillingItem, ChargeBack, StripeCustomerDetail
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.money import Money, MoneyError
from apps.core.ordering import SortKey, sort_for
from apps.core.text import reject_nul
from apps.core.timefmt import TimeFormatError, now, parse_datetime

SEE_BILLING = "can_see_billing"
STATES = (BillingItem.SUCCEEDED, BillingItem.FAILED, BillingItem.SCHEDULED)

ITEM_SORTS = {
    "created_at_desc": [SortKey("created_at", True)],
    "created_at_asc": [SortKey("created_at", False)],
    "updated_at_desc": [SortKey("updated_at", True)],
    "updated_at_asc": [SortKey("updated_at", False)],
    "amount_paid_desc": [SortKey("amount_paid", True)],
    "amount_paid_asc": [SortKey("amount_paid", False)],
    "patient_first_name_asc": [SortKey("sender_first", False, F("sender__first_name"))],
    "patient_first_name_desc": [SortKey("sender_first", True, F("sender__first_name"))],
    "provider_first_name_asc": [SortKey("recipient_first", False, F("recipient__first_name"))],
    "provider_first_name_desc": [SortKey("recipient_first", True, F("recipient__first_name"))],
    # The method: outside payments by their medium, card payments by the card's brand.
    "method_asc": [SortKey("payment_medium", False), SortKey("card_brand", False)],
    "method_desc": [SortKey("payment_medium", True), SortKey("card_brand", True)],
    "state_asc": [SortKey("state", False)],
    "state_desc": [SortKey("state", True)],
}
CARD_SORT = [SortKey("is_default", True), SortKey("created_at", True)]
CARD_ISSUE_SORTS = {
    "expiration_date_asc": [SortKey("exp_year", False), SortKey("exp_month", False)],
    "expiration_date_desc": [SortKey("exp_year", True), SortKey("exp_month", True)],
    "patient_first_name_asc": [SortKey("user_first", False, F("user__first_name"))],
    "patient_first_name_desc": [SortKey("user_first", True, F("user__first_name"))],
    "created_at_asc": [SortKey("created_at", False)],
    "created_at_desc": [SortKey("created_at", True)],
}
CHARGE_BACK_SORTS = {
    "created_at_desc": [SortKey("created_at", True)],
    "created_at_asc": [SortKey("created_at", False)],
    "updated_at_desc": [SortKey("updated_at", True)],
    "updated_at_asc": [SortKey("updated_at", False)],
}


def sees_billing(viewer: Viewer) -> bool:
    return viewer.is_member and viewer.has_permission(SEE_BILLING)


# --- payments ---------------------------------------------------------------------------------

def visible_items(viewer: Viewer) -> QuerySet[BillingItem]:
    if not viewer.is_authenticated:
        return BillingItem.objects.none()
    if viewer.is_patient:
        return BillingItem.objects.filter(organization_id=viewer.organization_id, sender_id=viewer.user_id,
                                          deleted_at=None)
    if not sees_billing(viewer):
        return BillingItem.objects.none()
    return BillingItem.objects.filter(organization_id=viewer.organization_id, deleted_at=None).exclude(
        sender__in=hidden_patients(viewer))


def item_get(viewer: Viewer, item_id: object, *, field: str = "id") -> BillingItem:
    return get_visible(visible_items(viewer), item_id, "Billing item", field=field)


def _when(value: str | None, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_datetime(value)
    except TimeFormatError as error:
        raise ValidationFailed(field, str(error)) from None


def _states(values: Iterable[str | None], field: str) -> list[str]:
    found = []
    for value in values:
        state = (value or "").strip().lower()
        if state not in STATES:
            raise ValidationFailed(field, f"{field} must be one of: {', '.join(STATES)}.")
        found.append(state)
    return found


def items_filter(viewer: Viewer, *, client_id: object = None, user_id: object = None, provider_id: object = None,
                 keywords: str | None = None, state: str | None = None, status: list[str | None] | None = None,
                 offerings_only: bool | None = None, created_at_start: str | None = None,
                 created_at_end: str | None = None) -> QuerySet[BillingItem]:
    """The documented billingItems filters. ``keywords`` match the amount paid and the medium
    (seed 002); ``client_id`` is the paying patient, ``provider_id`` the provider paid and
    ``user_id`` either side."""
    qs = visible_items(viewer)
    if client_id not in (None, ""):
        qs = qs.filter(sender_id=parse_id(client_id) or 0)
    if user_id not in (None, ""):
        pk = parse_id(user_id) or 0
        qs = qs.filter(Q(sender_id=pk) | Q(recipient_id=pk))
    if provider_id not in (None, ""):
        qs = qs.filter(recipient_id=parse_id(provider_id) or 0)
    if state not in (None, ""):
        qs = qs.filter(state__in=_states([state], "state"))
    if status:
        qs = qs.filter(state__in=_states(status, "status"))
    if offerings_only:
        qs = qs.filter(offering__isnull=False)
    start, end = _when(created_at_start, "created_at_start"), _when(created_at_end, "created_at_end")
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if keywords and keywords.strip():
        text = reject_nul(keywords.strip(), "keywords")
        condition = Q(payment_medium__icontains=text)
        with contextlib.suppress(MoneyError, ArithmeticError):
            amount = Money.parse(text.lstrip("$")).amount
            if abs(amount) < 10**10:
                condition |= Q(amount_paid=amount)
        qs = qs.filter(condition)
    return qs


def item_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    if order_by:
        return sort_for(ITEM_SORTS, order_by, "created_at_desc", argument="order_by")
    return sort_for(ITEM_SORTS, sort_by, "created_at_desc")


# --- cards ------------------------------------------------------------------------------------

def visible_cards(viewer: Viewer) -> QuerySet[StripeCustomerDetail]:
    if not viewer.is_authenticated:
        return StripeCustomerDetail.objects.none()
    if viewer.is_patient:
        return StripeCustomerDetail.objects.filter(organization_id=viewer.organization_id, user_id=viewer.user_id,
                                                   deleted_at=None)
    if not sees_billing(viewer):
        return StripeCustomerDetail.objects.none()
    return StripeCustomerDetail.objects.filter(organization_id=viewer.organization_id, deleted_at=None).exclude(
        user__in=hidden_patients(viewer))


def card_get(viewer: Viewer, card_id: object, *, field: str = "id") -> StripeCustomerDetail:
    return get_visible(visible_cards(viewer), card_id, "Payment method", field=field)


def cards_filter(viewer: Viewer, *, user_id: object = None) -> QuerySet[StripeCustomerDetail]:
    """A patient's cards: ``user_id``'s, or the caller's own when it is not given."""
    pk = parse_id(user_id) if user_id not in (None, "") else viewer.user_id
    return visible_cards(viewer).filter(user_id=pk or 0)


def _next_month(today: dt.date) -> tuple[int, int]:
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def expiring_q(today: dt.date) -> Q:
    """Cards whose expiry month is next month or earlier."""
    year, month = _next_month(today)
    return Q(exp_year__lt=year) | Q(exp_year=year, exp_month__lte=month)


def card_issues(viewer: Viewer) -> QuerySet[StripeCustomerDetail]:
    """Cards that need attention and were not marked seen since: expiring by the end of next
    month (or expired), or with a failed charge after the last time they were marked seen."""
    if not sees_billing(viewer):
        return StripeCustomerDetail.objects.none()
    failed = BillingItem.objects.filter(stripe_customer_detail_id=OuterRef("pk"), state=BillingItem.FAILED,
                                        deleted_at=None)
    unseen_failure = Exists(failed.filter(Q(stripe_customer_detail__issue_seen_at=None)
                                          | Q(created_at__gt=OuterRef("issue_seen_at"))))
    return visible_cards(viewer).filter((expiring_q(now().date()) & Q(issue_seen_at=None)) | Q(unseen_failure))


def card_issue_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    if order_by:
        return sort_for(CARD_ISSUE_SORTS, order_by, "expiration_date_asc", argument="order_by")
    return sort_for(CARD_ISSUE_SORTS, sort_by, "expiration_date_asc")


# --- disputes ---------------------------------------------------------------------------------

def visible_charge_backs(viewer: Viewer) -> QuerySet[ChargeBack]:
    """Disputes are the organization's business: members with ``can_see_billing`` only."""
    if not sees_billing(viewer):
        return ChargeBack.objects.none()
    return ChargeBack.objects.filter(organization_id=viewer.organization_id).exclude(
        billing_item__sender__in=hidden_patients(viewer))


def charge_back_get(viewer: Viewer, charge_back_id: object = None, *, stripe_dispute_id: str | None = None,
                    field: str = "id") -> ChargeBack:
    if stripe_dispute_id not in (None, "") and charge_back_id in (None, ""):
        reject_nul(str(stripe_dispute_id), "stripe_dispute_id")
        found = visible_charge_backs(viewer).filter(stripe_dispute_id=str(stripe_dispute_id)[:255]).first()
        if found is None:
            raise NotFound("stripe_dispute_id", "Charge back not found.")
        return found
    return get_visible(visible_charge_backs(viewer), charge_back_id, "Charge back", field=field)


def charge_backs_filter(viewer: Viewer, *, show_all_for_org: bool | None = None) -> QuerySet[ChargeBack]:
    """``show_all_for_org`` false: only disputes of payments made to the caller."""
    qs = visible_charge_backs(viewer)
    if show_all_for_org is False:
        qs = qs.filter(billing_item__recipient_id=viewer.user_id)
    return qs


def charge_back_sort(order_by: str | None) -> list[SortKey]:
    return sort_for(CHARGE_BACK_SORTS, order_by, "created_at_desc", argument="order_by")
