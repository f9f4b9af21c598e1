"""The Stripe boundary against a real Stripe-compatible server."""

from __future__ import annotations

import pytest

from apps.billing import gateway
from apps.billing.models import StripeAccount
from apps.billing.services.accounts import stripe_account_connect, stripe_customer_for
from apps.core.errors import ErrorCode, ValidationFailed
from apps.core.money import Money
from tests.billing.conftest import DECLINED_CARD, TEST_SECRET_KEY, card_token

pytestmark = pytest.mark.django_db(transaction=False)


def test_keys_are_stored_encrypted(stripe_account):
    row = StripeAccount.objects.get(pk=stripe_account.pk)
    assert TEST_SECRET_KEY not in row.secret_key_encrypted
    assert "whsec_" not in row.webhook_secret_encrypted


@pytest.mark.parametrize("field,kwargs", [
    ("secret_key", {"secret_key": "pk_wrong", "publishable_key": "pk_test_x"}),
    ("publishable_key", {"secret_key": "sk_test_x", "publishable_key": "sk_test_x"}),
    ("webhook_secret", {"secret_key": "sk_test_x", "publishable_key": "pk_test_x", "webhook_secret": "nope"}),
])
def test_malformed_keys_are_refused(world, field, kwargs):
    with pytest.raises(ValidationFailed) as caught:
        stripe_account_connect(world.org, **kwargs)
    assert caught.value.messages[0].field == field
    assert not StripeAccount.objects.filter(organization=world.org).exists()


def test_no_account_is_payment_unavailable(world):
    with pytest.raises(gateway.PaymentUnavailable) as caught:
        gateway.account_for(world.org.pk)
    assert caught.value.code == ErrorCode.PAYMENT_UNAVAILABLE


def test_customer_card_charge_refund(world, stripe_account, stripe_client):
    patient = world.patients[0]
    customer = stripe_customer_for(patient, stripe_account)
    assert customer.startswith("cus_")
    assert stripe_customer_for(patient, stripe_account) == customer  # created once
    card = gateway.attach_token(stripe_account, customer, card_token(stripe_client))
    assert (card.brand, card.last4) == ("Visa", "4242")
    charge = gateway.charge(stripe_account, customer_id=customer, source_id=card.stripe_id,
                            amount=Money.parse("12.34"), idempotency_key="test-charge-1", description="Visit",
                            metadata={"billing_item": "1"})
    assert charge.charge_id.startswith("ch_")
    seen = stripe_client.v1.charges.retrieve(charge.charge_id)
    assert seen.amount == 1234 and seen.currency == "usd"
    refund_id = gateway.refund(stripe_account, charge_id=charge.charge_id, amount=Money.parse("2.00"),
                               idempotency_key="test-refund-1")
    assert refund_id.startswith("re_")


def test_decline_is_payment_declined(world, stripe_account, stripe_client):
    customer = stripe_customer_for(world.patients[0], stripe_account)
    with pytest.raises(gateway.PaymentDeclined) as caught:
        card = gateway.attach_token(stripe_account, customer, card_token(stripe_client, DECLINED_CARD))
        gateway.charge(stripe_account, customer_id=customer, source_id=card.stripe_id, amount=Money.parse("5"),
                       idempotency_key="test-decline", description="x", metadata={})
    assert caught.value.code == ErrorCode.PAYMENT_DECLINED
    assert "declined" in caught.value.messages[0].message


def test_unreachable_stripe_is_payment_unavailable(world, stripe_account, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(gateway.PaymentUnavailable):
        gateway.create_customer(stripe_account, email="a@example.com", name="A", user_id=1)
