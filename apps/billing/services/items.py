"""Payments (``BillingItem``): charging a patient's stored card, recording outside payments,
paying invoices and packages, 3-D Secure payment intents, retries, receipts and soft deletes.

Every card charge goes through ``payments.take_payment`` (exactly once per idempotency key; a
decline raises ``PaymentDeclined`` and this transaction rolls back, so nothing is paid). After
anything that moves money on an invoice, ``ledger.refresh_status`` recomputes its status.

Who may do what: a patient pays with their own cards (``should_charge``) and may retry their
failed payments or ask for a receipt again; recording outside payments, refunds, cancelling,
pausing, editing and deleting need a member holding ``can_charge_clients``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.selectors import organization_providers, patient_get, visible_patients
from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import (
    BillingItem,
    Offering,
    OfferingCoupon,
    RequestedPayer,
    RequestedPayment,
    StripeCustomerDetail,
    UserPackageSelection,
)
from apps.billing.selectors.items import item_get, visible_cards
from apps.billing.services import ledger
from apps.billing.services.accounts import stripe_customer_for
from apps.billing.services.payments import PaymentRequest, existing_payment, take_payment
from apps.core.errors import NotFound, ValidationFailed
from apps.core.jobs import email
from apps.core.lookup import get_visible, parse_id
from apps.core.money import Money, MoneyError
from apps.core.text import reject_nul
from apps.core.timefmt import TimeFormatError, format_datetime, now, parse_datetime
from apps.events.bus import emit

CHARGE_CLIENTS = "can_charge_clients"
MAX_METADATA = 10_000


@dataclass(frozen=True)
class ItemCreate:
    sender_id: object = None
    amount_paid: str | None = None
    recipient_id: object = None
    requested_payment_id: object = None
    requested_payer_id: object = None
    offering_id: object = None
    offering_coupon_id: object = None
    user_package_selection_id: object = None
    stripe_customer_detail_id: object = None
    should_charge: bool = False
    stripe_idempotency_key: str | None = None
    payment_medium: str | None = None
    note: str | None = None
    created_at: str | None = None
    payment_due_date: str | None = None
    metadata: str | None = None


@dataclass(frozen=True)
class ItemUpdate:
    id: object = None
    amount_paid: str | None = None
    chosen_refund_amount: str | None = None
    sender_id: object = None
    recipient_id: object = None
    note: str | None = None
    payment_medium: str | None = None
    created_at: str | None = None
    is_canceled: bool | None = None
    is_paused: bool | None = None
    new_payment_date: str | None = None
    resend_payment: bool | None = None
    resend_receipt: bool | None = None
    stripe_idempotency_key: str | None = None
    metadata: str | None = None


@dataclass(frozen=True)
class PaymentIntentCreate:
    amount_to_pay: str | None = None
    currency: str | None = None
    offering_id: object = None
    coupon_code: str | None = None
    recipient_id: object = None
    stripe_idempotency_key: str | None = None


# --- parsing ----------------------------------------------------------------------------------

def money(value: str | None, field: str, currency: str = "usd") -> Money:
    try:
        amount = Money.parse(value, currency)
    except MoneyError as error:
        raise ValidationFailed(field, str(error)) from None
    except ArithmeticError:  # Money.parse lets quantize() overflow escape for exponents like 1e400
        raise ValidationFailed(field, f"{field} is not an amount of money.") from None
    if amount.amount < 0:
        raise ValidationFailed(field, f"{field} cannot be negative.")
    if amount.amount >= Decimal("10000000000"):
        raise ValidationFailed(field, f"{field} is too large.")
    return amount


def _datetime(value: str | None, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_datetime(value)
    except TimeFormatError as error:
        raise ValidationFailed(field, str(error)) from None


def _text(value: str | None, field: str, limit: int) -> str:
    text = reject_nul(value or "", field) if value else ""
    if len(text) > limit:
        raise ValidationFailed(field, f"{field} is longer than {limit} characters.")
    return text


def _metadata(value: str | None) -> object:
    if value in (None, ""):
        return None
    if len(value) > MAX_METADATA:
        raise ValidationFailed("metadata", f"metadata is longer than {MAX_METADATA} characters.")
    if "\x00" in value or "\\u0000" in value:
        raise ValidationFailed("metadata", "metadata contains a character that is not allowed.")
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise ValidationFailed("metadata", "metadata must be a JSON string, like '{\"source\": \"web\"}'.") from None


def _key(value: str | None) -> str:
    key = (value or "").strip()
    if len(key) > 200 or not key.isascii() or not key.isprintable():
        raise ValidationFailed("stripe_idempotency_key", "stripe_idempotency_key must be at most 200 printable "
                                                         "ASCII characters (a V4 UUID is recommended).")
    return key


# --- related records --------------------------------------------------------------------------

def _invoice(viewer: Viewer, raw_id: object) -> RequestedPayment:
    """The invoice through the invoices area's ``invoice_get``, row-locked so concurrent partial
    payments see each other's totals."""
    try:
        from apps.billing.services.invoices import invoice_get
    except ImportError:  # the invoices area's lookup; this stand-in keeps this part usable on its own
        invoice_get = _invoice_stand_in
    try:
        invoice = invoice_get(viewer, raw_id)
    except NotFound:
        raise NotFound("requested_payment_id", "Requested payment not found.") from None
    return RequestedPayment.objects.select_for_update().get(pk=invoice.pk)


