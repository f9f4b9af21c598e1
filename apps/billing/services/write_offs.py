"""Write-offs: amounts of an invoice the organization gives up on (a discount, an uncollectable
debt, ...). Each change ends with ``ledger.refresh_status`` so the invoice's status follows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.billing.models import RequestedPayment, WriteOff
from apps.billing.selectors import invoices as selectors
from apps.billing.services import ledger
from apps.core.errors import Collector, ErrorCode, ValidationFailed
from apps.core.inputs import UNSET, is_set
from apps.core.lookup import parse_id
from apps.core.money import Money, MoneyError
from apps.core.timefmt import now
from apps.events import bus

CHARGE_PERMISSION = "can_charge_clients"


def _amount(errors: Collector, raw: Any, field: str = "amount") -> Decimal | None:
    if raw in (None, "", UNSET):
        errors.add(field, "Amount can't be blank")
        return None
    try:
        value = Money.parse(raw).amount
    except MoneyError as error:
        errors.add(field, str(error))
        return None
    if value <= 0:
        errors.add(field, "The amount written off must be more than zero.")
        return None
    return value


def _type(errors: Collector, raw: Any, field: str = "write_off_type") -> str | None:
    value = str(raw or "").strip().upper()
    if value not in WriteOff.TYPES:
        errors.add(field, f"write_off_type must be one of: {', '.join(WriteOff.TYPES)}.")
        return None
    return value


def _reason(errors: Collector, raw: Any, field: str = "other_reason") -> str:
    text = "" if raw in (None, UNSET) else str(raw).strip()
    if len(text) > 255:
        errors.add(field, "other_reason is too long (at most 255 characters).")
    return text[:255]


def _check_total(invoice: RequestedPayment, *, extra: Decimal, excluding: WriteOff | None = None,
                 field: str = "amount") -> None:
    """Payments plus write-offs may not exceed the invoice's price."""
    written = ledger.amount_written_off(invoice) - (excluding.amount if excluding and not excluding.deleted_at
                                                    else Decimal("0"))
    room = invoice.price - ledger.amount_received(invoice) - written
    if extra > room:
        raise ValidationFailed(field, f"The amount is more than the invoice's open balance ({max(room, 0):.2f}).")


def _changed(viewer: Viewer, invoice: RequestedPayment) -> None:
    before = invoice.status
    ledger.refresh_status(invoice)
    fields = ["write_off_amount", "balance_due"] + (["status"] if invoice.status != before else [])
    bus.emit("requested_payment.updated", invoice, organization_id=invoice.organization_id,
             changed_fields=fields, actor_id=viewer.user_id)


def _locked_invoice(viewer: Viewer, raw_id: object, field: str) -> RequestedPayment:
    invoice = selectors.invoice_get(viewer, raw_id, field=field)
    return RequestedPayment.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def write_off_create(viewer: Viewer, *, requested_payment_id: object, amount: Any, write_off_type: Any,
                     other_reason: Any = None) -> WriteOff:
    viewer.require(CHARGE_PERMISSION)
    invoice = _locked_invoice(viewer, requested_payment_id, "requested_payment_id")
    errors = Collector()
    value, kind, reason = _amount(errors, amount), _type(errors, write_off_type), _reason(errors, other_reason)
    errors.raise_if_any()
    _check_total(invoice, extra=value)
    write_off = WriteOff.objects.create(requested_payment=invoice, user=viewer.user, amount=value,
                                        write_off_type=kind, reason=reason)
    _changed(viewer, invoice)
    return write_off


@transaction.atomic
def write_off_update(viewer: Viewer, *, write_off_id: object, requested_payment_id: Any = UNSET,
                     amount: Any = UNSET, write_off_type: Any = UNSET, other_reason: Any = UNSET) -> WriteOff:
    viewer.require(CHARGE_PERMISSION)
    write_off = selectors.write_off_get(viewer, write_off_id)
    invoice = _locked_invoice(viewer, write_off.requested_payment_id, "id")
    write_off = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if is_set(requested_payment_id) and requested_payment_id not in (None, ""):
        named = selectors.invoice_get(viewer, requested_payment_id, field="requested_payment_id")
        if named.pk != invoice.pk:
            raise ValidationFailed("requested_payment_id", "A write-off can't move to another invoice.")
    errors = Collector()
    if is_set(amount) and amount is not None:
        value = _amount(errors, amount)
        if value is not None:
            write_off.amount = value
    if is_set(write_off_type) and write_off_type is not None:
        kind = _type(errors, write_off_type)
        if kind:
            write_off.write_off_type = kind
    if is_set(other_reason):
        write_off.reason = _reason(errors, other_reason)
    errors.raise_if_any()
    previous = WriteOff.objects.get(pk=write_off.pk)
    _check_total(invoice, extra=write_off.amount, excluding=previous)
    write_off.save()
    _changed(viewer, invoice)
    return write_off


@transaction.atomic
def write_off_delete(viewer: Viewer, *, write_off_id: object) -> WriteOff:
    viewer.require(CHARGE_PERMISSION)
    write_off = selectors.write_off_get(viewer, write_off_id)
    invoice = _locked_invoice(viewer, write_off.requested_payment_id, "id")
    write_off.deleted_at = now()
    write_off.save(update_fields=["deleted_at", "updated_at"])
    _changed(viewer, invoice)
    return write_off


def apply_lines(viewer: Viewer, invoice: RequestedPayment, lines: list[Any]) -> None:
    """The ``write_offs`` list of create/updateRequestedPayment: new lines, changes (``id``) and
    removals (``_destroy``), checked together against the invoice's open balance."""
    errors = Collector()
    for index, line in enumerate(lines or []):
        where = f"write_offs.{index}"
        if line is None:
            continue
        if is_set(line.id) and line.id not in (None, ""):
            existing = WriteOff.objects.filter(requested_payment=invoice, deleted_at=None,
                                               pk=parse_id(line.id) or 0).first()
            if existing is None:
                errors.add(f"{where}.id", "Write off not found.", ErrorCode.NOT_FOUND)
                continue
            if line.destroy:
                existing.deleted_at = now()
                existing.save(update_fields=["deleted_at", "updated_at"])
                continue
            value, kind = _amount(errors, line.amount, f"{where}.amount"), _type(errors, line.write_off_type,
                                                                                  f"{where}.write_off_type")
            if value is not None and kind:
                existing.amount, existing.write_off_type = value, kind
                existing.reason = _reason(errors, line.other_reason, f"{where}.other_reason")
                existing.save()
            continue
        if line.destroy:
            continue
        value, kind = _amount(errors, line.amount, f"{where}.amount"), _type(errors, line.write_off_type,
                                                                              f"{where}.write_off_type")
        reason = _reason(errors, line.other_reason, f"{where}.other_reason")
        if value is not None and kind:
            WriteOff.objects.create(requested_payment=invoice, user=viewer.user, amount=value, write_off_type=kind,
                                    reason=reason)
    errors.raise_if_any()
    if ledger.amount_received(invoice) + ledger.amount_written_off(invoice) > invoice.price:
        raise ValidationFailed("write_offs", "Payments and write-offs together can't exceed the invoice's price.")
