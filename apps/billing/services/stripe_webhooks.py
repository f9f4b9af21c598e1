"""Stripe's own webhooks: verified, processed once per Stripe event id.

Each organization points a webhook endpoint of its Stripe account at
``/stripe/webhooks/<organization id>``; the event is verified with that organization's signing
secret (``gateway.construct_event``, the ``stripe`` library's signature check), so an event can
only touch the organization whose secret signed it. The ``StripeEvent`` row is written in the
same transaction as the changes: a replayed event finds it and changes nothing, and a failed
handling rolls both back so Stripe's retry processes it again.

Handled: ``payment_intent.succeeded`` (a 3-D Secure payment from ``createPaymentIntent``
becomes a ``BillingItem``), ``payment_intent.payment_failed`` (a failed one is recorded),
``charge.refunded`` (refunds made in Stripe's dashboard), ``charge.dispute.created|updated|closed``
(``ChargeBack``). Other event types are acknowledged and ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.billing import gateway
from apps.billing.models import (
    BillingItem,
    ChargeBack,
    Offering,
    OfferingCoupon,
    RefundItem,
    StripeAccount,
    StripeCustomerDetail,
    StripeEvent,
)
from apps.billing.services.items import refresh_invoice
from apps.core.lookup import parse_id
from apps.core.money import Money
from apps.core.timefmt import now
from apps.events.bus import emit

log = logging.getLogger(__name__)

PROCESSED, DUPLICATE, IGNORED = "processed", "duplicate", "ignored"


class NotGenuine(Exception):
    """The request is not an event signed by the organization's Stripe account."""


def receive(organization_id: int, payload: bytes, signature: str) -> str:
    """Verifies and handles one webhook request; returns what happened."""
    account = StripeAccount.objects.filter(organization_id=organization_id).first()
    if account is None:
        raise NotGenuine("no Stripe account")
    try:
        event = gateway.construct_event(account, payload, signature)
    except Exception as error:  # SignatureVerificationError, ValueError (bad JSON) and the like
        raise NotGenuine(type(error).__name__) from None
    data = event.to_dict()
    return handle(account, data)


@transaction.atomic
def handle(account: StripeAccount, event: dict[str, Any]) -> str:
    event_id, event_type = str(event.get("id") or "")[:255], str(event.get("type") or "")[:100]
    if not event_id:
        raise NotGenuine("event without id")
    try:
        with transaction.atomic():
            StripeEvent.objects.create(organization_id=account.organization_id, stripe_event_id=event_id,
                                       event_type=event_type)
    except IntegrityError:
        return DUPLICATE
    obj = (event.get("data") or {}).get("object") or {}
    handler = HANDLERS.get(event_type)
    if handler is None:
        return IGNORED
    handler(account, obj)
    return PROCESSED


def _amount(units: Any, currency: str) -> Money:
    return Money.from_minor_units(int(units or 0), currency or "usd")


def _timestamp(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC) if value else None


def _charge_id(obj: dict[str, Any]) -> str:
    latest = obj.get("latest_charge")
    if isinstance(latest, dict):
        return str(latest.get("id") or "")
    return str(latest or "")


def _ours(account: StripeAccount, metadata: dict[str, Any]) -> User | None:
    """The patient a payment intent was created for by ``createPaymentIntent`` (None for intents
    made elsewhere, or naming another organization)."""
    if str(metadata.get("organization_id") or "") != str(account.organization_id):
        return None
    pk = parse_id(metadata.get("patient_id"))
    return User.objects.filter(pk=pk or 0, organization_id=account.organization_id, is_patient=True).first()


def _org_row(model, account: StripeAccount, raw: Any):
    pk = parse_id(raw)
    return model.objects.filter(pk=pk, organization_id=account.organization_id).first() if pk else None


def payment_succeeded(account: StripeAccount, intent: dict[str, Any]) -> None:
    metadata = intent.get("metadata") or {}
    patient = _ours(account, metadata)
    if patient is None:
        return
    User.objects.select_for_update().filter(pk=patient.pk).first()
    intent_id = str(intent.get("id") or "")
    if BillingItem.objects.filter(organization_id=account.organization_id, stripe_payment_intent_id=intent_id,
                                  state=BillingItem.SUCCEEDED).exists():
        return
    key = str(metadata.get("idempotency_key") or "")[:255]
    if key and BillingItem.objects.filter(organization_id=account.organization_id,
                                          stripe_idempotency_key=key).exists():
        return
    amount = _amount(intent.get("amount_received") or intent.get("amount"), intent.get("currency") or "usd")
    method = str(intent.get("payment_method") or "")
    card = StripeCustomerDetail.objects.filter(user=patient, stripe_id=method).first() if method else None
    recipient = User.objects.filter(pk=parse_id(metadata.get("recipient_id")) or 0,
                                    organization_id=account.organization_id, is_patient=False).first()
    original = metadata.get("original_price") or None
    item = BillingItem.objects.create(
        organization_id=account.organization_id, sender=patient, recipient=recipient, created_by=patient,
        amount_paid=amount.amount, currency=amount.currency, state=BillingItem.SUCCEEDED,
        original_price=Decimal(original) if original else None, stripe_charge_id=_charge_id(intent),
        stripe_payment_intent_id=intent_id, stripe_idempotency_key=key, stripe_customer_detail=card,
        card_brand=card.card_type if card else "", card_last4=card.last_four if card else "",
        offering=_org_row(Offering, account, metadata.get("offering_id")),
        offering_coupon=_org_row(OfferingCoupon, account, metadata.get("offering_coupon_id")),
    )
    if item.offering_id is not None:
        # A package paid after 3-D Secure: the purchase itself happens now that the money is in.
        from apps.billing.services.packages import fulfil_paid_purchase

        fulfil_paid_purchase(item)
    emit("billing_item.created", item, organization_id=item.organization_id, actor_id=patient.pk)