def _invoice_stand_in(viewer: Viewer, raw_id: object) -> RequestedPayment:
    from apps.accounts.selectors import hidden_patients

    qs = RequestedPayment.objects.filter(organization_id=viewer.organization_id, deleted_at=None, is_preview=False)
    qs = qs.filter(recipient_id=viewer.user_id) if viewer.is_patient else qs.exclude(
        recipient__in=hidden_patients(viewer))
    return get_visible(qs, raw_id, "Requested payment", field="requested_payment_id")


def _offering(viewer: Viewer, raw_id: object) -> Offering:
    qs = Offering.objects.filter(organization_id=viewer.organization_id, deleted_at=None)
    return get_visible(qs, raw_id, "Offering", field="offering_id")


def _coupon(viewer: Viewer, raw_id: object, offering: Offering | None) -> OfferingCoupon:
    found = get_visible(OfferingCoupon.objects.filter(organization_id=viewer.organization_id, deleted_at=None),
                        raw_id, "Offering coupon", field="offering_coupon_id")
    from apps.billing.services import coupons  # the packages area's coupon rules (expiry, usage, packages)

    try:
        return coupons.coupon_for(viewer.organization_id, coupon_id=found.pk, offering=offering)
    except ValidationFailed as error:
        raise ValidationFailed("offering_coupon_id", str(error)) from None
    except NotFound:
        raise NotFound("offering_coupon_id", "Offering coupon not found.") from None


def _recipient(viewer: Viewer, raw_id: object, sender: User) -> User | None:
    """The provider paid: ``recipient_id``, else the patient's primary provider, else a member caller."""
    if raw_id not in (None, ""):
        return get_visible(organization_providers(viewer), raw_id, "Provider", field="recipient_id")
    if sender.dietitian_id:
        return User.objects.filter(pk=sender.dietitian_id).first()
    return viewer.user if viewer.is_member else None


def _sender(viewer: Viewer, raw_id: object) -> User:
    if viewer.is_patient:
        if raw_id not in (None, "") and parse_id(raw_id) != viewer.user_id:
            raise NotFound("sender_id", "Patient not found.")
        return viewer.user
    if raw_id in (None, ""):
        raise ValidationFailed("sender_id", "sender_id is required: the patient who pays.")
    return patient_get(viewer, raw_id, field="sender_id")


def refresh_invoice(viewer: Viewer | None, invoice: RequestedPayment | None) -> None:
    """``ledger.refresh_status`` plus ``requested_payment.updated`` when the status moved."""
    if invoice is None:
        return
    before = invoice.status
    ledger.refresh_status(invoice)
    if invoice.status != before:
        emit("requested_payment.updated", invoice, organization_id=invoice.organization_id,
             changed_fields=["status"], actor_id=viewer.user_id if viewer else None)


