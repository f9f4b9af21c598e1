"""Payments through GraphQL over HTTP: charging stored cards exactly once, declines, outside
payments, invoice payments, retries, receipts, deletes, 3-D Secure intents, the billingItems
list (filters, both paginations, flat SQL) and who sees which payments."""

from __future__ import annotations

import pathlib
from decimal import Decimal

import pytest

from apps.accounts.models import OrganizationMembership
from apps.billing import gateway
from apps.billing.models import BillingItem, RequestedPayment, StripeCustomer, StripeCustomerDetail
from apps.billing.services.accounts import stripe_customer_for
from apps.core.jobs import email
from apps.core.jobs.models import Job
from apps.events.models import Event
from tests import factories
from tests.billing.conftest import DECLINED_CARD, card_token
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

OPS = pathlib.Path("/work/shared/acceptance/healthie_docs_operations")


def op(name: str) -> str:
    return next(OPS.glob(f"*_{name}.graphql")).read_text()


def add_card(account, client, patient, number="4242424242424242", default=True) -> StripeCustomerDetail:
    customer = stripe_customer_for(patient, account)
    card = gateway.attach_token(account, customer, card_token(client, number))
    return StripeCustomerDetail.objects.create(organization_id=patient.organization_id, user=patient,
                                               stripe_id=card.stripe_id, card_type=card.brand,
                                               last_four=card.last4, is_default=default)


def invoice(world, patient, price="100.00", number="INV-1") -> RequestedPayment:
    return RequestedPayment.objects.create(organization=world.org, sender=world.provider, recipient=patient,
                                           invoice_type="other", invoice_id=number, price=Decimal(price),
                                           services_provided="Consultation")


def charges_of(client, patient):
    customer = StripeCustomer.objects.get(user=patient).stripe_id
    return client.v1.charges.list({"customer": customer}).data


CREATE = """mutation c($input: createBillingItemInput) { createBillingItem(input: $input) {
  billingItem { id amount_paid state card_last4 is_outside_payment payment_medium note created_at
                sender { id } recipient { id } requested_payment_id }
  stripeError messages { field message code } } }"""


def create(gql, key, **values):
    return data_of(gql(CREATE, {"input": values}, key=key))["createBillingItem"]


def test_documented_charge_with_same_key_twice_charges_once(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    card = add_card(stripe_account, stripe_client, patient)
    bill = invoice(world, patient, "567.53")
    variables = {"amount_paid": "567.53", "sender_id": str(patient.pk), "should_charge": True,
                 "stripe_customer_detail_id": str(card.pk), "requested_payment_id": str(bill.pk),
                 "stripe_idempotency_key": "7b0f3c2e-5a1d-4c1b-9d7e-1f2a3b4c5d6e"}
    first = data_of(gql(op("createBillingItem"), variables, key=keys["provider"]))["createBillingItem"]
    second = data_of(gql(op("createBillingItem"), variables, key=keys["provider"]))["createBillingItem"]
    assert first["messages"] == [] and second["messages"] == []
    assert first["billingItem"]["id"] == second["billingItem"]["id"]
    assert BillingItem.objects.filter(sender=patient).count() == 1
    assert [c.amount for c in charges_of(stripe_client, patient)] == [56753]
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PAID
    assert Event.objects.filter(event_type="billing_item.created").count() == 1
    assert Event.objects.filter(event_type="requested_payment.updated", resource_id=str(bill.pk)).exists()


def test_the_key_travels_to_stripe_and_a_replay_does_not_call_it(gql, world, keys, stripe_account, stripe_client,
                                                                 monkeypatch):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    sent = []
    real = gateway.charge

    def recording(account, **kwargs):
        sent.append(kwargs["idempotency_key"])
        return real(account, **kwargs)

    monkeypatch.setattr(gateway, "charge", recording)
    for _ in range(2):
        payload = create(gql, keys["owner"], amount_paid="20", sender_id=str(patient.pk), should_charge=True,
                         stripe_idempotency_key="k-1")
        assert payload["messages"] == []
    assert sent == [f"charge-{world.org.pk}-k-1"]


def test_decline_is_a_message_with_the_decline_code_and_nothing_paid(gql, world, keys, stripe_account,
                                                                     stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient, DECLINED_CARD)
    bill = invoice(world, patient)
    payload = create(gql, keys["provider"], amount_paid="40", sender_id=str(patient.pk), should_charge=True,
                     requested_payment_id=str(bill.pk), stripe_idempotency_key="d-1")
    assert payload["billingItem"] is None
    assert payload["messages"][0]["code"] == "PAYMENT_DECLINED"
    assert payload["stripeError"]
    assert not BillingItem.objects.filter(sender=patient).exists()
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.NOT_YET_PAID
    assert not Event.objects.filter(event_type="billing_item.created").exists()


def test_issuer_decline_code_reaches_messages(gql, world, keys, stripe_account, stripe_client, monkeypatch):
    # localstripe cannot return issuer decline codes: the gateway's answer is recorded instead.
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)

    def declined(account, **kwargs):
        raise gateway.PaymentDeclined(kwargs.get("field"), "Your card has insufficient funds.", "insufficient_funds")

    monkeypatch.setattr(gateway, "charge", declined)
    payload = create(gql, keys["provider"], amount_paid="40", sender_id=str(patient.pk), should_charge=True)
    assert payload["stripeError"] == "insufficient_funds"
    assert payload["messages"] == [{"field": "stripe_customer_detail_id",
                                    "message": "Your card has insufficient funds.", "code": "PAYMENT_DECLINED"}]


