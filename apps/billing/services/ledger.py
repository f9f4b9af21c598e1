"""What an invoice has received, and its status derived from that.

An invoice's status is never set by the code paths that move money: every payment, refund,
write-off or deletion touching an invoice calls ``refresh_status``, which recomputes it from
the rows, so the stored status always agrees with its payments.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from apps.billing.models import BillingItem, RequestedPayment, WriteOff
from apps.core.timefmt import now

ZERO = Decimal("0.00")


def amount_received(requested_payment: RequestedPayment) -> Decimal:
    """Succeeded, not deleted payments of the invoice, net of their refunds."""
    total = (BillingItem.objects.filter(requested_payment=requested_payment, state=BillingItem.SUCCEEDED,
                                        deleted_at__isnull=True)
             .aggregate(total=Coalesce(Sum(F("amount_paid") - F("refund_amount")), ZERO))["total"])
    return total or ZERO


def amount_written_off(requested_payment: RequestedPayment) -> Decimal:
    total = (WriteOff.objects.filter(requested_payment=requested_payment, deleted_at__isnull=True)
             .aggregate(total=Coalesce(Sum("amount"), ZERO))["total"])
    return total or ZERO


def balance_due(requested_payment: RequestedPayment) -> Decimal:
    if requested_payment.is_manually_paid:  # paid outside the platform: nothing is owed here
        return ZERO
    due = requested_payment.price - amount_received(requested_payment) - amount_written_off(requested_payment)
    return max(due, ZERO)


def derived_status(requested_payment: RequestedPayment) -> str:
    received = amount_received(requested_payment)
    written_off = amount_written_off(requested_payment)
    if requested_payment.is_manually_paid or (received > 0 and received + written_off >= requested_payment.price):
        return RequestedPayment.PAID
    if written_off > 0 and received + written_off >= requested_payment.price:
        return RequestedPayment.WRITTEN_OFF
    if received > 0 or written_off > 0:
        return RequestedPayment.PARTIAL
    return RequestedPayment.NOT_YET_PAID


def refresh_status(requested_payment: RequestedPayment | None) -> RequestedPayment | None:
    """Recomputes and stores the invoice's status (and ``paid_at`` when it becomes paid)."""
    if requested_payment is None:
        return None
    status = derived_status(requested_payment)
    changed = ["status", "updated_at"]
    if status == RequestedPayment.PAID and requested_payment.paid_at is None:
        requested_payment.paid_at = now()
        changed.append("paid_at")
    elif status != RequestedPayment.PAID and requested_payment.paid_at is not None:
        requested_payment.paid_at = None
        changed.append("paid_at")
    if status != requested_payment.status or len(changed) > 2:
        requested_payment.status = status
        requested_payment.save(update_fields=changed)
    return requested_payment