# --- create -----------------------------------------------------------------------------------

@transaction.atomic
def item_create(viewer: Viewer, data: ItemCreate) -> BillingItem | None:
    """``should_charge``: charges the card (``stripe_customer_detail_id`` or the default one);
    otherwise records an outside payment (members only). ``None`` only for a free package."""
    viewer.require()
    if not viewer.is_patient:
        viewer.require(CHARGE_CLIENTS)
    # Every id is looked up first, so a missing or hidden one is reported as "not found" on its
    # own field whatever else the input lacks.
    sender = _sender(viewer, data.sender_id) if (viewer.is_patient or data.sender_id not in (None, "")) else None
    recipient_given = (get_visible(organization_providers(viewer), data.recipient_id, "Provider", field="recipient_id")
                       if data.recipient_id not in (None, "") else None)
    invoice = _invoice(viewer, data.requested_payment_id) if data.requested_payment_id not in (None, "") else None
    offering = _offering(viewer, data.offering_id) if data.offering_id not in (None, "") else None
    coupon = (_coupon(viewer, data.offering_coupon_id, offering)
              if data.offering_coupon_id not in (None, "") else None)
    selection = None
    if data.user_package_selection_id not in (None, ""):
        selection = get_visible(UserPackageSelection.objects.filter(organization_id=viewer.organization_id,
                                                                    user__in=visible_patients(viewer)),
                                data.user_package_selection_id, "User package selection",
                                field="user_package_selection_id")
    card = (get_visible(visible_cards(viewer), data.stripe_customer_detail_id, "Payment method",
                        field="stripe_customer_detail_id")
            if data.stripe_customer_detail_id not in (None, "") else None)
    if data.requested_payer_id not in (None, ""):
        get_visible(RequestedPayer.objects.filter(organization_id=viewer.organization_id), data.requested_payer_id,
                    "Requested payer", field="requested_payer_id")
        raise ValidationFailed("requested_payer_id", "A third-party payer pays its invoice from the invoice link; "
                                                     "a billing item is paid by a patient (sender_id).")
    if viewer.is_patient and not data.should_charge:
        raise ValidationFailed("should_charge", "Patients pay with a card: send should_charge true. Outside "
                                                "payments are recorded by the provider.")
    if sender is None:
        raise ValidationFailed("sender_id", "sender_id is required: the patient who pays.")
    if card is not None and card.user_id != sender.pk:
        raise ValidationFailed("stripe_customer_detail_id", "This card belongs to another patient.")
    if selection is not None and selection.user_id != sender.pk:
        raise ValidationFailed("user_package_selection_id", "This package selection belongs to another patient.")
    User.objects.select_for_update().filter(pk=sender.pk).first()
    key = _key(data.stripe_idempotency_key)
    replay = existing_payment(sender.organization_id, key)
    if replay is not None:
        if replay.sender_id != sender.pk:
            raise ValidationFailed("stripe_idempotency_key", "This idempotency key was used for another payment.")
        return replay
    due = _datetime(data.payment_due_date, "payment_due_date")
    if due is not None and due.date() > now().date():
        raise ValidationFailed("payment_due_date", "Scheduling a charge for a later date is not available: charge "
                                                   "now, or send an invoice (createRequestedPayment).")
    recipient = recipient_given or _recipient(viewer, None, sender)
    if invoice is not None and invoice.recipient_id not in (None, sender.pk):
        raise ValidationFailed("requested_payment_id", "This invoice is addressed to another patient.")
    metadata = _metadata(data.metadata)
    amount = _amount(data.amount_paid, invoice, offering)

    if data.should_charge and offering is not None:
        # Seed 002: a payment_due_date of today bills a recurring package once (no recurring payment).
        item = _purchase(viewer, sender, offering, coupon, card, key, amount, invoice, once=due is not None)
    elif data.should_charge:
        original = amount
        if coupon is not None:
            from apps.billing.services import coupons

            amount = coupons.apply(coupon, amount)
        _check_invoice_balance(invoice, amount)
        item = take_payment(PaymentRequest(
            sender=sender, amount=amount, recipient=recipient, created_by=viewer.user, card=card,
            idempotency_key=key, description=_description(invoice, offering),
            original_price=original if coupon is not None else None,
            links={"requested_payment": invoice, "offering_coupon": coupon, "user_package_selection": selection,
                   "metadata": metadata}))
    else:
        _check_invoice_balance(invoice, amount)
        if amount.amount <= 0:
            raise ValidationFailed("amount_paid", "The amount paid must be more than zero.")
        paid_at = _datetime(data.created_at, "created_at")
        item = BillingItem.objects.create(
            organization_id=sender.organization_id, sender=sender, recipient=recipient, created_by=viewer.user,
            amount_paid=amount.amount, currency=amount.currency, state=BillingItem.SUCCEEDED,
            is_outside_payment=True, payment_medium=_text(data.payment_medium, "payment_medium", 50),
            note=_text(data.note, "note", 5000), stripe_idempotency_key=key, offering=offering,
            offering_coupon=coupon, requested_payment=invoice, user_package_selection=selection,
            metadata=metadata, paid_at=paid_at)
        if paid_at is not None:
            # The provider dates an outside payment; created_at is otherwise set by the database.
            BillingItem.objects.filter(pk=item.pk).update(created_at=paid_at)
            item.created_at = paid_at
    if item is None:
        return None
    if item.recipient_id is None and recipient is not None:
        item.recipient = recipient
        item.save(update_fields=["recipient", "updated_at"])
    emit("billing_item.created", item, organization_id=item.organization_id, actor_id=viewer.user_id)
    refresh_invoice(viewer, invoice)
    return item


