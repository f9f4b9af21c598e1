"""Invoices (``RequestedPayment``): create, update, soft delete, pay, and their e-mails.

An invoice's status is never written here directly: every change that can move it (price,
``is_manually_paid``, payments, write-offs, deletion) ends with ``ledger.refresh_status``.
Invoice numbers are unique in the organization: the organization's row is locked while the
next number is chosen, so two invoices created at once never get the same one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.accounts.models import Organization, User
from apps.accounts.selectors import patient_get, visible_users
from apps.accounts.viewer import Viewer
from apps.billing.models import (
    BillingItem,
    Offering,
    RequestedPayer,
    RequestedPayment,
    StripeAccount,
    StripeCustomerDetail,
    UserPackageSelection,
)
from apps.billing.selectors import invoices as selectors
from apps.billing.services import ledger
from apps.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from apps.core.inputs import UNSET, is_set
from apps.core.jobs import email
from apps.core.lookup import get_visible
from apps.core.money import Money, MoneyError
from apps.core.timefmt import TimeFormatError, format_datetime, now, parse_datetime
from apps.events import bus

CHARGE_PERMISSION = "can_charge_clients"
MAX_TEXT = 10000
# cms1500 invoices belong to insurance billing, which this product does not have.
INVOICE_TYPES = ("offering", "other", "product")
EDITABLE_AFTER_PAYMENT = {"notes", "is_preview", "metadata", "services_provided", "service_date",
                          "is_manually_paid", "price"}


@dataclass(frozen=True)
class PayerInput:
    id: Any = UNSET
    name: Any = UNSET
    email: Any = UNSET
    address: Any = UNSET


@dataclass(frozen=True)
class WriteOffLine:
    """One ``write_offs`` entry of createRequestedPayment / updateRequestedPayment."""

    amount: Any = UNSET
    write_off_type: Any = UNSET
    other_reason: Any = UNSET
    id: Any = UNSET
    destroy: bool = False


@dataclass(frozen=True)
class InvoiceInput:
    invoice_type: Any = UNSET
    recipient_id: Any = UNSET
    requested_payer: PayerInput | None | Any = UNSET
    sender_id: Any = UNSET
    offering_id: Any = UNSET
    appointment_id: Any = UNSET
    user_package_selection_id: Any = UNSET
    cms1500_id: Any = UNSET
    price: Any = UNSET
    notes: Any = UNSET
    services_provided: Any = UNSET
    service_date: Any = UNSET
    is_preview: Any = UNSET
    metadata: Any = UNSET
    status: Any = UNSET
    is_manually_paid: Any = UNSET
    write_offs: list[WriteOffLine] | None | Any = UNSET
    send_request_email: bool = False
    resend_receipt: bool = False
    requested_payment_template: Any = UNSET


def invoice_get(viewer: Viewer, raw_id: object) -> RequestedPayment:
    """The invoice with this id if the viewer may see it (AGREED: used by the other billing areas)."""
    return selectors.invoice_get(viewer, raw_id)


# ---- validation helpers ---------------------------------------------------------------------


def _text(errors: Collector, name: str, value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, f"{name} must be text.")
        return None
    if len(value) > limit:
        errors.add(name, f"{name} is too long (at most {limit} characters).")
        return None
    return value.strip()


def _price(errors: Collector, raw: Any, currency: str, name: str = "price") -> Money | None:
    try:
        money = Money.parse(raw, currency)
    except MoneyError as error:
        errors.add(name, str(error))
        return None
    if money.amount <= 0:
        errors.add(name, f"{name} must be more than zero.")
        return None
    if money.amount >= Decimal("10000000000"):
        errors.add(name, f"{name} is too large.")
        return None
    return money


def _currency(organization_id: int) -> str:
    account = StripeAccount.objects.filter(organization_id=organization_id).values_list(
        "default_currency", flat=True).first()
    return account or "usd"


def _metadata(errors: Collector, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            errors.add("metadata", "metadata must be JSON.")
            return None
    if len(json.dumps(raw)) > MAX_TEXT:
        errors.add("metadata", "metadata is too large.")
        return None
    return raw


def _payer(viewer: Viewer, errors: Collector, data: PayerInput) -> RequestedPayer | None:
    if is_set(data.id) and data.id not in (None, ""):
        scoped = RequestedPayer.objects.filter(organization_id=viewer.organization_id)
        try:
            return get_visible(scoped, data.id, "Requested payer", field="requested_payer.id")
        except NotFound as error:
            errors.add("requested_payer.id", error.as_message().message, error.as_message().code)
            return None
    name = _text(errors, "requested_payer", data.name if is_set(data.name) else "", 255)
    address_email = _text(errors, "requested_payer", data.email if is_set(data.email) else "", 254)
    address = _text(errors, "requested_payer", data.address if is_set(data.address) else "", 1000)
    if name is None or address_email is None or address is None:
        return None
    if not name and not address_email:
        errors.add("requested_payer", "A third-party payer needs a name or an e-mail address.")
        return None
    if address_email and ("@" not in address_email or " " in address_email):
        errors.add("requested_payer", "The payer's e-mail address is not valid.")
        return None
    return RequestedPayer(organization_id=viewer.organization_id, name=name, email=address_email, address=address,
                          uuid=secrets.token_hex(16))


def _sender(viewer: Viewer, raw: Any) -> User:
    if raw in (None, "", UNSET):
        return viewer.user
    providers = visible_users(viewer).filter(is_patient=False, organization_id=viewer.organization_id)
    return get_visible(providers, raw, "Sender", field="sender_id")


def _offering(viewer: Viewer, raw: Any) -> Offering | None:
    if raw in (None, "", UNSET):
        return None
    scoped = Offering.objects.filter(organization_id=viewer.organization_id, deleted_at=None)
    return get_visible(scoped, raw, "Offering", field="offering_id")


def _appointment(viewer: Viewer, raw: Any):
    if raw in (None, "", UNSET):
        return None
    from apps.scheduling.selectors import appointment_get

    return appointment_get(viewer, raw, field="appointment_id")


def _selection(viewer: Viewer, raw: Any, recipient: User | None) -> UserPackageSelection | None:
    if raw in (None, "", UNSET):
        return None
    scoped = UserPackageSelection.objects.filter(organization_id=viewer.organization_id)
    if recipient is not None:
        scoped = scoped.filter(user=recipient)
    return get_visible(scoped, raw, "User package selection", field="user_package_selection_id")


def _next_number(organization_id: int) -> str:
    """The organization's next invoice number; the caller's transaction holds the organization lock."""
    Organization.objects.select_for_update().filter(pk=organization_id).first()
    year = now().year
    count = RequestedPayment.objects.filter(organization_id=organization_id).count()
    while True:
        count += 1
        number = f"INV-{organization_id}-{year}-{count}"
        if not RequestedPayment.objects.filter(organization_id=organization_id, invoice_id=number).exists():
            return number


def _details(invoice: RequestedPayment) -> str:
    if invoice.invoice_type == "offering" and invoice.offering_id:
        return f"Package: {invoice.offering.name}"
    if invoice.services_provided:
        return f"{invoice.invoice_type.capitalize()}: {invoice.services_provided}"[:MAX_TEXT]
    return invoice.invoice_type.capitalize()


def _no_insurance_or_templates(errors: Collector, data: InvoiceInput) -> None:
    """CMS 1500s (insurance billing) and invoice templates do not exist here: any id is not found."""
    if is_set(data.cms1500_id) and data.cms1500_id not in (None, ""):
        errors.add("cms1500_id", "CMS 1500 not found (insurance billing is not available here).", ErrorCode.NOT_FOUND)
    template = data.requested_payment_template
    if is_set(template) and template is not None and getattr(template, "id", None) not in (None, "", UNSET):
        errors.add("requested_payment_template.id", "Requested payment template not found (invoice templates are "
                                                    "not available here).", ErrorCode.NOT_FOUND)


def _status_to_manual(errors: Collector, status: Any) -> bool | None:
    """The documented ``status`` input: only "Paid" / "Not Yet Paid" can be set by hand (marking the
    invoice paid outside the platform or taking that back); the others follow its payments."""
    if status in (None, ""):
        return None
    text = str(status).strip().lower()
    if text == RequestedPayment.PAID.lower():
        return True
    if text == RequestedPayment.NOT_YET_PAID.lower():
        return False
    errors.add("status", "status can be set to \"Paid\" (paid outside the platform) or \"Not Yet Paid\"; "
                         "the other statuses follow the invoice's payments and write-offs.")
    return None


# ---- create / update / delete ---------------------------------------------------------------


@transaction.atomic
def invoice_create(viewer: Viewer, data: InvoiceInput) -> RequestedPayment:
    viewer.require(CHARGE_PERMISSION)
    errors = Collector()
    invoice_type = data.invoice_type if is_set(data.invoice_type) else None
    if invoice_type in (None, ""):
        errors.add("invoice_type", "Invoice type can't be blank")
    elif invoice_type == "cms1500":
        errors.add("invoice_type", "Invoicing a CMS 1500 is not available: insurance billing is not part of "
                                   "this product.")
    elif invoice_type not in INVOICE_TYPES:
        errors.add("invoice_type", f"invoice_type must be one of: {', '.join(INVOICE_TYPES)}.")
    _no_insurance_or_templates(errors, data)
    recipient = None
    if is_set(data.recipient_id) and data.recipient_id not in (None, ""):
        recipient = patient_get(viewer, data.recipient_id, field="recipient_id")
    payer = None
    if is_set(data.requested_payer) and data.requested_payer is not None:
        payer = _payer(viewer, errors, data.requested_payer)
    if recipient is None and payer is None and not errors.has("requested_payer"):
        errors.add("recipient_id", "Recipient can't be blank (send recipient_id, or requested_payer for a "
                                   "third-party payer)")
    sender = _sender(viewer, data.sender_id)
    offering = _offering(viewer, data.offering_id)
    if invoice_type == "offering" and offering is None:
        errors.add("offering_id", "An invoice for a package needs offering_id.")
    currency = offering.currency if offering else _currency(viewer.organization_id)
    price = None
    if is_set(data.price) and data.price not in (None, ""):
        price = _price(errors, data.price, currency)
    elif offering is not None:
        price = Money(offering.price, currency)
    elif not errors.has("offering_id"):
        errors.add("price", "Price can't be blank (it is required unless the invoice is for a package)")
    services = _text(errors, "services_provided", data.services_provided if is_set(data.services_provided) else "")
    if invoice_type == "other" and services == "":
        errors.add("services_provided", "Services provided can't be blank for an invoice of type other")
    service_date = None
    if is_set(data.service_date) and data.service_date not in (None, ""):
        if invoice_type not in ("other", "product"):
            errors.add("service_date", "service_date can only be used on invoices of type other.")
        else:
            try:
                service_date = parse_datetime(str(data.service_date), viewer.user.timezone or None)
            except TimeFormatError as error:
                errors.add("service_date", str(error))
    notes = _text(errors, "notes", data.notes if is_set(data.notes) else "")
    metadata = _metadata(errors, data.metadata) if is_set(data.metadata) else None
    manual = _status_to_manual(errors, data.status) if is_set(data.status) else None
    if is_set(data.is_manually_paid) and data.is_manually_paid is not None:
        manual = bool(data.is_manually_paid)
    errors.raise_if_any()
    appointment = _appointment(viewer, data.appointment_id)
    selection = _selection(viewer, data.user_package_selection_id, recipient)
    if payer is not None and payer.pk is None:
        payer.save()
    invoice = RequestedPayment(
        organization_id=viewer.organization_id, sender=sender, recipient=recipient, requested_payer=payer,
        offering=offering, appointment=appointment, user_package_selection=selection,
        invoice_type=invoice_type, invoice_id=_next_number(viewer.organization_id), price=price.amount,
        currency=price.currency, offering_price_at_invoice_creation=offering.price if offering else None,
        is_manually_paid=bool(manual), services_provided=services or "", notes=notes or "",
        service_date=service_date, is_preview=bool(data.is_preview) if is_set(data.is_preview) else False,
        metadata=metadata)
    invoice.details = _details(invoice)
    invoice.save()
    if is_set(data.write_offs) and data.write_offs:
        from apps.billing.services.write_offs import apply_lines

        apply_lines(viewer, invoice, data.write_offs)
    ledger.refresh_status(invoice)
    bus.emit("requested_payment.created", invoice, organization_id=invoice.organization_id,
             actor_id=viewer.user_id)
    if not invoice.is_preview:
        _send_request(invoice)
    return invoice


@transaction.atomic
def invoice_update(viewer: Viewer, invoice_id: object, data: InvoiceInput) -> RequestedPayment:
    viewer.require(CHARGE_PERMISSION)
    invoice = selectors.invoice_get(viewer, invoice_id)
    invoice = RequestedPayment.objects.select_for_update().get(pk=invoice.pk)
    has_payments = BillingItem.objects.filter(requested_payment=invoice, state=BillingItem.SUCCEEDED,
                                              deleted_at__isnull=True).exists()
    errors = Collector()
    _no_insurance_or_templates(errors, data)
    changes: dict[str, Any] = {}
    if is_set(data.invoice_type) and data.invoice_type not in (None, "", invoice.invoice_type):
        if data.invoice_type not in INVOICE_TYPES:
            errors.add("invoice_type", f"invoice_type must be one of: {', '.join(INVOICE_TYPES)}.")
        else:
            changes["invoice_type"] = data.invoice_type
    if is_set(data.recipient_id) and data.recipient_id not in (None, "") \
            and str(data.recipient_id) != str(invoice.recipient_id):
        changes["recipient"] = patient_get(viewer, data.recipient_id, field="recipient_id")
    if is_set(data.requested_payer) and data.requested_payer is not None:
        payer = _payer(viewer, errors, data.requested_payer)
        if payer is not None and payer.pk != invoice.requested_payer_id:
            changes["requested_payer"] = payer
    if is_set(data.sender_id) and data.sender_id not in (None, "") and str(data.sender_id) != str(invoice.sender_id):
        changes["sender"] = _sender(viewer, data.sender_id)
    offering = invoice.offering
    if is_set(data.offering_id) and data.offering_id not in (None, "") \
            and str(data.offering_id) != str(invoice.offering_id):
        offering = _offering(viewer, data.offering_id)
        changes["offering"] = offering
        changes["offering_price_at_invoice_creation"] = offering.price
    if is_set(data.price) and data.price not in (None, ""):
        price = _price(errors, data.price, invoice.currency)
        if price is not None and price.amount != invoice.price:
            changes["price"] = price.amount
    elif "offering" in changes:
        changes["price"] = offering.price
    for name in ("notes", "services_provided"):
        value = getattr(data, name)
        if is_set(value):
            text = _text(errors, name, value)
            if text is not None and text != getattr(invoice, name):
                changes[name] = text
    if (changes.get("invoice_type", invoice.invoice_type) == "other"
            and changes.get("services_provided", invoice.services_provided) == ""):
        errors.add("services_provided", "Services provided can't be blank for an invoice of type other")
    if is_set(data.service_date):
        if data.service_date in (None, ""):
            changes["service_date"] = None
        else:
            try:
                changes["service_date"] = parse_datetime(str(data.service_date), viewer.user.timezone or None)
            except TimeFormatError as error:
                errors.add("service_date", str(error))
    if is_set(data.is_preview) and data.is_preview is not None and bool(data.is_preview) != invoice.is_preview:
        changes["is_preview"] = bool(data.is_preview)
    if is_set(data.metadata):
        changes["metadata"] = _metadata(errors, data.metadata)
    manual = _status_to_manual(errors, data.status) if is_set(data.status) else None
    if is_set(data.is_manually_paid) and data.is_manually_paid is not None:
        manual = bool(data.is_manually_paid)
    if manual is not None and manual != invoice.is_manually_paid:
        changes["is_manually_paid"] = manual
    if has_payments:
        for name in sorted(set(changes) - EDITABLE_AFTER_PAYMENT - {"offering_price_at_invoice_creation"}):
            errors.add(name if name not in ("recipient", "sender", "offering", "requested_payer") else f"{name}_id",
                       "This invoice has payments: only its price, notes, dates and preview state can change.")
    if "price" in changes:
        received = ledger.amount_received(invoice)
        if changes["price"] < received:
            errors.add("price", f"The price can't be less than what was already paid ({received:.2f}).")
    if data.resend_receipt and not has_payments:
        errors.add("resend_receipt", "This invoice has no payment to send a receipt for.")
    errors.raise_if_any()
    if is_set(data.appointment_id) and data.appointment_id not in (None, ""):
        changes["appointment"] = _appointment(viewer, data.appointment_id)
    if is_set(data.user_package_selection_id) and data.user_package_selection_id not in (None, ""):
        changes["user_package_selection"] = _selection(viewer, data.user_package_selection_id,
                                                       changes.get("recipient", invoice.recipient))
    payer = changes.get("requested_payer")
    if payer is not None and payer.pk is None:
        payer.save()
    for name, value in changes.items():
        setattr(invoice, name, value)
    if changes:
        invoice.details = _details(invoice)
        invoice.save()
    if is_set(data.write_offs) and data.write_offs:
        from apps.billing.services.write_offs import apply_lines

        apply_lines(viewer, invoice, data.write_offs)
        changes["write_offs"] = True
    before = invoice.status
    ledger.refresh_status(invoice)
    changed = {("recipient_id" if n == "recipient" else "sender_id" if n == "sender" else
                "offering_id" if n == "offering" else "requested_payer_id" if n == "requested_payer" else
                "appointment_id" if n == "appointment" else
                "user_package_selection_id" if n == "user_package_selection" else n) for n in changes}
    if invoice.status != before:
        changed.add("status")
    if data.send_request_email:
        _send_request(invoice)
        changed.add("email_sent_at")
    if data.resend_receipt:
        _send_receipt(invoice)
    if changed:
        bus.emit("requested_payment.updated", invoice, organization_id=invoice.organization_id,
                 changed_fields=changed, actor_id=viewer.user_id)
    return selectors.invoice_get(viewer, invoice.pk)


@transaction.atomic
def invoice_delete(viewer: Viewer, invoice_id: object) -> RequestedPayment:
    """Soft delete. An invoice that received money stays: refund its payments first."""
    viewer.require(CHARGE_PERMISSION)
    invoice = selectors.invoice_get(viewer, invoice_id)
    invoice = RequestedPayment.objects.select_for_update().get(pk=invoice.pk)
    if ledger.amount_received(invoice) > 0:
        raise ValidationFailed("id", "This invoice has payments and can't be deleted; refund them first.")
    invoice.deleted_at = now()
    invoice.save(update_fields=["deleted_at", "updated_at"])
    ledger.refresh_status(invoice)
    bus.emit("requested_payment.updated", invoice, organization_id=invoice.organization_id,
             changed_fields=["deleted_at"], actor_id=viewer.user_id)
    return invoice


# ---- paying -----------------------------------------------------------------------------------


@transaction.atomic
def pay_invoice(viewer: Viewer, invoice: RequestedPayment, *, amount: Money | None = None,
                card: StripeCustomerDetail | None = None, idempotency_key: str = "",
                appointment=None, field_name: str = "requested_payment_id",
                card_field: str = "stripe_customer_detail_id") -> BillingItem:
    """Charges the invoice's recipient (their ``card``, else their default card) for ``amount``
    (the balance due when None) through ``take_payment``, then refreshes the invoice's status.

    The patient pays their own invoices; a member needs ``can_charge_clients``. ``amount`` may be
    less than the balance (a partial payment), never more. The same ``idempotency_key`` twice
    charges once.
    """
    from apps.billing.services.payments import PaymentRequest, existing_payment, take_payment

    if viewer.is_patient:
        if invoice.recipient_id != viewer.user_id:
            raise NotFound(field_name, "Requested payment not found.")
    else:
        viewer.require(CHARGE_PERMISSION)
    invoice = RequestedPayment.objects.select_for_update().get(pk=invoice.pk)
    if invoice.deleted_at is not None or invoice.is_preview:
        raise NotFound(field_name, "Requested payment not found.")
    if invoice.recipient is None:
        raise ValidationFailed(field_name, "This invoice is addressed to a third-party payer, not a patient with "
                                           "a card on file.")
    replay = existing_payment(invoice.organization_id, (idempotency_key or "").strip()[:255])
    if replay is not None:
        if replay.requested_payment_id != invoice.pk:
            raise ValidationFailed("stripe_idempotency_key", "This idempotency key was used for another payment.")
        return replay
    due = ledger.balance_due(invoice)
    if invoice.status == RequestedPayment.PAID or due <= 0:
        raise ValidationFailed(field_name, "This invoice is already paid.")
    charge = amount if amount is not None else Money(due, invoice.currency)
    if charge.amount > due:
        raise ValidationFailed("amount_paid", f"The amount is more than the balance due ({due:.2f}).")
    links: dict[str, object] = {"requested_payment": invoice}
    if invoice.offering_id:
        links["offering"] = invoice.offering
    if appointment is not None:
        links["appointment"] = appointment
    item = take_payment(PaymentRequest(
        sender=invoice.recipient, amount=charge, recipient=invoice.sender, created_by=viewer.user,
        card=card, idempotency_key=idempotency_key, description=f"Invoice {invoice.invoice_id}",
        original_price=Money(invoice.price, invoice.currency), links=links), field_name=card_field)
    bus.emit("billing_item.created", item, organization_id=item.organization_id, actor_id=viewer.user_id)
    before = invoice.status
    ledger.refresh_status(invoice)
    if invoice.status != before:
        bus.emit("requested_payment.updated", invoice, organization_id=invoice.organization_id,
                 changed_fields=["status", "paid_at"] if invoice.paid_at else ["status"], actor_id=viewer.user_id)
    return item


# ---- e-mails ------------------------------------------------------------------------------------


def _addressee(invoice: RequestedPayment) -> tuple[str, str]:
    if invoice.requested_payer_id and invoice.requested_payer.email:
        return invoice.requested_payer.email, invoice.requested_payer.name or "there"
    if invoice.recipient_id:
        return invoice.recipient.email, invoice.recipient.first_name or "there"
    return "", ""


def _send_request(invoice: RequestedPayment) -> None:
    address, name = _addressee(invoice)
    if not address:
        return
    organization = invoice.organization.name
    how = ("Sign in to pay it." if invoice.recipient_id and not invoice.requested_payer_id else
           f"Open it with invoice number {invoice.invoice_id} and your payer id {invoice.requested_payer.uuid}.")
    email.send_later([address], f"Invoice {invoice.invoice_id} from {organization}",
                     f"Hello {name},\n\n{organization} sent you invoice {invoice.invoice_id} for "
                     f"{invoice.price:.2f} {invoice.currency.upper()} ({invoice.details}).\n"
                     f"Balance due: {ledger.balance_due(invoice):.2f}.\n{how}\n",
                     organization_id=invoice.organization_id, about=f"requested_payment:{invoice.pk}")
    invoice.email_sent_at = now()
    invoice.save(update_fields=["email_sent_at", "updated_at"])


def _send_receipt(invoice: RequestedPayment) -> None:
    address, name = _addressee(invoice)
    if not address:
        return
    items = BillingItem.objects.filter(requested_payment=invoice, state=BillingItem.SUCCEEDED,
                                       deleted_at__isnull=True).order_by("created_at", "id")
    lines = "\n".join(f"- {format_datetime(item.paid_at or item.created_at)}: {item.amount_paid:.2f}"
                      + (f" (refunded {item.refund_amount:.2f})" if item.refund_amount else "")
                      + (f", card ending {item.card_last4}" if item.card_last4 else "") for item in items)
    email.send_later([address], f"Receipt for invoice {invoice.invoice_id}",
                     f"Hello {name},\n\nPayments received for invoice {invoice.invoice_id} "
                     f"({invoice.price:.2f} {invoice.currency.upper()}):\n{lines}\n"
                     f"Status: {invoice.status}. Balance due: {ledger.balance_due(invoice):.2f}.\n",
                     organization_id=invoice.organization_id, about=f"requested_payment:{invoice.pk}")
