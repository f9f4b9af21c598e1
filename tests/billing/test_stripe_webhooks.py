"""Stripe's own webhooks at /stripe/webhooks/<organization id>: signed events are processed once,
forged ones refused (400), replayed ones ignored (200, no change). Payment intents confirmed with
3-D Secure on the local Stripe-compatible server become billing items; refunds made in Stripe's
dashboard and disputes are recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from decimal import Decimal

import pytest
from django.test import Client

from apps.billing import gateway
from apps.billing.models import BillingItem, ChargeBack, RefundItem, RequestedPayment, StripeEvent
from apps.events.models import Event
from tests.billing.conftest import AUTHENTICATION_CARD, TEST_SECRET_KEY, TEST_WEBHOOK_SECRET
from tests.billing.test_items import add_card, create, invoice
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db


def signed(payload: bytes, secret: str = TEST_WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")."""
    timestamp = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(org_id, event: dict, *, signature: str | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(event).encode()
    headers = {"Stripe-Signature": signature if signature is not None else signed(body)}
    return Client().post(f"/stripe/webhooks/{org_id}", data=body, content_type="application/json", headers=headers)


def event(event_id: str, event_type: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}


def confirmed_intent(gql, key, stripe_client, stripe_base, amount="45.00", idem="pi-key-1", **extra) -> dict:
    """createPaymentIntent, then what the patient's browser does: pick a 3-D Secure card, confirm,
    pass the authentication."""
    mutation = """mutation p($input: createPaymentIntentInput) { createPaymentIntent(input: $input) {
      intentClientSecret messages { field } } }"""
    secret = data_of(gql(mutation, {"input": {"amount_to_pay": amount, "stripe_idempotency_key": idem, **extra}},
                         key=key))["createPaymentIntent"]["intentClientSecret"]
    intent_id = secret.split("_secret_")[0]
    method = stripe_client.v1.payment_methods.create({"type": "card", "card": {
        "number": AUTHENTICATION_CARD, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    stripe_client.v1.payment_intents.update(intent_id, {"payment_method": method.id})
    assert stripe_client.v1.payment_intents.confirm(intent_id).status == "requires_action"
    request = urllib.request.Request(f"{stripe_base}/v1/payment_intents/{intent_id}/_authenticate",
                                     data=json.dumps({"success": True, "client_secret": secret}).encode(),
                                     headers={"Authorization": f"Bearer {TEST_SECRET_KEY}",
                                              "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    intent = stripe_client.v1.payment_intents.retrieve(intent_id).to_dict()
    assert intent["status"] == "succeeded"
    return intent


def test_payment_intent_succeeded_becomes_a_billing_item_once(gql, world, keys, stripe_account, stripe_client,
                                                              stripe_base):
    intent = confirmed_intent(gql, keys["patient"], stripe_client, stripe_base)
    succeeded = event("evt_pi_1", "payment_intent.succeeded", intent)
    response = post(world.org.pk, succeeded)
    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    item = BillingItem.objects.get()
    assert (item.sender_id, item.amount_paid, item.state) == (world.patients[0].pk, Decimal("45.00"), "succeeded")
    assert item.stripe_payment_intent_id == intent["id"] and item.stripe_charge_id.startswith("ch_")
    assert item.recipient_id == world.provider.pk and item.stripe_idempotency_key == "pi-key-1"
    assert Event.objects.filter(event_type="billing_item.created", resource_id=str(item.pk)).count() == 1
    # The same event again (Stripe retries): acknowledged, nothing changes.
    replay = post(world.org.pk, succeeded)
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    assert BillingItem.objects.count() == 1 and StripeEvent.objects.count() == 1
    # A different event about the same intent does not record it twice either.
    assert post(world.org.pk, event("evt_pi_2", "payment_intent.succeeded", intent)).status_code == 200
    assert BillingItem.objects.count() == 1
    listed = data_of(gql("query { billingItems { amount_paid state } }", key=keys["patient"]))["billingItems"]
    assert listed == [{"amount_paid": "45.00", "state": "succeeded"}]


def test_forged_events_are_refused(world, stripe_account, other_world):
    fake = event("evt_forged", "payment_intent.succeeded", {
        "id": "pi_forged", "amount": 100000, "currency": "usd",
        "metadata": {"organization_id": str(world.org.pk), "patient_id": str(world.patients[0].pk)}})
    body = json.dumps(fake).encode()
    assert post(world.org.pk, fake, signature=signed(body, "whsec_not_the_secret")).status_code == 400
    assert post(world.org.pk, fake, signature="").status_code == 400
    assert post(world.org.pk, fake, signature="t=1,v1=deadbeef").status_code == 400
    stale = signed(body, at=int(time.time()) - 3600)
    assert post(world.org.pk, fake, signature=stale).status_code == 400
    tampered = body.replace(b"100000", b"100001")
    assert post(world.org.pk, fake, raw=tampered, signature=signed(body)).status_code == 400
    assert post(world.org.pk, fake, raw=b"not json", signature=signed(b"not json")).status_code == 400
    # Another organization (no Stripe account) and malformed ids.
    assert post(other_world.org.pk, fake).status_code == 404
    assert post("abc", fake).status_code == 404
    assert Client().get(f"/stripe/webhooks/{world.org.pk}").status_code == 405
    assert not BillingItem.objects.exists() and not StripeEvent.objects.exists()


def test_intent_metadata_of_another_organization_is_ignored(world, stripe_account, other_world):
    intent = {"id": "pi_other", "amount": 5000, "currency": "usd", "status": "succeeded",
              "metadata": {"organization_id": str(other_world.org.pk), "patient_id": str(other_world.patients[0].pk)}}
    assert post(world.org.pk, event("evt_other", "payment_intent.succeeded", intent)).status_code == 200
    assert not BillingItem.objects.exists()


def test_payment_failed_is_recorded_as_failed(world, stripe_account):
    intent = {"id": "pi_failed", "amount": 3000, "currency": "usd", "status": "requires_payment_method",
              "last_payment_error": {"message": "Your card was declined.", "code": "card_declined",
                                     "decline_code": "insufficient_funds"},
              "metadata": {"organization_id": str(world.org.pk), "patient_id": str(world.patients[0].pk)}}
    assert post(world.org.pk, event("evt_fail", "payment_intent.payment_failed", intent)).status_code == 200
    item = BillingItem.objects.get()
    assert (item.state, item.stripe_error, item.failure_reason) == ("failed", "insufficient_funds",
                                                                     "Your card was declined.")


def test_dashboard_refund_is_recorded_once(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    bill = invoice(world, patient, "60.00")
    item = create(gql, keys["provider"], amount_paid="60", sender_id=str(patient.pk), should_charge=True,
                  requested_payment_id=str(bill.pk))["billingItem"]
    row = BillingItem.objects.get(pk=item["id"])
    # One refund through the API (already recorded), one in Stripe's dashboard.
    data_of(gql("""mutation r($id: ID) { updateBillingItem(input: {id: $id, chosen_refund_amount: "10"}) {
      messages { field } } }""", {"id": item["id"]}, key=keys["provider"]))
    stripe_client.v1.refunds.create({"charge": row.stripe_charge_id, "amount": 2000})
    charge = stripe_client.v1.charges.retrieve(row.stripe_charge_id).to_dict()
    assert len(charge["refunds"]["data"]) == 2
    refunded = event("evt_refund", "charge.refunded", charge)
    assert post(world.org.pk, refunded).status_code == 200
    row.refresh_from_db()
    assert row.refund_amount == Decimal("30.00")
    assert RefundItem.objects.filter(billing_item=row).count() == 2
    assert post(world.org.pk, refunded).json()["outcome"] == "duplicate"
    assert post(world.org.pk, event("evt_refund_2", "charge.refunded", charge)).status_code == 200
    row.refresh_from_db()
    assert row.refund_amount == Decimal("30.00")
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PARTIAL


def test_disputes_become_charge_backs(gql, world, keys, other_keys, stripe_account, stripe_client, monkeypatch):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    item = create(gql, keys["provider"], amount_paid="75", sender_id=str(patient.pk), should_charge=True)["billingItem"]
    charge_id = BillingItem.objects.get(pk=item["id"]).stripe_charge_id
    dispute = {"id": "dp_1", "object": "dispute", "charge": charge_id, "amount": 7500, "currency": "usd",
               "reason": "product_not_received", "status": "needs_response",
               "evidence_details": {"due_by": int(time.time()) + 7 * 86400},
               "balance_transactions": [{"fee": 1500}]}
    assert post(world.org.pk, event("evt_dp_1", "charge.dispute.created", dispute)).status_code == 200
    query = """query { chargeBacks { id disputed_amount fee total_amount formatted_reason status
      billing_item { id } evidence_fields_to_submit }
      chargeDisputes { amount stripe_dispute_id status billing_item_id client { id } } }"""
    shown = data_of(gql(query, key=keys["owner"]))
    back = shown["chargeBacks"][0]
    assert (back["disputed_amount"], back["fee"], back["total_amount"]) == ("75.00", "15.00", "90.00")
    assert back["formatted_reason"] == "Product not received" and back["billing_item"] == {"id": item["id"]}
    assert shown["chargeDisputes"] == [{"amount": 7500, "stripe_dispute_id": "dp_1", "status": "NEEDS_RESPONSE",
                                        "billing_item_id": item["id"], "client": {"id": str(patient.pk)}}]
    assert data_of(gql(query, key=other_keys["owner"])) == {"chargeBacks": [], "chargeDisputes": []}
    assert data_of(gql(query, key=keys["patient"])) == {"chargeBacks": [], "chargeDisputes": []}
    one = data_of(gql("""query { chargeBack(stripe_dispute_id: "dp_1") { id charge_backs_item: billing_item {
      charge_backs { id } } } }""", key=keys["owner"]))["chargeBack"]
    assert one["charge_backs_item"]["charge_backs"] == [{"id": back["id"]}]
    hidden = gql("query q($id: ID) { chargeBack(id: $id) { id } }", {"id": back["id"]}, key=other_keys["owner"])
    assert error_codes(hidden) == ["NOT_FOUND"]
    # Evidence goes to Stripe (localstripe has no disputes: the gateway call is recorded).
    sent = []

    def update_dispute(account, dispute_id, *, evidence, submit):
        sent.append((dispute_id, evidence, submit))
        return {"id": dispute_id, "status": "under_review" if submit else "needs_response"}

    monkeypatch.setattr(gateway, "update_dispute", update_dispute)
    mutation = """mutation u($id: ID) { updateChargeBack(input: {id: $id, final_submission: true,
      charge_back_evidence: {product_description: "Telehealth visit held on Nov 2", customer_name: "Pat"}}) {
      charge_back { status evidence { product_description customer_name } } messages { field message } } }"""
    result = data_of(gql(mutation, {"id": back["id"]}, key=keys["owner"]))["updateChargeBack"]
    assert result["messages"] == [] and result["charge_back"]["status"] == "under_review"
    assert result["charge_back"]["evidence"] == {"product_description": "Telehealth visit held on Nov 2",
                                                 "customer_name": "Pat"}
    assert sent == [("dp_1", {"customer_name": "Pat", "product_description": "Telehealth visit held on Nov 2"},
                     True)]
    # Stripe then closes it.
    closed = {**dispute, "status": "won"}
    assert post(world.org.pk, event("evt_dp_2", "charge.dispute.closed", closed)).status_code == 200
    assert ChargeBack.objects.get().status == "won"
    late = data_of(gql(mutation, {"id": back["id"]}, key=keys["owner"]))["updateChargeBack"]
    assert late["messages"][0]["field"] == "id"
    assert data_of(gql("query { transactions(payout_id: \"po_1\") { displayed_amount } }",
                       key=keys["owner"]))["transactions"] == []


def test_charge_disputes_sql_count_flat(gql, world, keys, count_queries):
    from decimal import Decimal

    from apps.billing.models import ChargeBack

    for index in range(6):
        patient = world.patients[index % len(world.patients)]
        paid = BillingItem.objects.create(organization=world.org, sender=patient, recipient=world.provider,
                                          amount_paid=Decimal("10.00"), is_outside_payment=True)
        ChargeBack.objects.create(organization=world.org, billing_item=paid, stripe_dispute_id=f"dp_flat_{index}",
                                  disputed_amount=Decimal("10.00"), status="needs_response")
    query = """query ($n: Int) { chargeDisputes(page_size: $n) { id client { id full_name } provider { id }
      billing_item_id } }"""
    data_of(gql(query, {"n": 1}, key=keys["owner"]))
    few_rows, few = count_queries(lambda: data_of(gql(query, {"n": 2}, key=keys["owner"])))
    many_rows, many = count_queries(lambda: data_of(gql(query, {"n": 6}, key=keys["owner"])))
    assert len(few_rows["chargeDisputes"]) == 2 and len(many_rows["chargeDisputes"]) == 6
    assert all(row["client"] and row["provider"] for row in many_rows["chargeDisputes"])
    assert few == many


def test_a_package_paid_after_3d_secure_is_bought_when_the_payment_arrives(gql, world, keys, stripe_account,
                                                                           stripe_client, stripe_base):
    from apps.billing.models import RecurringPayment, UserPackageSelection
    from apps.scheduling.models import AppointmentTypeCredit
    from tests.billing.packages_helpers import appointment_type, package

    kind = appointment_type(world.org)
    offering = package(world.org, "Monthly care", "45", billing_frequency="Monthly", includes=[(kind, 2, True)],
                       user=world.provider)
    intent = confirmed_intent(gql, keys["patient"], stripe_client, stripe_base, idem="pi-pkg",
                              offering_id=str(offering.pk))
    succeeded = event("evt_pi_pkg", "payment_intent.succeeded", intent)
    assert post(world.org.pk, succeeded).status_code == 200
    item = BillingItem.objects.get()
    selection = UserPackageSelection.objects.get()
    assert (item.offering_id, item.user_package_selection_id) == (offering.pk, selection.pk)
    assert AppointmentTypeCredit.objects.get(user=world.patients[0], appointment_type=kind).total_credits == 2
    plan = RecurringPayment.objects.get()
    assert item.recurring_payment_id == plan.pk and plan.payments_made == 1
    # Stripe retries the event: still one purchase.
    assert post(world.org.pk, succeeded).status_code == 200
    assert UserPackageSelection.objects.count() == 1
