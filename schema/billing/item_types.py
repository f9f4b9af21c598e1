"""GraphQL types of payments (``BillingItem``), refunds, stored cards (``StripeCustomerDetail``),
disputes (``ChargeBack``, ``ChargeDisputeType``), ``TransactionType`` and ``SDKConfig``.

Money is printed with two decimals (``"1234.00"``); datetimes in the documented
``2021-10-10 10:00:00 -0400`` form. Related rows that could name someone the viewer may not
see are prefetched through the viewer's selectors (users through ``shown_users``, payments
through ``visible_items``, disputes through ``visible_charge_backs``). Packages and invoices
are lazy references to their own modules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Count, OuterRef, Prefetch, Subquery
from strawberry import auto
from strawberry_django.optimizer import optimize

from apps.accounts import selectors as account_selectors
from apps.billing import models
from apps.billing.selectors import items as selectors
from apps.core.timefmt import format_datetime, now
from schema.accounts.types import UserType, shown_prefetch, shown_user, shown_user_field

if TYPE_CHECKING:
    from schema.billing.invoice_types import RequestedPayerType, RequestedPaymentType
    from schema.billing.package_types import (
        OfferingCouponType,
        OfferingType,
        RecurringPaymentType,
        UserPackageSelectionType,
    )


LazyOffering = Annotated["OfferingType", strawberry.lazy("schema.billing.package_types")]
LazyOfferingCoupon = Annotated["OfferingCouponType", strawberry.lazy("schema.billing.package_types")]
LazyRecurringPayment = Annotated["RecurringPaymentType", strawberry.lazy("schema.billing.package_types")]
LazyUserPackageSelection = Annotated["UserPackageSelectionType", strawberry.lazy("schema.billing.package_types")]
LazyRequestedPayment = Annotated["RequestedPaymentType", strawberry.lazy("schema.billing.invoice_types")]
LazyRequestedPayer = Annotated["RequestedPayerType", strawberry.lazy("schema.billing.invoice_types")]


def money_text(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def money_display(value: Decimal | None, currency: str) -> str | None:
    if value is None:
        return None
    if currency.lower() == "usd":
        return f"${value:,.2f}"
    return f"{value:,.2f} {currency.upper()}"


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _position(info: strawberry.Info) -> Subquery:
    # The payment's place in its recurring payment (1 for the first charge), one subquery per page.
    earlier = (models.BillingItem.objects
               .filter(recurring_payment_id=OuterRef("recurring_payment_id"), created_at__lte=OuterRef("created_at"),
                       deleted_at=None)
               .order_by().values("recurring_payment_id").annotate(n=Count("id")).values("n"))
    return Subquery(earlier)


def _retried_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("successful_retried_payment", queryset=selectors.visible_items(info.context.viewer),
                    to_attr="_retried")


def _charge_backs_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = selectors.visible_charge_backs(info.context.viewer).order_by("created_at", "id")
    return Prefetch("charge_backs", queryset=queryset, to_attr="_charge_backs")


def _refunds_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("refund_items", queryset=models.RefundItem.objects.order_by("created_at", "id"),
                    to_attr="_refund_items")


@strawberry.type(name="RefundItem")
class RefundItemType:
    id: strawberry.ID
    billing_item_id: str | None
    currency: str | None
    refund_amount: str | None
    refund_date: str | None
    status: str | None

    @classmethod
    def of(cls, refund: models.RefundItem, currency: str) -> RefundItemType:
        return cls(id=strawberry.ID(str(refund.pk)), billing_item_id=str(refund.billing_item_id),
                   currency=currency.upper(), refund_amount=money_text(refund.amount),
                   refund_date=format_datetime(refund.created_at), status="succeeded")


@strawberry_django.type(models.BillingItem, name="BillingItem")
class BillingItemType:
    id: strawberry.ID
    failure_reason: auto
    is_canceled: auto
    is_outside_payment: auto
    note: auto
    card_brand: auto
    card_last4: auto
    stripe_error: auto
    sender: UserType | None = shown_user_field("sender")
    recipient: UserType | None = shown_user_field("recipient")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["amount_paid"], description="The amount paid, like \"1234.00\".")
    def amount_paid(self, root: models.BillingItem) -> str | None:
        return money_text(root.amount_paid)

    @strawberry_django.field(only=["amount_paid", "currency"], description="The amount paid with its currency "
                                                                          "sign, like \"$1,234.00\".")
    def amount_paid_string(self, root: models.BillingItem) -> str | None:
        return money_display(root.amount_paid, root.currency)

    @strawberry_django.field(description="Payments go straight to the organization's own Stripe account: no "
                                         "platform application fee is taken, so this is always null.")
    def application_fee_amount(self) -> str | None:
        return None

    @strawberry_django.field(only=["stripe_customer_detail_id"], select_related=["stripe_customer_detail"],
                             description="The label of the card charged: personal, hsa or fsa.")
    def card_source(self, root: models.BillingItem) -> str | None:
        card = root.stripe_customer_detail
        return card.card_type_label if card is not None else None

    @strawberry_django.field(only=["id"], prefetch_related=[_charge_backs_prefetch])
    def charge_backs(self, root: models.BillingItem, info: strawberry.Info) -> list[ChargeBackType]:
        if hasattr(root, "_charge_backs"):
            return list(root._charge_backs)
        return list(selectors.visible_charge_backs(info.context.viewer).filter(billing_item_id=root.pk)
                    .order_by("created_at", "id"))

    @strawberry_django.field(only=["offering_coupon_id"], select_related=["offering_coupon"])
    def coupon_code(self, root: models.BillingItem) -> str | None:
        return root.offering_coupon.code if root.offering_coupon_id else None

    @strawberry_django.field(description="Superbills belong to insurance billing, not to card payments: always "
                                         "null.")
    def cpt_codes_super_bills_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.BillingItem) -> str:
        return format_datetime(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.BillingItem) -> str | None:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["deleted_at"])
    def deleted_at(self, root: models.BillingItem) -> str | None:
        return format_datetime(root.deleted_at)

    @strawberry_django.field(only=["currency"], description="ISO currency code, upper case (\"USD\").")
    def currency(self, root: models.BillingItem) -> str | None:
        return root.currency.upper() if root.currency else None

    @strawberry_django.field(description="Gift packages are not available: always null.")
    def gifted_by(self) -> str | None:
        return None

    @strawberry_django.field(description="Gift packages are not available: always null.")
    def gifted_to(self) -> str | None:
        return None

    @strawberry_django.field(only=["requested_payment_id"], deprecation_reason="Use requested_payment_id instead. "
                             "This will return the same data as that")
    def invoice_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.requested_payment_id)

    @strawberry_django.field(only=["requested_payment_id"])
    def requested_payment_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.requested_payment_id)

    @strawberry_django.field(only=["recurring_payment_id"])
    def is_recurring(self, root: models.BillingItem) -> bool:
        return root.recurring_payment_id is not None

    @strawberry_django.field(only=["recurring_payment_id", "created_at"], annotate={"_position": _position},
                             description="The payment's place among the charges of its recurring payment (1 = "
                                         "first); null for a one-time payment.")
    def item_position_number(self, root: models.BillingItem) -> int | None:
        if root.recurring_payment_id is None:
            return None
        position = getattr(root, "_position", None)
        if position is None:
            position = (models.BillingItem.objects.filter(recurring_payment_id=root.recurring_payment_id,
                                                          created_at__lte=root.created_at, deleted_at=None).count())
        return position

    @strawberry_django.field(only=["amount_paid", "refund_amount"], description="Amount paid less refunds.")
    def net_payment(self, root: models.BillingItem) -> str | None:
        return money_text(root.amount_paid - root.refund_amount)

    @strawberry_django.field(only=["recurring_payment_id"], select_related=["recurring_payment"],
                             description="What the next charge of the recurring payment will be; null when there "
                                         "is none (one-time, cancelled, paused or finished).")
    def next_scheduled_payment_amount(self, root: models.BillingItem) -> str | None:
        recurring = root.recurring_payment
        if recurring is None or recurring.is_canceled or recurring.is_paused or recurring.next_payment_date is None:
            return None
        if recurring.repeat_times is not None and recurring.payments_made >= recurring.repeat_times:
            return None
        return money_text(recurring.amount_to_pay)

    @strawberry_django.field(only=["offering_coupon_id"])
    def offering_coupon_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.offering_coupon_id)

    @strawberry_django.field(only=["offering_id"])
    def offering_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.offering_id)

    @strawberry_django.field(only=["original_price"])
    def original_price(self, root: models.BillingItem) -> str | None:
        return money_text(root.original_price)

    @strawberry_django.field(only=["payment_medium"], description="How an outside payment was made (cash, check, "
                                                                   "...); null for card payments.")
    def payment_medium(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.payment_medium)

    @strawberry_django.field(only=["recipient_id"], prefetch_related=[shown_prefetch("recipient")],
                             description="The provider paid (the same user as recipient).")
    def provider(self, root: models.BillingItem, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "recipient", info)

    @strawberry_django.field(only=["receipt_last_sent_at"])
    def receipt_last_sent_at(self, root: models.BillingItem) -> str | None:
        return format_datetime(root.receipt_last_sent_at)

    @strawberry_django.field(only=["recipient_id"])
    def recipient_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.recipient_id)

    @strawberry_django.field(only=["sender_id"])
    def sender_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.sender_id)

    @strawberry_django.field(only=["refund_amount"])
    def refund_amount(self, root: models.BillingItem) -> str | None:
        return money_text(root.refund_amount)

    @strawberry_django.field(only=["refund_date"])
    def refund_date(self, root: models.BillingItem) -> str | None:
        return format_datetime(root.refund_date)

    @strawberry_django.field(only=["currency"], prefetch_related=[_refunds_prefetch])
    def refund_items(self, root: models.BillingItem) -> list[RefundItemType]:
        refunds = (root._refund_items if hasattr(root, "_refund_items")
                   else models.RefundItem.objects.filter(billing_item_id=root.pk).order_by("created_at", "id"))
        return [RefundItemType.of(refund, root.currency) for refund in refunds]

    @strawberry_django.field(only=["offering_id", "requested_payment_id", "note", "is_outside_payment",
                                   "payment_medium"],
                             select_related=["offering", "requested_payment"],
                             description="What the payment was for: the package, the invoice, or the note.")
    def shown_description(self, root: models.BillingItem) -> str | None:
        if root.offering_id:
            return root.offering.name
        if root.requested_payment_id:
            return f"Invoice {root.requested_payment.invoice_id}"
        if root.is_outside_payment:
            return f"Outside payment{' (' + root.payment_medium + ')' if root.payment_medium else ''}"
        return root.note or "Payment"

    @strawberry_django.field(only=["note"])
    def shown_note(self, root: models.BillingItem) -> str | None:
        return root.note or None

    @strawberry_django.field(only=["state"], description="succeeded, failed or scheduled.")
    def state(self, root: models.BillingItem) -> str | None:
        return root.state

    @strawberry_django.field(only=["stripe_charge_id"])
    def stripe_charge_id(self, root: models.BillingItem) -> strawberry.ID | None:
        return _str(root.stripe_charge_id)

    @strawberry_django.field(only=["successful_retried_payment_id"], prefetch_related=[_retried_prefetch])
    def successful_retried_payment(self, root: models.BillingItem, info: strawberry.Info) -> BillingItemType | None:
        if hasattr(root, "_retried"):
            return root._retried
        if root.successful_retried_payment_id is None:
            return None
        return selectors.visible_items(info.context.viewer).filter(pk=root.successful_retried_payment_id).first()

    # ---- links to packages and invoices --------------------------------------------------
    @strawberry_django.field(only=["offering_id"], select_related=["offering"])
    def offering(self, root: models.BillingItem) -> LazyOffering | None:
        return root.offering

    @strawberry_django.field(only=["offering_coupon_id"], select_related=["offering_coupon"])
    def offering_coupon(self, root: models.BillingItem) -> LazyOfferingCoupon | None:
        return root.offering_coupon

    @strawberry_django.field(only=["recurring_payment_id"], select_related=["recurring_payment"])
    def recurring_payment(self, root: models.BillingItem) -> LazyRecurringPayment | None:
        return root.recurring_payment

    @strawberry_django.field(only=["user_package_selection_id"], select_related=["user_package_selection"])
    def user_package_selection(self, root: models.BillingItem) -> LazyUserPackageSelection | None:
        return root.user_package_selection

    @strawberry_django.field(only=["requested_payment_id"], select_related=["requested_payment"])
    def requested_payment(self, root: models.BillingItem) -> LazyRequestedPayment | None:
        invoice = root.requested_payment
        return invoice if invoice is not None and invoice.deleted_at is None else None

    @strawberry_django.field(only=["requested_payment_id"], select_related=["requested_payment__requested_payer"])
    def requested_payer(self, root: models.BillingItem) -> LazyRequestedPayer | None:
        invoice = root.requested_payment
        return invoice.requested_payer if invoice is not None and invoice.deleted_at is None else None


def _expiry(card: models.StripeCustomerDetail) -> dt.date | None:
    if not card.exp_year or not card.exp_month:
        return None
    year, month = (card.exp_year + 1, 1) if card.exp_month == 12 else (card.exp_year, card.exp_month + 1)
    return dt.date(year, month, 1) - dt.timedelta(days=1)


@strawberry_django.type(models.StripeCustomerDetail, name="StripeCustomerDetail")
class StripeCustomerDetailType:
    id: strawberry.ID
    card_type: auto
    card_type_label: auto
    country: auto
    last_four: auto
    source_status: auto
    source_type: auto
    stripe_id: auto
    zip: auto
    is_default: bool = strawberry_django.field(description="Whether the patient is charged on this card when no "
                                                           "card is named (one default per patient).")
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str:
        return getattr(root, "cursor", None) or ""

    @strawberry_django.field(description="Bank accounts are not available (cards only): always null.")
    def bank_type(self) -> str | None:
        return None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.StripeCustomerDetail) -> str | None:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["exp_month", "exp_year"], description="The last day the card is valid.")
    def expiration(self, root: models.StripeCustomerDetail) -> str | None:
        day = _expiry(root)
        return day.isoformat() if day else None

    @strawberry_django.field(only=["exp_month", "exp_year"], description="Whether the card expires at the end of "
                                                                          "next month.")
    def expiring_next_month(self, root: models.StripeCustomerDetail) -> bool:
        if not root.exp_year or not root.exp_month:
            return False
        today = now().date()
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return (root.exp_year, root.exp_month) == (year, month)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.StripeCustomerDetail) -> str | None:
        return _str(root.user_id)


@strawberry.type(name="ChargeBackEvidence")
class ChargeBackEvidenceType:
    billing_address: str | None = None
    cancellation_policy: str | None = None
    cancellation_policy_disclosure: str | None = None
    cancellation_rebuttal: str | None = None
    customer_communication: str | None = None
    customer_email_address: str | None = None
    customer_name: str | None = None
    product_description: str | None = None
    refund_policy: str | None = None
    refund_policy_disclosure: str | None = None
    refund_refusal_explanation: str | None = None
    uncategorized_file: str | None = None
    uncategorized_text: str | None = None


EVIDENCE_FIELDS = tuple(ChargeBackEvidenceType.__annotations__)
CLOSED = ("won", "lost", "warning_closed")


def _words(value: str | None) -> str | None:
    return value.replace("_", " ").capitalize() if value else None


def _items_prefetch(relation: str) -> Any:
    def build(info: strawberry.Info) -> Prefetch:
        return Prefetch(relation, queryset=selectors.visible_items(info.context.viewer), to_attr="_item")

    return build


@strawberry_django.type(models.ChargeBack, name="ChargeBack")
class ChargeBackType:
    id: strawberry.ID
    reason: auto
    status: auto

    @strawberry_django.field(only=["billing_item_id"], prefetch_related=[_items_prefetch("billing_item")])
    def billing_item(self, root: models.ChargeBack, info: strawberry.Info) -> BillingItemType | None:
        if hasattr(root, "_item"):
            return root._item
        return selectors.visible_items(info.context.viewer).filter(pk=root.billing_item_id or 0).first()

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.ChargeBack) -> str:
        return format_datetime(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.ChargeBack) -> str:
        return format_datetime(root.updated_at) or ""

    @strawberry_django.field(only=["disputed_amount"])
    def disputed_amount(self, root: models.ChargeBack) -> str | None:
        return money_text(root.disputed_amount)

    @strawberry_django.field(only=["fee"], description="Stripe's dispute fee, when Stripe reported it.")
    def fee(self, root: models.ChargeBack) -> str | None:
        return money_text(root.fee)

    @strawberry_django.field(only=["disputed_amount", "fee"], description="Disputed amount plus the fee.")
    def total_amount(self, root: models.ChargeBack) -> str | None:
        return money_text(root.disputed_amount + (root.fee or Decimal("0")))

    @strawberry_django.field(only=["evidence"], description="The text evidence sent with updateChargeBack.")
    def evidence(self, root: models.ChargeBack) -> ChargeBackEvidenceType | None:
        if not root.evidence:
            return None
        return ChargeBackEvidenceType(**{k: v for k, v in root.evidence.items() if k in EVIDENCE_FIELDS})

    @strawberry_django.field(only=["evidence", "status"], description="Evidence fields not sent yet (empty once "
                                                                       "the dispute is closed).")
    def evidence_fields_to_submit(self, root: models.ChargeBack) -> list[str | None] | None:
        if root.status in CLOSED:
            return []
        sent = root.evidence or {}
        return [name for name in EVIDENCE_FIELDS if not sent.get(name)]

    @strawberry_django.field(only=["reason"])
    def formatted_reason(self, root: models.ChargeBack) -> str | None:
        return _words(root.reason)

    @strawberry_django.field(only=["status"])
    def formatted_status(self, root: models.ChargeBack) -> str | None:
        return _words(root.status)

    @strawberry_django.field(only=["response_required_by"])
    def response_required_by(self, root: models.ChargeBack) -> str | None:
        return format_datetime(root.response_required_by)


def _payment_user_prefetch(relation: str):
    """A dispute's patient or provider, read through its payment: the users the caller may see,
    on the payment under ``shown_user``'s attribute, for a whole page in one query."""

    def build(info: strawberry.Info) -> Prefetch:
        queryset = account_selectors.shown_users(info.context.viewer).order_by("id")
        return Prefetch(f"billing_item__{relation}", queryset=optimize(queryset, info), to_attr=f"_shown_{relation}")

    return build


