"""Refunds through updateBillingItem (chosen_refund_amount): partial and full, on Stripe and for
outside payments, with the invoice's status following; and who may refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.models import OrganizationMembership
from apps.billing import gateway
from apps.billing.models import BillingItem, RefundItem, RequestedPayment, WriteOff
from apps.events.models import Event
from tests.billing.test_items import add_card, create, invoice
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

REFUND = """mutation r($id: ID, $amount: String, $key: String) {
  updateBillingItem(input: {id: $id, chosen_refund_amount: $amount, stripe_idempotency_key: $key}) {
    billingItem { id refund_amount net_payment refund_date refund_items { refund_amount status } }
    messages { field message code } } }"""


def refund(gql, key, item_id, amount, idem=None):
    return data_of(gql(REFUND, {"id": item_id, "amount": amount, "key": idem}, key=key))["updateBillingItem"]


def test_partial_then_full_refund_on_stripe_moves_invoice_status(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    bill = invoice(world, patient, "100.00")
    item = create(gql, keys["provider"], amount_paid="100", sender_id=str(patient.pk), should_charge=True,
                  requested_payment_id=str(bill.pk))["billingItem"]
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PAID
    partial = refund(gql, keys["provider"], item["id"], "30")
    assert partial["messages"] == []
    assert (partial["billingItem"]["refund_amount"], partial["billingItem"]["net_payment"]) == ("30.00", "70.00")
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PARTIAL
    too_much = refund(gql, keys["provider"], item["id"], "70.01")
    assert too_much["messages"][0]["field"] == "chosen_refund_amount"
    full = refund(gql, keys["provider"], item["id"], "70")
    assert full["billingItem"]["net_payment"] == "0.00"
    assert [r["refund_amount"] for r in full["billingItem"]["refund_items"]] == ["30.00", "70.00"]
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.NOT_YET_PAID
    charge = stripe_client.v1.charges.retrieve(BillingItem.objects.get(pk=item["id"]).stripe_charge_id)
    assert charge.amount_refunded == 10000
    assert RefundItem.objects.filter(billing_item_id=item["id"], stripe_refund_id__startswith="re_").count() == 2
    nothing_left = refund(gql, keys["provider"], item["id"], "0.01")
    assert nothing_left["messages"][0]["field"] == "chosen_refund_amount"
    assert Event.objects.filter(event_type="billing_item.updated", resource_id=item["id"]).count() == 2
    # Fully refunded, it may now be deleted.
    delete = """mutation d($id: ID) { deleteBillingItem(input: {id: $id}) { messages { field } } }"""
    assert data_of(gql(delete, {"id": item["id"]}, key=keys["provider"]))["deleteBillingItem"]["messages"] == []


def test_refund_sends_an_idempotency_key_to_stripe(gql, world, keys, stripe_account, stripe_client, monkeypatch):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    item = create(gql, keys["provider"], amount_paid="50", sender_id=str(patient.pk), should_charge=True)["billingItem"]
    keys_sent = []
    real = gateway.refund

    def recording(account, **kwargs):
        keys_sent.append(kwargs["idempotency_key"])
        return real(account, **kwargs)

    monkeypatch.setattr(gateway, "refund", recording)
    refund(gql, keys["provider"], item["id"], "10")
    refund(gql, keys["provider"], item["id"], "10", idem="client-key")
    assert keys_sent == [f"refund-{world.org.pk}-{item['id']}-0-1000", f"refund-{world.org.pk}-{item['id']}-client-key"]


def test_outside_payment_refund_and_write_off(gql, world, keys, stripe_account):
    patient = world.patients[0]
    bill = invoice(world, patient, "100.00")
    WriteOff.objects.create(requested_payment=bill, amount=Decimal("20.00"), reason="Courtesy")
    item = create(gql, keys["provider"], amount_paid="80", sender_id=str(patient.pk), payment_medium="cash",
                  requested_payment_id=str(bill.pk))["billingItem"]
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PAID
    payload = refund(gql, keys["provider"], item["id"], "30")
    assert payload["messages"] == [] and payload["billingItem"]["net_payment"] == "50.00"
    assert RefundItem.objects.get(billing_item_id=item["id"]).stripe_refund_id is None
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PARTIAL


def test_who_may_refund(gql, world, keys, other_keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    item = create(gql, keys["provider"], amount_paid="50", sender_id=str(patient.pk), should_charge=True)["billingItem"]
    by_patient = refund(gql, keys["patient"], item["id"], "10")
    assert by_patient["messages"][0]["field"] == "chosen_refund_amount"
    foreign = refund(gql, other_keys["owner"], item["id"], "10")
    assert foreign["messages"] == [{"field": "id", "message": "Billing item not found.", "code": "NOT_FOUND"}]
    OrganizationMembership.objects.filter(user=world.staff).update(can_charge_clients=False)
    assert error_codes(gql(REFUND, {"id": item["id"], "amount": "10"}, key=keys["staff"])) == ["FORBIDDEN"]
    for bad in ("NaN", "1.001", "-3", "0"):
        assert refund(gql, keys["provider"], item["id"], bad)["messages"][0]["field"] == "chosen_refund_amount"
    assert BillingItem.objects.get(pk=item["id"]).refund_amount == Decimal("0.00")