def _amount(raw: str | None, invoice: RequestedPayment | None, offering: Offering | None) -> Money:
    """``amount_paid``, or by default what is left to pay on the invoice, or the package's
    initial payment (seed 002: "If left blank, the patient will be charged the full amount")."""
    if raw not in (None, ""):
        currency = invoice.currency if invoice else (offering.currency if offering else "usd")
        return money(raw, "amount_paid", currency)
    if invoice is not None:
        return Money(ledger.balance_due(invoice), invoice.currency)
    if offering is not None:
        return Money(offering.initial_payment_amount, offering.currency)
    raise ValidationFailed("amount_paid", "amount_paid is required when no invoice or package is paid.")


def _check_invoice_balance(invoice: RequestedPayment | None, amount: Money) -> None:
    if invoice is None:
        return
    if invoice.status in (RequestedPayment.PAID, RequestedPayment.WRITTEN_OFF) or invoice.is_manually_paid:
        raise ValidationFailed("requested_payment_id", f"This invoice is already {invoice.status.lower()}.")
    due = ledger.balance_due(invoice)
    if amount.amount > due:
        raise ValidationFailed("amount_paid", f"amount_paid ({amount}) is more than the invoice's balance due "
                                              f"({due:.2f}).")


def _description(invoice: RequestedPayment | None, offering: Offering | None) -> str:
    if invoice is not None:
        return f"Invoice {invoice.invoice_id}"
    if offering is not None:
        return offering.name
    return "Payment"


def _purchase(viewer: Viewer, sender: User, offering: Offering, coupon: OfferingCoupon | None,
              card: StripeCustomerDetail | None, key: str, amount: Money,
              invoice: RequestedPayment | None, *, once: bool = False) -> BillingItem | None:
    from apps.billing.services import packages  # the packages area's purchase (selection, credits, renewals)

    return packages.purchase_offering(viewer, patient=sender, offering=offering, coupon=coupon, card=card,
                                      idempotency_key=key, amount=amount, requested_payment=invoice, once=once)


# --- update -----------------------------------------------------------------------------------