def payment_failed(account: StripeAccount, intent: dict[str, Any]) -> None:
    metadata = intent.get("metadata") or {}
    patient = _ours(account, metadata)
    if patient is None:
        return
    intent_id = str(intent.get("id") or "")
    error = intent.get("last_payment_error") or {}
    amount = _amount(intent.get("amount"), intent.get("currency") or "usd")
    item = BillingItem.objects.create(
        organization_id=account.organization_id, sender=patient, created_by=patient, amount_paid=amount.amount,
        currency=amount.currency, state=BillingItem.FAILED,
        failure_reason=str(error.get("message") or "The payment failed.")[:255],
        stripe_error=str(error.get("decline_code") or error.get("code") or "")[:100],
        stripe_payment_intent_id=intent_id,
        recipient=User.objects.filter(pk=parse_id(metadata.get("recipient_id")) or 0,
                                      organization_id=account.organization_id, is_patient=False).first(),
        offering=_org_row(Offering, account, metadata.get("offering_id")),
    )
    emit("billing_item.created", item, organization_id=item.organization_id, actor_id=patient.pk)


def _item_of_charge(account: StripeAccount, charge_id: str) -> BillingItem | None:
    if not charge_id:
        return None
    return (BillingItem.objects.select_for_update()
            .filter(organization_id=account.organization_id, stripe_charge_id=charge_id, deleted_at=None).first())


def charge_refunded(account: StripeAccount, charge: dict[str, Any]) -> None:
    """Records refunds made outside this API (Stripe's dashboard); ours are already recorded."""
    item = _item_of_charge(account, str(charge.get("id") or ""))
    if item is None:
        return
    currency = charge.get("currency") or item.currency
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    added = Decimal("0.00")
    for refund in refunds:
        refund_id = str(refund.get("id") or "")
        if not refund_id or refund.get("status") in ("failed", "canceled"):
            continue
        if RefundItem.objects.filter(stripe_refund_id=refund_id).exists():
            continue
        amount = _amount(refund.get("amount"), currency).amount
        RefundItem.objects.create(billing_item=item, amount=amount, stripe_refund_id=refund_id)
        added += amount
    total = _amount(charge.get("amount_refunded"), currency).amount
    if not refunds and total > item.refund_amount:
        # An event without the refunds list (newer API versions): record the difference.
        added = total - item.refund_amount
        RefundItem.objects.create(billing_item=item, amount=added, stripe_refund_id=None)
    if added <= 0:
        return
    item.refund_amount = min(item.amount_paid, item.refund_amount + added)
    item.refund_date = now()
    item.save(update_fields=["refund_amount", "refund_date", "updated_at"])
    emit("billing_item.updated", item, organization_id=item.organization_id,
         changed_fields=["refund_amount", "refund_date"])
    refresh_invoice(None, item.requested_payment)


def dispute_changed(account: StripeAccount, dispute: dict[str, Any]) -> None:
    dispute_id = str(dispute.get("id") or "")[:255]
    if not dispute_id:
        return
    charge = dispute.get("charge")
    charge_id = str(charge.get("id") if isinstance(charge, dict) else (charge or ""))
    item = _item_of_charge(account, charge_id)
    currency = dispute.get("currency") or "usd"
    fees = sum(int(t.get("fee") or 0) for t in (dispute.get("balance_transactions") or []) if isinstance(t, dict))
    due_by = (dispute.get("evidence_details") or {}).get("due_by")
    values = {"organization_id": account.organization_id, "billing_item": item,
              "disputed_amount": _amount(dispute.get("amount"), currency).amount,
              "fee": _amount(fees, currency).amount if fees else None, "currency": currency,
              "reason": str(dispute.get("reason") or "")[:100], "status": str(dispute.get("status") or "")[:50],
              "response_required_by": _timestamp(due_by)}
    existing = ChargeBack.objects.select_for_update().filter(stripe_dispute_id=dispute_id).first()
    if existing is not None and existing.organization_id != account.organization_id:
        log.warning("stripe dispute of another organization ignored")
        return
    ChargeBack.objects.update_or_create(stripe_dispute_id=dispute_id, defaults=values)
    if item is not None:
        emit("billing_item.updated", item, organization_id=item.organization_id, changed_fields=["charge_backs"])


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
}
