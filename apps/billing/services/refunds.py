"""Refunds of payments, partial or full.

A card payment is refunded on Stripe (through the gateway, with an idempotency key) and a
``RefundItem`` records it with Stripe's refund id, so the ``charge.refunded`` webhook that
follows finds it already recorded. An outside payment's refund is recorded only (the
provider paid the money back outside the platform). The payment's row is locked, so two
refunds at once cannot together exceed what was paid.
"""

from __future__ import annotations

from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import BillingItem, ChargeBack, RefundItem
from apps.billing.selectors.items import charge_back_get
from apps.billing.services.items import refresh_invoice
from apps.core.errors import ValidationFailed
from apps.core.money import Money
from apps.core.text import reject_nul
from apps.core.timefmt import now

CHARGE_CLIENTS = "can_charge_clients"


@transaction.atomic
def refund_create(viewer: Viewer, item: BillingItem, amount: Money, *, idempotency_key: str = "") -> RefundItem:
    """Refunds ``amount`` of ``item`` (a payment the viewer sees). Does not emit: the caller
    (``updateBillingItem``) emits ``billing_item.updated`` once for the whole change."""
    viewer.require(CHARGE_CLIENTS)
    item = BillingItem.objects.select_for_update().get(pk=item.pk)
    if item.state != BillingItem.SUCCEEDED:
        raise ValidationFailed("chosen_refund_amount", "Only a succeeded payment can be refunded.")
    if amount.amount <= 0:
        raise ValidationFailed("chosen_refund_amount", "The refund must be more than zero.")
    remaining = item.amount_paid - item.refund_amount
    if amount.amount > remaining:
        raise ValidationFailed("chosen_refund_amount",
                               f"At most {remaining:.2f} of this payment can still be refunded.")
    stripe_refund_id = None
    if not item.is_outside_payment and item.stripe_charge_id:
        account = gateway.account_for(item.organization_id)
        # The key names the state the refund starts from: a retried request (lost response) is
        # replayed by Stripe instead of refunding twice, while a later refund gets a new key.
        already = Money(item.refund_amount, item.currency).to_minor_units()
        key = idempotency_key or f"{already}-{amount.to_minor_units()}"
        stripe_refund_id = gateway.refund(account, charge_id=item.stripe_charge_id,
                                          amount=Money(amount.amount, item.currency),
                                          idempotency_key=f"refund-{item.organization_id}-{item.pk}-{key}")
        known = RefundItem.objects.filter(stripe_refund_id=stripe_refund_id).first()
        if known is not None:  # Stripe replayed a refund already recorded (a repeated idempotency key)
            return known
    refund = RefundItem.objects.create(billing_item=item, user=viewer.user, amount=amount.amount,
                                       stripe_refund_id=stripe_refund_id)
    item.refund_amount = item.refund_amount + amount.amount
    item.refund_date = now()
    item.save(update_fields=["refund_amount", "refund_date", "updated_at"])
    refresh_invoice(viewer, item.requested_payment)
    return refund


EVIDENCE_TEXT = ("billing_address", "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_email_address",
                 "customer_name", "product_description", "refund_policy_disclosure", "refund_refusal_explanation",
                 "uncategorized_text")
EVIDENCE_FILES = ("cancellation_policy", "customer_communication", "refund_policy", "uncategorized_file")
MAX_EVIDENCE = 20_000


@transaction.atomic
def charge_back_update(viewer: Viewer, *, charge_back_id: object, evidence: dict[str, object],
                       final_submission: bool = False) -> ChargeBack:
    """Sends a dispute's evidence to Stripe (``final_submission``: submits it to the issuer) and
    keeps a copy. Evidence files are not available here (Stripe file uploads): send text."""
    viewer.require(CHARGE_CLIENTS)
    charge_back = charge_back_get(viewer, charge_back_id)
    charge_back = ChargeBack.objects.select_for_update().get(pk=charge_back.pk)
    files = [name for name in EVIDENCE_FILES if evidence.get(name) is not None]
    if files:
        raise ValidationFailed(f"charge_back_evidence.{files[0]}", "Evidence files are not available: describe "
                               "the evidence in the text fields, or upload files in Stripe's dashboard.")
    if charge_back.status in ("won", "lost", "warning_closed"):
        raise ValidationFailed("id", "This dispute is closed; its evidence can no longer change.")
    text: dict[str, str] = {}
    for name in EVIDENCE_TEXT:
        value = evidence.get(name)
        if value is None:
            continue
        value = reject_nul(str(value), f"charge_back_evidence.{name}") or ""
        if len(value) > MAX_EVIDENCE:
            raise ValidationFailed(f"charge_back_evidence.{name}", f"At most {MAX_EVIDENCE} characters.")
        text[name] = value
    if not text and not final_submission:
        raise ValidationFailed("charge_back_evidence", "Send at least one evidence field, or final_submission.")
    account = gateway.account_for(charge_back.organization_id)
    answer = gateway.update_dispute(account, charge_back.stripe_dispute_id, evidence=text,
                                    submit=bool(final_submission))
    charge_back.evidence = {**(charge_back.evidence or {}), **text}
    charge_back.status = str(answer.get("status") or charge_back.status)[:50]
    charge_back.save(update_fields=["evidence", "status", "updated_at"])
    return charge_back