def test_partial_payments_and_outside_payments_keep_invoice_status(gql, world, keys, stripe_account,
                                                                    stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    bill = invoice(world, patient, "100.00")
    paid = create(gql, keys["patient"], amount_paid="40", should_charge=True, requested_payment_id=str(bill.pk))
    assert paid["messages"] == [] and paid["billingItem"]["card_last4"] == "4242"
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PARTIAL
    too_much = create(gql, keys["provider"], amount_paid="60.01", sender_id=str(patient.pk),
                      requested_payment_id=str(bill.pk), payment_medium="cash")
    assert too_much["messages"][0]["field"] == "amount_paid"
    outside = create(gql, keys["provider"], sender_id=str(patient.pk), requested_payment_id=str(bill.pk),
                     payment_medium="check", note="Check #1042", created_at="2026-11-30 09:00:00")
    item = outside["billingItem"]
    assert outside["messages"] == []
    assert (item["amount_paid"], item["is_outside_payment"], item["payment_medium"]) == ("60.00", True, "check")
    assert item["created_at"] == "2026-11-30 09:00:00 +0000"
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PAID
    again = create(gql, keys["patient"], amount_paid="1", should_charge=True, requested_payment_id=str(bill.pk))
    assert again["messages"][0]["field"] == "requested_payment_id"


def test_bad_input_is_messages_never_a_write(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    for amount in ("NaN", "12.345", "-5", "1e400", "abc"):
        payload = create(gql, keys["provider"], amount_paid=amount, sender_id=str(patient.pk), should_charge=True)
        assert payload["messages"][0]["field"] == "amount_paid", amount
    assert create(gql, keys["provider"], amount_paid="5", should_charge=True)["messages"][0]["field"] == "sender_id"
    no_card = create(gql, keys["provider"], amount_paid="5", sender_id=str(world.patients[1].pk), should_charge=True)
    assert no_card["messages"][0]["field"] == "stripe_customer_detail_id"
    later = create(gql, keys["provider"], amount_paid="5", sender_id=str(patient.pk), should_charge=True,
                   payment_due_date="2099-01-01")
    assert later["messages"][0]["field"] == "payment_due_date"
    patient_outside = create(gql, keys["patient"], amount_paid="5", payment_medium="cash")
    assert patient_outside["messages"][0]["field"] == "should_charge"
    bad_date = create(gql, keys["provider"], amount_paid="5", sender_id=str(patient.pk), created_at="yesterday")
    assert bad_date["messages"][0]["field"] == "created_at"
    assert not BillingItem.objects.exists()


def test_documented_update_retries_a_failed_payment(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    card = add_card(stripe_account, stripe_client, patient)
    failed = BillingItem.objects.create(organization=world.org, sender=patient, recipient=world.provider,
                                        amount_paid=Decimal("25.00"), state=BillingItem.FAILED,
                                        failure_reason="Your card was declined.", stripe_customer_detail=card)
    variables = {"id": str(failed.pk), "resend_payment": True, "stripe_idempotency_key": "retry-1"}
    first = data_of(gql(op("updateBillingItem"), variables, key=keys["provider"]))["updateBillingItem"]
    assert first["messages"] == []
    retried = BillingItem.objects.get(pk=first["billingItem"]["id"])
    assert retried.state == BillingItem.SUCCEEDED and retried.amount_paid == Decimal("25.00")
    failed.refresh_from_db()
    assert failed.successful_retried_payment_id == retried.pk
    second = data_of(gql(op("updateBillingItem"), variables, key=keys["provider"]))["updateBillingItem"]
    assert second["billingItem"]["id"] == str(retried.pk)
    assert [c.amount for c in charges_of(stripe_client, patient)] == [2500]
    query = """query q($id: ID) { billingItem(id: $id) { successful_retried_payment { id state } } }"""
    shown = data_of(gql(query, {"id": str(failed.pk)}, key=keys["patient"]))["billingItem"]
    assert shown["successful_retried_payment"] == {"id": str(retried.pk), "state": "succeeded"}
    not_failed = data_of(gql(op("updateBillingItem"), {"id": str(retried.pk), "resend_payment": True},
                             key=keys["provider"]))["updateBillingItem"]
    assert not_failed["messages"][0]["field"] == "resend_payment"


def test_resend_receipt_queues_an_email(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    item = create(gql, keys["provider"], amount_paid="30", sender_id=str(patient.pk), should_charge=True)
    mutation = """mutation u($id: ID) { updateBillingItem(input: {id: $id, resend_receipt: true}) {
      billingItem { id receipt_last_sent_at } messages { field } } }"""
    payload = data_of(gql(mutation, {"id": item["billingItem"]["id"]}, key=keys["patient"]))["updateBillingItem"]
    assert payload["messages"] == [] and payload["billingItem"]["receipt_last_sent_at"]
    job = Job.objects.get(kind=email.KIND)
    message = email.message_of(job)
    assert message["to"] == [patient.email] and "30.00 USD" in message["body"] and "4242" in message["body"]
    assert "4242424242424242" not in message["body"]
    assert Event.objects.filter(event_type="billing_item.updated", changed_fields=["receipt_last_sent_at"]).exists()


def test_patient_cannot_edit_or_delete(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    item = create(gql, keys["provider"], amount_paid="30", sender_id=str(patient.pk), payment_medium="cash")
    item_id = item["billingItem"]["id"]
    edit = """mutation u($id: ID) { updateBillingItem(input: {id: $id, note: "changed"}) { messages { field } } }"""
    assert data_of(gql(edit, {"id": item_id}, key=keys["patient"]))["updateBillingItem"]["messages"][0]["field"] == \
        "note"
    assert error_codes(gql(op("deleteBillingItem"), {"id": item_id}, key=keys["patient"])) == ["FORBIDDEN"]


def test_documented_delete_soft_deletes_and_reopens_the_invoice(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    bill = invoice(world, patient, "50.00")
    outside = create(gql, keys["provider"], sender_id=str(patient.pk), requested_payment_id=str(bill.pk),
                     payment_medium="cash")["billingItem"]
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.PAID
    result = data_of(gql(op("deleteBillingItem"), {"id": outside["id"]}, key=keys["provider"]))["deleteBillingItem"]
    assert result == {"billingItem": {"id": outside["id"]}, "messages": []}
    assert BillingItem.objects.get(pk=outside["id"]).deleted_at is not None
    bill.refresh_from_db()
    assert bill.status == RequestedPayment.NOT_YET_PAID
    gone = gql(op("billingItem"), {"id": outside["id"]}, key=keys["provider"])
    assert gone["data"]["billingItem"] is None and error_codes(gone) == ["NOT_FOUND"]
    card_paid = create(gql, keys["provider"], amount_paid="10", sender_id=str(patient.pk), should_charge=True)
    refused = data_of(gql(op("deleteBillingItem"), {"id": card_paid["billingItem"]["id"]}, key=keys["provider"]))
    assert refused["deleteBillingItem"]["messages"][0]["field"] == "id"


def test_documented_billing_item_query_and_visibility(gql, world, keys, other_keys, stripe_account, stripe_client):
    patient, other_patient = world.patients[0], world.patients[1]
    mine = create(gql, keys["provider"], amount_paid="12.50", sender_id=str(patient.pk),
                  payment_medium="cash")["billingItem"]
    theirs = create(gql, keys["provider"], amount_paid="7", sender_id=str(other_patient.pk),
                    payment_medium="cash")["billingItem"]
    shown = data_of(gql(op("billingItem"), {"id": mine["id"]}, key=keys["patient"]))["billingItem"]
    assert shown["amount_paid"] == "12.50" and shown["currency"] == "USD"
    assert shown["sender"] == {"id": str(patient.pk)} and shown["recipient"] == {"id": str(world.provider.pk)}
    for key, item_id in ((keys["patient"], theirs["id"]), (other_keys["owner"], mine["id"]),
                         (other_keys["patient"], mine["id"])):
        hidden = gql(op("billingItem"), {"id": item_id}, key=key)
        assert hidden["data"]["billingItem"] is None and error_codes(hidden) == ["NOT_FOUND"]
    listed = """query { billingItems { id } billingItemsCount }"""
    assert data_of(gql(listed, key=keys["patient"])) == {"billingItems": [{"id": mine["id"]}], "billingItemsCount": 1}
    assert data_of(gql(listed, key=other_keys["owner"])) == {"billingItems": [], "billingItemsCount": 0}
    restricted = factories.member(world.org, first_name="Rita")
    OrganizationMembership.objects.filter(user=restricted).update(can_see_all_clients=False)
    other_patient.dietitian = restricted
    other_patient.save(update_fields=["dietitian"])
    assert data_of(gql(listed, key=factories.api_key(restricted)))["billingItems"] == [{"id": theirs["id"]}]
    no_billing = factories.member(world.org, first_name="Nora", can_see_billing=False)
    assert data_of(gql(listed, key=factories.api_key(no_billing)))["billingItemsCount"] == 0
    # Another organization's patient as sender is "not found", never charged.
    other_patient_id = factories.patient(factories.organization()).pk
    foreign = create(gql, keys["provider"], amount_paid="5", sender_id=str(other_patient_id), payment_medium="cash")
    assert foreign["messages"] == [{"field": "sender_id", "message": "Patient not found.", "code": "NOT_FOUND"}]


def test_billing_items_filters_sorts_paginations_and_flat_sql(gql, world, keys, stripe_account, stripe_client,
                                                                count_queries):
    patient = world.patients[0]
    for amount, medium in (("10", "cash"), ("20", "check"), ("30", "cash"), ("40", "venmo")):
        create(gql, keys["provider"], amount_paid=amount, sender_id=str(patient.pk), payment_medium=medium)
    BillingItem.objects.create(organization=world.org, sender=world.patients[1], amount_paid=Decimal("5.00"),
                               state=BillingItem.FAILED, recipient=world.owner)
    documented = """query billingItems($offset: Int, $keywords: String, $sort_by: String, $state: String,
      $provider_id: ID, $offerings_only: Boolean) { billingItems(offset: $offset, keywords: $keywords,
      sort_by: $sort_by, state: $state, provider_id: $provider_id, offerings_only: $offerings_only) {
      id amount_paid currency created_at failure_reason sender { id } recipient { id } } }"""
    by_amount = data_of(gql(documented, {"sort_by": "amount_paid_asc"}, key=keys["owner"]))["billingItems"]
    assert [i["amount_paid"] for i in by_amount] == ["5.00", "10.00", "20.00", "30.00", "40.00"]
    cash = data_of(gql(documented, {"keywords": "cash"}, key=keys["owner"]))["billingItems"]
    assert sorted(i["amount_paid"] for i in cash) == ["10.00", "30.00"]
    assert [i["amount_paid"] for i in data_of(gql(documented, {"keywords": "20"}, key=keys["owner"]))[
        "billingItems"]] == ["20.00"]
    failed = data_of(gql(documented, {"state": "failed"}, key=keys["owner"]))["billingItems"]
    assert [i["amount_paid"] for i in failed] == ["5.00"]
    by_provider = data_of(gql(documented, {"provider_id": str(world.owner.pk)}, key=keys["owner"]))["billingItems"]
    assert [i["amount_paid"] for i in by_provider] == ["5.00"]
    assert data_of(gql(documented, {"offerings_only": True}, key=keys["owner"]))["billingItems"] == []
    paged = data_of(gql(documented, {"offset": 3, "sort_by": "amount_paid_desc"}, key=keys["owner"]))
    assert [i["amount_paid"] for i in paged["billingItems"]] == ["10.00", "5.00"]
    bad = gql(documented, {"sort_by": "nonsense"}, key=keys["owner"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    enum_sorted = data_of(gql("""query { billingItems(order_by: AMOUNT_PAID_DESC, page_size: 2) {
      amount_paid cursor } }""", key=keys["owner"]))["billingItems"]
    assert [i["amount_paid"] for i in enum_sorted] == ["40.00", "30.00"]
    cursor = enum_sorted[-1]["cursor"]
    after = data_of(gql("""query q($after: String) { billingItems(order_by: AMOUNT_PAID_DESC, after: $after) {
      amount_paid } }""", {"after": cursor}, key=keys["owner"]))["billingItems"]
    assert [i["amount_paid"] for i in after] == ["20.00", "10.00", "5.00"]
    wide = """query q($n: Int) { billingItems(page_size: $n) { id amount_paid_string card_source coupon_code
      net_payment refund_items { id } charge_backs { id } sender { id first_name } recipient { id }
      provider { id } successful_retried_payment { id } item_position_number shown_description } }"""
    _, one = count_queries(lambda: gql(wide, {"n": 1}, key=keys["owner"]))
    _, five = count_queries(lambda: gql(wide, {"n": 5}, key=keys["owner"]))
    assert one == five


def test_payment_intent_for_3d_secure(gql, world, keys, stripe_account, stripe_client):
    mutation = """mutation p($input: createPaymentIntentInput) { createPaymentIntent(input: $input) {
      intentClientSecret messages { field message } } }"""
    payload = data_of(gql(mutation, {"input": {"amount_to_pay": "45.00", "stripe_idempotency_key": "pi-1"}},
                          key=keys["patient"]))["createPaymentIntent"]
    assert payload["messages"] == []
    secret = payload["intentClientSecret"]
    intent = stripe_client.v1.payment_intents.retrieve(secret.split("_secret_")[0])
    assert intent.amount == 4500
    assert intent.metadata["patient_id"] == str(world.patients[0].pk)
    assert not BillingItem.objects.exists()  # recorded when Stripe reports it succeeded (test_stripe_webhooks)
    member = data_of(gql(mutation, {"input": {"amount_to_pay": "45.00"}}, key=keys["provider"]))
    assert member["createPaymentIntent"]["intentClientSecret"] is None
    bad = data_of(gql(mutation, {"input": {"amount_to_pay": "0"}}, key=keys["patient"]))["createPaymentIntent"]
    assert bad["messages"][0]["field"] == "amount_to_pay"


def test_package_purchase_goes_through_purchase_offering(gql, world, keys, stripe_account, stripe_client):
    from apps.billing.models import Offering, UserPackageSelection

    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = Offering.objects.create(organization=world.org, name="Starter", price=Decimal("80.00"))
    payload = create(gql, keys["provider"], sender_id=str(patient.pk), offering_id=str(offering.pk),
                     should_charge=True, stripe_idempotency_key="pkg-1")
    assert payload["messages"] == [] and payload["billingItem"]["amount_paid"] == "80.00"
    assert UserPackageSelection.objects.filter(user=patient, offering=offering).count() == 1


def test_a_recurring_package_with_todays_due_date_is_billed_once(gql, world, keys, stripe_account, stripe_client):
    """Seed 002: with payment_due_date of the current day, a recurring package is billed only once."""
    from apps.billing.models import Offering, RecurringPayment, UserPackageSelection
    from apps.core.timefmt import now

    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    monthly = Offering.objects.create(organization=world.org, name="Monthly", price=Decimal("30.00"),
                                      billing_frequency="Monthly")
    once = create(gql, keys["provider"], sender_id=str(patient.pk), offering_id=str(monthly.pk), should_charge=True,
                  payment_due_date=now().date().isoformat())
    assert once["messages"] == [] and once["billingItem"]["amount_paid"] == "30.00"
    assert UserPackageSelection.objects.filter(user=patient).count() == 1
    assert not RecurringPayment.objects.exists()
    recurring = create(gql, keys["provider"], sender_id=str(patient.pk), offering_id=str(monthly.pk),
                       should_charge=True)
    assert recurring["messages"] == [] and RecurringPayment.objects.count() == 1