@strawberry_django.type(models.ChargeBack, name="ChargeDisputeType")
class ChargeDisputeType:
    id: strawberry.ID
    reason: auto
    stripe_dispute_id: auto

    @strawberry_django.field(only=["disputed_amount", "currency"], description="In the currency's minor units "
                                                                                "(cents), as Stripe reports it.")
    def amount(self, root: models.ChargeBack) -> int | None:
        from apps.core.money import Money

        return Money(root.disputed_amount, root.currency).to_minor_units()

    @strawberry_django.field(only=["billing_item_id"])
    def billing_item_id(self, root: models.ChargeBack) -> strawberry.ID | None:
        return _str(root.billing_item_id)

    @strawberry_django.field(only=["status"], description="Stripe's dispute status, upper case (NEEDS_RESPONSE, "
                                                           "UNDER_REVIEW, WON, LOST, ...).")
    def status(self, root: models.ChargeBack) -> str | None:
        return root.status.upper() if root.status else None

    @strawberry_django.field(only=["billing_item_id"], select_related=["billing_item"],
                             prefetch_related=[_payment_user_prefetch("sender")])
    def client(self, root: models.ChargeBack, info: strawberry.Info) -> UserType | None:
        item = root.billing_item
        return shown_user(item, "sender", info) if item is not None else None

    @strawberry_django.field(only=["billing_item_id"], select_related=["billing_item"],
                             prefetch_related=[_payment_user_prefetch("recipient")])
    def provider(self, root: models.ChargeBack, info: strawberry.Info) -> UserType | None:
        item = root.billing_item
        return shown_user(item, "recipient", info) if item is not None else None

    @strawberry_django.field(only=["billing_item_id"], select_related=["billing_item"])
    def requested_payment_id(self, root: models.ChargeBack) -> strawberry.ID | None:
        return _str(root.billing_item.requested_payment_id) if root.billing_item_id else None

    @strawberry_django.field(only=["billing_item_id"], select_related=["billing_item"])
    def invoice_id(self, root: models.ChargeBack) -> strawberry.ID | None:
        return _str(root.billing_item.requested_payment_id) if root.billing_item_id else None


@strawberry.type(name="TransactionType")
class TransactionType:
    currency: str | None = None
    displayed_amount: str | None = None
    source_name: str | None = None


@strawberry.type(name="SDKConfig")
class SDKConfigType:
    stripe_publishable_key: str | None = strawberry.field(
        default=None, description="The organization's Stripe publishable key, for Stripe.js to tokenize cards "
                                  "with; null when the organization has not connected Stripe.")
