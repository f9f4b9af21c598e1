"""Taking a payment: the one path every charge of a stored card goes through
(``createBillingItem``, invoice payments, package purchases, ``completeCheckout``, renewals).

Exactly-once: the caller's ``idempotency_key`` is unique per organization on ``BillingItem``.
The patient's row is locked first, so two requests with one key run one after the other and
the second finds the first's billing item instead of charging again; the key also travels to
Stripe, which answers a replayed request with the original charge. A decline raises
``PaymentDeclined`` and the caller's transaction rolls back: nothing is recorded as paid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from apps.accounts.models import User
from apps.billing import gateway
from apps.billing.models import BillingItem, StripeCustomerDetail
from apps.billing.services.accounts import stripe_customer_for
from apps.core.errors import ValidationFailed
from apps.core.money import Money


@dataclass
class PaymentRequest:
    sender: User  # the patient who pays
    amount: Money
    recipient: User | None = None  # the provider paid
    created_by: User | None = None
    card: StripeCustomerDetail | None = None  # default card of the sender when None
    idempotency_key: str = ""
    description: str = ""
    original_price: Money | None = None
    links: dict[str, object] = field(default_factory=dict)  # offering, requested_payment, ... (model fields)


def existing_payment(organization_id: int, idempotency_key: str) -> BillingItem | None:
    if not idempotency_key:
        return None
    return BillingItem.objects.filter(organization_id=organization_id,
                                      stripe_idempotency_key=idempotency_key).first()


def default_card(user: User) -> StripeCustomerDetail | None:
    return (StripeCustomerDetail.objects.filter(user=user, deleted_at__isnull=True)
            .order_by("-is_default", "-created_at").first())


@transaction.atomic
def take_payment(request: PaymentRequest, *, field_name: str = "stripe_customer_detail_id") -> BillingItem:
    """Charges the card and records a succeeded ``BillingItem``; the same key twice charges once."""
    sender = request.sender
    organization_id = sender.organization_id
    if request.amount.amount <= 0:
        raise ValidationFailed("amount_paid", "The amount to charge must be more than zero.")
    key = (request.idempotency_key or "").strip()[:255]
    User.objects.select_for_update().filter(pk=sender.pk).first()
    replay = existing_payment(organization_id, key)
    if replay is not None:
        if replay.sender_id != sender.pk:
            raise ValidationFailed("stripe_idempotency_key", "This idempotency key was used for another payment.")
        return replay
    card = request.card or default_card(sender)
    if card is None or card.user_id != sender.pk or card.deleted_at is not None:
        raise ValidationFailed(field_name, "This patient has no card on file to charge.")
    account = gateway.account_for(organization_id)
    customer_id = stripe_customer_for(sender, account)
    # Without a caller key, one is minted per call: Stripe still dedupes the client's own retries.
    stripe_key = f"charge-{organization_id}-{key}" if key else f"charge-{uuid.uuid4()}"
    charge = gateway.charge(account, customer_id=customer_id, source_id=card.stripe_id, amount=request.amount,
                            idempotency_key=stripe_key, description=request.description or "Payment",
                            metadata={"patient_id": str(sender.pk)}, field=field_name)
    return BillingItem.objects.create(
        organization_id=organization_id, sender=sender, recipient=request.recipient, created_by=request.created_by,
        amount_paid=request.amount.amount, currency=request.amount.currency,
        original_price=request.original_price.amount if request.original_price else None,
        state=BillingItem.SUCCEEDED, stripe_charge_id=charge.charge_id,
        stripe_payment_intent_id=charge.payment_intent_id, stripe_idempotency_key=key,
        stripe_customer_detail=card, card_brand=card.card_type, card_last4=card.last_four,
        **request.links,
    )