def _locked(viewer: Viewer, item_id: object) -> BillingItem:
    item = item_get(viewer, item_id)
    return BillingItem.objects.select_for_update(of=("self",)).select_related("sender", "requested_payment").get(
        pk=item.pk)


@transaction.atomic
def item_update(viewer: Viewer, data: ItemUpdate) -> BillingItem:
    viewer.require()
    patient_may = {"id", "resend_payment", "resend_receipt", "stripe_idempotency_key"}
    sent = {name for name, value in vars(data).items() if value not in (None, "")}
    if viewer.is_patient and sent - patient_may:
        raise ValidationFailed(sorted(sent - patient_may)[0], "Only the provider can change this payment.")
    if not viewer.is_patient:
        viewer.require(CHARGE_CLIENTS)
    new_sender = patient_get(viewer, data.sender_id, field="sender_id") if "sender_id" in sent else None
    new_recipient = (get_visible(organization_providers(viewer), data.recipient_id, "Provider", field="recipient_id")
                     if "recipient_id" in sent else None)
    item = _locked(viewer, data.id)
    changed: list[str] = []
    result = item

    if data.chosen_refund_amount not in (None, ""):
        from apps.billing.services.refunds import refund_create

        refund_create(viewer, item, money(data.chosen_refund_amount, "chosen_refund_amount", item.currency),
                      idempotency_key=_key(data.stripe_idempotency_key))
        item.refresh_from_db()
        changed += ["refund_amount", "refund_date"]
    changed += _edit_outside(viewer, item, data, new_sender, new_recipient)
    changed += _recurring(viewer, item, data)
    if data.metadata not in (None, ""):
        item.metadata = _metadata(data.metadata)
        item.save(update_fields=["metadata", "updated_at"])
        changed.append("metadata")
    if data.resend_payment:
        result = _retry(viewer, item, data)
        changed.append("successful_retried_payment")
    if data.resend_receipt:
        receipt_send(result)
        changed.append("receipt_last_sent_at")
    if changed:
        emit("billing_item.updated", item, organization_id=item.organization_id, changed_fields=changed,
             actor_id=viewer.user_id)
    return result


def _edit_outside(viewer: Viewer, item: BillingItem, data: ItemUpdate, new_sender: User | None,
                  new_recipient: User | None) -> list[str]:
    """Amount, date, medium, note, patient and provider of a recorded payment. A card charge's
    amount and patient are Stripe's: refund it instead."""
    changed: list[str] = []
    fields: list[str] = []
    card_only = data.amount_paid not in (None, "") or data.sender_id not in (None, "") or data.created_at
    if card_only and not item.is_outside_payment and not data.resend_payment:
        field = "amount_paid" if data.amount_paid not in (None, "") else (
            "sender_id" if data.sender_id not in (None, "") else "created_at")
        raise ValidationFailed(field, "A card payment cannot be changed; refund it (chosen_refund_amount) instead.")
    if item.is_outside_payment:
        if data.amount_paid not in (None, ""):
            amount = money(data.amount_paid, "amount_paid", item.currency)
            if amount.amount < item.refund_amount or amount.amount <= 0:
                raise ValidationFailed("amount_paid", "amount_paid must be more than zero and not less than what "
                                                      "was refunded.")
            item.amount_paid = amount.amount
            fields.append("amount_paid")
        if new_sender is not None:
            item.sender = new_sender
            fields.append("sender")
        if data.created_at:
            item.paid_at = item.created_at = _datetime(data.created_at, "created_at")
            fields += ["paid_at", "created_at"]
    if new_recipient is not None:
        item.recipient = new_recipient
        fields.append("recipient")
    if data.note is not None:
        item.note = _text(data.note, "note", 5000)
        fields.append("note")
    if data.payment_medium is not None:
        item.payment_medium = _text(data.payment_medium, "payment_medium", 50)
        fields.append("payment_medium")
    if fields:
        item.save(update_fields=[*fields, "updated_at"])
        changed += [f if f not in ("sender", "recipient") else f"{f}_id" for f in fields]
        if "amount_paid" in fields or "sender" in fields:
            refresh_invoice(viewer, item.requested_payment)
    return changed


