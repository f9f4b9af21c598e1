"""The single charging path: exactly once per idempotency key, nothing paid on a decline."""

from __future__ import annotations

import pytest

from apps.billing import gateway
from apps.billing.models import BillingItem, StripeCustomerDetail
from apps.billing.services.accounts import stripe_customer_for
from apps.billing.services.payments import PaymentRequest, take_payment
from apps.core.errors import ErrorCode, ValidationFailed
from apps.core.money import Money
from tests.billing.conftest import DECLINED_CARD, card_token

pytestmark = pytest.mark.django_db


def _card(account, client, patient, number="4242424242424242") -> StripeCustomerDetail:
    customer = stripe_customer_for(patient, account)
    card = gateway.attach_token(account, customer, card_token(client, number))
    return StripeCustomerDetail.objects.create(organization_id=patient.organization_id, user=patient,
                                               stripe_id=card.stripe_id, card_type=card.brand,
                                               last_four=card.last4, is_default=True)


def test_same_key_charges_once(world, stripe_account, stripe_client):
    patient = world.patients[0]
    _card(stripe_account, stripe_client, patient)
    request = PaymentRequest(sender=patient, amount=Money.parse("40"), recipient=world.provider,
                             idempotency_key="a1b2c3")
    first = take_payment(request)
    second = take_payment(request)
    assert first.pk == second.pk
    assert BillingItem.objects.filter(sender=patient).count() == 1
    customer = stripe_customer_for(patient, stripe_account)
    charges = stripe_client.v1.charges.list({"customer": customer}).data
    assert len(charges) == 1 and charges[0].amount == 4000
    assert (first.card_brand, first.card_last4, first.state) == ("Visa", "4242", BillingItem.SUCCEEDED)


def test_key_of_another_patient_is_refused(world, stripe_account, stripe_client):
    for patient in world.patients[:2]:
        _card(stripe_account, stripe_client, patient)
    take_payment(PaymentRequest(sender=world.patients[0], amount=Money.parse("1"), idempotency_key="k"))
    with pytest.raises(ValidationFailed) as caught:
        take_payment(PaymentRequest(sender=world.patients[1], amount=Money.parse("1"), idempotency_key="k"))
    assert caught.value.messages[0].field == "stripe_idempotency_key"


def test_decline_records_nothing(world, stripe_account, stripe_client):
    patient = world.patients[0]
    _card(stripe_account, stripe_client, patient, DECLINED_CARD)
    with pytest.raises(gateway.PaymentDeclined) as caught:
        take_payment(PaymentRequest(sender=patient, amount=Money.parse("9.99"), idempotency_key="d1"))
    assert caught.value.code == ErrorCode.PAYMENT_DECLINED
    assert not BillingItem.objects.filter(sender=patient).exists()


def test_no_card_and_zero_amount_are_refused(world, stripe_account):
    patient = world.patients[0]
    with pytest.raises(ValidationFailed, match="no card on file"):
        take_payment(PaymentRequest(sender=patient, amount=Money.parse("5")))
    with pytest.raises(ValidationFailed, match="more than zero"):
        take_payment(PaymentRequest(sender=patient, amount=Money.parse("0")))
