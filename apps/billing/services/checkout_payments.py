"""``completeCheckout``'s payment and package paths, a step of the booking transaction
(``apps.scheduling.services.checkout.register_checkout_step``).

The step runs after the slot is taken, inside the transaction that books it, while the
provider's row is locked: a declined card raises ``PaymentDeclined`` and the whole booking rolls
back (nothing booked, nothing recorded as paid); a checkout that lost the race for the slot
fails before this step, so it never charges. ``stripe_idempotency_key`` makes a retried checkout
charge once (``take_payment``).

With ``offering_id`` the package is bought (``packages.purchase_offering``: initial payment,
appointment credits, recurring payment), with ``coupon_code`` applied; with
``requested_payment_id`` the invoice's balance is paid. ``token`` (Stripe.js) stores a new card
for the patient and pays with it; without it the patient's default card is charged.
"""

from __future__ import annotations

from typing import Any

from apps.accounts.models import User
from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import Offering, RequestedPayment, StripeCustomerDetail
from apps.billing.services.accounts import stripe_customer_for
from apps.core.errors import ValidationFailed
from apps.core.inputs import sent
from apps.core.lookup import get_visible
from apps.scheduling.inputs import CheckoutInput
from apps.scheduling.models import Appointment
from apps.scheduling.services.checkout import register_checkout_step


def _store_card(client: User, token: str) -> StripeCustomerDetail:
    """The card Stripe.js tokenized, attached to the patient's Stripe customer and stored;
    the patient's first card becomes the default."""
    if not isinstance(token, str) or not token.strip() or len(token) > 255 or not token.isascii():
        raise ValidationFailed("token", "token must be a Stripe card token (tok_...).")
    account = gateway.account_for(client.organization_id)
    customer = stripe_customer_for(client, account)
    card = gateway.attach_token(account, customer, token.strip())
    first = not StripeCustomerDetail.objects.filter(user=client, deleted_at__isnull=True).exists()
    return StripeCustomerDetail.objects.create(
        organization_id=client.organization_id, user=client, stripe_id=card.stripe_id, card_type=card.brand,
        last_four=card.last4, exp_month=card.exp_month, exp_year=card.exp_year, zip=card.zip, country=card.country,
        source_status=card.status, is_default=first)


def _client_of(appointment: Appointment) -> User:
    return User.objects.get(pk=appointment.user_id)


def _invoice(client: User, raw_id: Any) -> RequestedPayment:
    scoped = RequestedPayment.objects.filter(recipient=client, deleted_at=None, is_preview=False)
    return get_visible(scoped, raw_id, "Requested payment", field="requested_payment_id")


def _offering(client: User, raw_id: Any) -> Offering:
    scoped = Offering.objects.filter(organization_id=client.organization_id, deleted_at=None, archived=False)
    return get_visible(scoped, raw_id, "Offering", field="offering_id")


def checkout_payment(viewer: Viewer, appointment: Appointment, data: CheckoutInput) -> None:
    offering_id, invoice_id = sent(data.offering_id), sent(data.requested_payment_id)
    token, coupon_code = sent(data.token), sent(data.coupon_code)
    key = str(sent(data.stripe_idempotency_key) or "").strip()
    if offering_id in (None, "") and invoice_id in (None, ""):
        if coupon_code not in (None, ""):
            raise ValidationFailed("coupon_code", "A coupon applies to a package: send offering_id with it.")
        if token not in (None, ""):
            # A card given at booking without anything to pay is stored for later charges.
            _store_card(_client_of(appointment), token)
        return
    if offering_id not in (None, "") and invoice_id not in (None, ""):
        raise ValidationFailed("offering_id", "Send either offering_id (buy a package) or requested_payment_id "
                                              "(pay an invoice), not both.")
    if len(key) > 255:
        raise ValidationFailed("stripe_idempotency_key", "stripe_idempotency_key is too long (at most 255).")
    client = _client_of(appointment)
    payer = viewer if viewer.is_patient else Viewer(user=client)
    if invoice_id not in (None, ""):
        invoice = _invoice(client, invoice_id)
        card = _store_card(client, token) if token not in (None, "") else None
        from apps.billing.services.invoices import pay_invoice

        appointment.checkout_billing_item = pay_invoice(payer, invoice, card=card, idempotency_key=key,
                                                        appointment=appointment, card_field="token" if card
                                                        else "stripe_customer_detail_id")
        return
    offering = _offering(client, offering_id)
    coupon = None
    if coupon_code not in (None, ""):
        from apps.billing.services import coupons

        coupon = coupons.coupon_for(client.organization_id, code=str(coupon_code), offering=offering)
    card = _store_card(client, token) if token not in (None, "") else None
    from apps.billing.services import packages

    item = packages.purchase_offering(payer, patient=client, offering=offering, coupon=coupon, card=card,
                                      idempotency_key=key, appointment=appointment)
    appointment.checkout_billing_item = item
    if item is not None and item.appointment_id == appointment.pk:  # not a replay of an earlier key
        from apps.events.bus import emit

        emit("billing_item.created", item, organization_id=item.organization_id, actor_id=client.pk)


register_checkout_step(checkout_payment)