def _recurring(viewer: Viewer, item: BillingItem, data: ItemUpdate) -> list[str]:
    """is_canceled / is_paused / new_payment_date act on the recurring payment the item belongs
    to (seed 002: "You can pass the ID of any BillingItem that is part of the RecurringPayment")."""
    asked = [name for name in ("is_canceled", "is_paused", "new_payment_date")
             if getattr(data, name) not in (None, "")]
    if not asked:
        return []
    recurring_payment = item.recurring_payment
    if recurring_payment is None:
        if data.is_canceled and item.state == BillingItem.SCHEDULED:
            item.is_canceled = True
            item.save(update_fields=["is_canceled", "updated_at"])
            return ["is_canceled"]
        raise ValidationFailed(asked[0], "This payment is not part of a recurring payment.")
    from apps.billing.services import recurring  # the packages area's recurring payments

    if data.is_canceled:
        recurring.cancel(viewer, recurring_payment)
        item.is_canceled = True
        item.save(update_fields=["is_canceled", "updated_at"])
    if data.is_paused is True:
        recurring.pause(viewer, recurring_payment)
    elif data.is_paused is False:
        recurring.resume(viewer, recurring_payment)
    if data.new_payment_date not in (None, ""):
        recurring.set_next_payment_date(viewer, recurring_payment, _datetime(data.new_payment_date,
                                                                             "new_payment_date"))
    return asked


def _retry(viewer: Viewer, item: BillingItem, data: ItemUpdate) -> BillingItem:
    """Charges a failed payment again (the patient's default card unless the failed one is still
    on file); the failed item then points at the successful one."""
    if item.state != BillingItem.FAILED:
        raise ValidationFailed("resend_payment", "Only a failed payment can be retried.")
    if item.successful_retried_payment_id is not None:
        return item.successful_retried_payment
    amount = (money(data.amount_paid, "amount_paid", item.currency) if data.amount_paid not in (None, "")
              else Money(item.amount_paid, item.currency))
    card = item.stripe_customer_detail if (item.stripe_customer_detail
                                           and item.stripe_customer_detail.deleted_at is None) else None
    paid = take_payment(PaymentRequest(
        sender=item.sender, amount=amount, recipient=item.recipient, created_by=viewer.user, card=card,
        idempotency_key=_key(data.stripe_idempotency_key), description=f"Retry of payment {item.pk}",
        links={"offering": item.offering, "offering_coupon": item.offering_coupon,
               "requested_payment": item.requested_payment, "recurring_payment": item.recurring_payment,
               "user_package_selection": item.user_package_selection, "appointment": item.appointment}),
        field_name="resend_payment")
    item.successful_retried_payment = paid
    item.save(update_fields=["successful_retried_payment", "updated_at"])
    emit("billing_item.created", paid, organization_id=paid.organization_id, actor_id=viewer.user_id)
    refresh_invoice(viewer, item.requested_payment)
    return paid


def receipt_send(item: BillingItem) -> None:
    """E-mails the patient a receipt (a durable e-mail job written in this transaction)."""
    sender = item.sender
    if not sender.email:
        raise ValidationFailed("resend_receipt", "The patient has no e-mail address to send the receipt to.")
    lines = [f"Hello {sender.first_name},", "", f"Receipt for payment #{item.pk}",
             f"Amount paid: {item.amount_paid:.2f} {item.currency.upper()}",
             f"Date: {format_datetime(item.paid_at or item.created_at, sender.timezone or None)}"]
    if item.card_last4:
        lines.append(f"Card: {item.card_brand} ending in {item.card_last4}")
    elif item.payment_medium:
        lines.append(f"Paid by: {item.payment_medium}")
    if item.refund_amount:
        lines.append(f"Refunded: {item.refund_amount:.2f} {item.currency.upper()}")
    if item.requested_payment_id:
        lines.append(f"Invoice: {item.requested_payment.invoice_id}")
    email.send_later([sender.email], f"Your receipt from {sender.organization.name}", "\n".join(lines) + "\n",
                     organization_id=item.organization_id, about=f"billing_item:{item.pk}")
    item.receipt_last_sent_at = now()
    item.save(update_fields=["receipt_last_sent_at", "updated_at"])


# --- delete -----------------------------------------------------------------------------------

@transaction.atomic
def item_delete(viewer: Viewer, item_id: object) -> BillingItem:
    """Soft delete. A card charge that still holds money must be refunded first: deleting it
    would leave an invoice unpaid while the patient's money was taken."""
    viewer.require(CHARGE_CLIENTS)
    item = _locked(viewer, item_id)
    if (item.state == BillingItem.SUCCEEDED and not item.is_outside_payment and item.stripe_charge_id
            and item.net_amount > 0):
        raise ValidationFailed("id", "Refund this card payment (updateBillingItem chosen_refund_amount) before "
                                     "deleting it.")
    item.deleted_at = now()
    item.save(update_fields=["deleted_at", "updated_at"])
    emit("billing_item.updated", item, organization_id=item.organization_id, changed_fields=["deleted_at"],
         actor_id=viewer.user_id)
    refresh_invoice(viewer, item.requested_payment)
    return item


# --- 3-D Secure -------------------------------------------------------------------------------

@transaction.atomic
def payment_intent_create(viewer: Viewer, data: PaymentIntentCreate) -> str:
    """A PaymentIntent the signed-in patient's browser confirms (3-D Secure). Nothing is
    recorded now: the payment becomes a ``BillingItem`` when Stripe's ``payment_intent.succeeded``
    webhook arrives (``stripe_webhooks``), from the metadata set here. Returns its client secret."""
    viewer.require()
    offering = _offering(viewer, data.offering_id) if data.offering_id not in (None, "") else None
    recipient = (get_visible(organization_providers(viewer), data.recipient_id, "Provider", field="recipient_id")
                 if data.recipient_id not in (None, "") else None)
    if not viewer.is_patient:
        raise ValidationFailed(None, "A payment intent is created by the patient who pays (sign in as the patient); "
                                     "members charge a stored card with createBillingItem.")
    patient = viewer.user
    key = _key(data.stripe_idempotency_key)
    currency = (data.currency or (offering.currency if offering else "usd")).strip().lower()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise ValidationFailed("currency", "currency must be a three-letter ISO code, like usd.")
    if data.amount_to_pay not in (None, ""):
        amount = money(data.amount_to_pay, "amount_to_pay", currency)
    elif offering is not None:
        amount = Money(offering.initial_payment_amount, currency)
    else:
        raise ValidationFailed("amount_to_pay", "amount_to_pay is required when no package is bought.")
    original = amount
    coupon = None
    if data.coupon_code not in (None, ""):
        from apps.billing.services import coupons

        try:
            coupon = coupons.coupon_for(patient.organization_id, code=data.coupon_code, offering=offering)
        except ValidationFailed as error:
            raise ValidationFailed("coupon_code", str(error)) from None
        amount = coupons.apply(coupon, amount)
    if amount.amount <= 0:
        raise ValidationFailed("amount_to_pay", "The amount to pay must be more than zero.")
    recipient = recipient or _recipient(viewer, None, patient)
    account = gateway.account_for(patient.organization_id)
    customer_id = stripe_customer_for(patient, account)
    metadata = {"organization_id": str(patient.organization_id), "patient_id": str(patient.pk),
                "recipient_id": str(recipient.pk) if recipient else "",
                "offering_id": str(offering.pk) if offering else "",
                "offering_coupon_id": str(coupon.pk) if coupon else "",
                "original_price": str(original) if coupon else "", "idempotency_key": key}
    intent = gateway.payment_intent(account, customer_id=customer_id, amount=amount, metadata=metadata,
                                    idempotency_key=f"intent-{patient.organization_id}-{key}" if key else None)
    return intent.client_secret
