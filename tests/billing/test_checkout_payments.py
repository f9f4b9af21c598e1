"""completeCheckout's payment paths: the charge runs in the booking transaction after the slot is
taken, so a declined card books nothing and a checkout that lost the race charges nothing."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.viewer import Viewer
from apps.billing.models import BillingItem, RequestedPayment, StripeCustomerDetail
from apps.billing.services.accounts import stripe_account_connect
from apps.billing.services.invoices import InvoiceInput, invoice_create
from apps.scheduling.models import Appointment
from tests import factories
from tests.billing.conftest import (
    DECLINED_CARD,
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    card_token,
)
from tests.conftest import data_of
from tests.scheduling.helpers import appt_type, weekly

SLOT = "2030-10-07 09:00:00 -0400"
CHECKOUT = """mutation completeCheckout($appointment_type_id: String, $contact_type: String, $date: String,
  $provider_id: String, $timezone: String, $token: String, $requested_payment_id: ID, $offering_id: ID,
  $coupon_code: String, $stripe_idempotency_key: ID) {
  completeCheckout(input: {appointment_type_id: $appointment_type_id, contact_type: $contact_type, date: $date,
    timezone: $timezone, provider_id: $provider_id, token: $token, requested_payment_id: $requested_payment_id,
    offering_id: $offering_id, coupon_code: $coupon_code, stripe_idempotency_key: $stripe_idempotency_key}) {
    appointment { id } messages { field message code } } }"""


def _variables(world, kind, **extra) -> dict:
    return {"appointment_type_id": str(kind.pk), "contact_type": "In Person", "date": SLOT,
            "timezone": "America/New_York", "provider_id": str(world.provider.pk), **extra}


def _invoice(world, patient, price="80.00") -> RequestedPayment:
    return invoice_create(Viewer(user=world.provider), InvoiceInput(
        invoice_type="other", recipient_id=str(patient.pk), price=price, services_provided="Initial visit"))


@pytest.mark.django_db
def test_paying_an_invoice_at_checkout_with_a_new_card(gql, world, keys, stripe_account, stripe_client):
    kind = appt_type(world.org)
    weekly(world.provider, 1)
    patient = world.patients[0]
    rp = _invoice(world, patient)
    result = data_of(gql(CHECKOUT, _variables(world, kind, token=card_token(stripe_client),
                                              requested_payment_id=str(rp.pk), stripe_idempotency_key="chk-1"),
                         key=keys["patient"]))["completeCheckout"]
    assert result["messages"] == [] and result["appointment"]["id"]
    [item] = BillingItem.objects.filter(requested_payment=rp)
    assert (item.appointment_id, item.sender_id, item.amount_paid, item.stripe_idempotency_key) == (
        int(result["appointment"]["id"]), patient.pk, rp.price, "chk-1")
    card = StripeCustomerDetail.objects.get(user=patient)
    assert card.is_default and card.last_four == "4242" and item.stripe_customer_detail_id == card.pk
    rp.refresh_from_db()
    assert rp.status == "Paid"


@pytest.mark.django_db
def test_a_declined_card_books_nothing(gql, world, keys, stripe_account, stripe_client):
    kind = appt_type(world.org)
    weekly(world.provider, 1)
    rp = _invoice(world, world.patients[0])
    result = data_of(gql(CHECKOUT, _variables(world, kind, token=card_token(stripe_client, DECLINED_CARD),
                                              requested_payment_id=str(rp.pk)),
                         key=keys["patient"]))["completeCheckout"]
    assert result["appointment"] is None
    assert [(m["field"], m["code"]) for m in result["messages"]] == [("token", "PAYMENT_DECLINED")]
    assert not Appointment.objects.exists() and not BillingItem.objects.exists()
    assert not StripeCustomerDetail.objects.exists()
    rp.refresh_from_db()
    assert rp.status == "Not Yet Paid"


@pytest.mark.django_db
def test_someone_elses_invoice_or_a_lone_coupon_books_nothing(gql, world, keys, stripe_account, stripe_client):
    kind = appt_type(world.org)
    weekly(world.provider, 1)
    theirs = _invoice(world, world.patients[1])
    result = data_of(gql(CHECKOUT, _variables(world, kind, requested_payment_id=str(theirs.pk)),
                         key=keys["patient"]))["completeCheckout"]
    assert result == {"appointment": None, "messages": [{"field": "requested_payment_id", "code": "NOT_FOUND",
                                                         "message": "Requested payment not found."}]}
    lone = data_of(gql(CHECKOUT, _variables(world, kind, coupon_code="SAVE10"), key=keys["patient"]))
    assert lone["completeCheckout"]["messages"] == [{"field": "coupon_code", "code": "BAD_USER_INPUT",
                                                     "message": "A coupon applies to a package: send offering_id "
                                                                "with it."}]
    # No card on file and no token: nothing booked either.
    mine = _invoice(world, world.patients[0])
    no_card = data_of(gql(CHECKOUT, _variables(world, kind, requested_payment_id=str(mine.pk)),
                          key=keys["patient"]))["completeCheckout"]
    assert no_card["messages"] == [{"field": "stripe_customer_detail_id", "code": "BAD_USER_INPUT",
                                    "message": "This patient has no card on file to charge."}]
    assert not Appointment.objects.exists() and not BillingItem.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite serializes every write, so there is no race to test")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_paid_checkouts_for_one_slot_charge_exactly_once(stripe_base, stripe_client):
    racers = 50
    world = factories.world("Race Billing Clinic", patients=racers)
    stripe_account_connect(world.org, secret_key=TEST_SECRET_KEY, publishable_key=TEST_PUBLISHABLE_KEY,
                           webhook_secret=TEST_WEBHOOK_SECRET)
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    requests = []
    for n, patient in enumerate(world.patients):
        rp = _invoice(world, patient, price="45.00")
        variables = _variables(world, kind, token=card_token(stripe_client), requested_payment_id=str(rp.pk),
                               stripe_idempotency_key=f"race-{n}")
        requests.append(({"query": CHECKOUT, "variables": variables},
                         {"Authorization": f"Basic {factories.api_key(patient)}", "AuthorizationSource": "API"}))
    barrier = threading.Barrier(racers)
    results: list[dict] = [{} for _ in requests]

    def run(index: int, body: dict, headers: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=60)
            results[index] = client.post("/graphql", data=json.dumps(body), content_type="application/json",
                                         headers=headers).json()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, b, h)) for i, (b, h) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    payloads = [r["data"]["completeCheckout"] for r in results]
    winners = [p for p in payloads if p["appointment"]]
    losers = [p for p in payloads if not p["appointment"]]
    assert len(winners) == 1 and len(losers) == racers - 1
    assert all([m["code"] for m in p["messages"]] == ["SLOT_UNAVAILABLE"] for p in losers)
    assert Appointment.objects.count() == 1
    [item] = BillingItem.objects.all()
    assert item.appointment_id == int(winners[0]["appointment"]["id"])
    assert RequestedPayment.objects.filter(status="Paid").count() == 1
    # Stripe saw exactly one charge for these patients (the losers' cards were never even stored).
    racer_ids = {str(p.pk) for p in world.patients}
    charges = [c.to_dict() for c in stripe_client.v1.charges.list({"limit": 100}).auto_paging_iter()]
    charges = [c for c in charges if (c.get("metadata") or {}).get("patient_id") in racer_ids]
    assert len(charges) == 1 and charges[0]["amount"] == 4500
    assert StripeCustomerDetail.objects.count() == 1


@pytest.mark.django_db
def test_an_unauthenticated_checkout_pays_the_matched_clients_invoice(gql, world, stripe_account, stripe_client):
    kind = appt_type(world.org)
    weekly(world.provider, 1)
    patient = world.patients[0]
    rp = _invoice(world, patient, price="30.00")
    anonymous = """mutation($appointment_type_id: String, $date: String, $provider_id: String, $timezone: String,
      $first_name: String, $last_name: String, $email: String, $token: String, $requested_payment_id: ID) {
      completeCheckout(input: {appointment_type_id: $appointment_type_id, contact_type: "In Person", date: $date,
        provider_id: $provider_id, timezone: $timezone, first_name: $first_name, last_name: $last_name,
        email: $email, token: $token, requested_payment_id: $requested_payment_id}) {
        appointment { id } messages { field message code } } }"""
    variables = {"appointment_type_id": str(kind.pk), "date": SLOT, "provider_id": str(world.provider.pk),
                 "timezone": "America/New_York", "first_name": patient.first_name, "last_name": patient.last_name,
                 "email": patient.email, "token": card_token(stripe_client), "requested_payment_id": str(rp.pk)}
    result = data_of(gql(anonymous, variables))["completeCheckout"]
    assert result["messages"] == [] and result["appointment"]
    rp.refresh_from_db()
    assert rp.status == "Paid"
    # Someone else's address cannot pay (or learn about) that invoice.
    weekly(world.provider, 2)
    stranger = {**variables, "date": "2030-10-08 09:00:00 -0400", "email": "stranger@example.com",
                "first_name": "Stran", "last_name": "Ger", "token": card_token(stripe_client)}
    refused = data_of(gql(anonymous, stranger))["completeCheckout"]
    assert refused["messages"][0]["code"] == "NOT_FOUND" and refused["appointment"] is None
    assert BillingItem.objects.count() == 1


PACKAGE_CHECKOUT = CHECKOUT.replace("appointment { id } messages", """appointment { id }
    billingItem { id amount_paid offering { id } requested_payment { id } }
    userPackageSelection { id offering { id } billing_item { id } } messages""")


@pytest.mark.django_db
def test_buying_a_package_at_checkout_grants_its_credits(gql, world, keys, stripe_account, stripe_client):
    from apps.scheduling.models import AppointmentTypeCredit
    from tests.billing.packages_helpers import package

    kind = appt_type(world.org)
    weekly(world.provider, 1)
    patient = world.patients[0]
    offering = package(world.org, "Five visits", "250", includes=[(kind, 5, False)], user=world.provider)
    result = data_of(gql(PACKAGE_CHECKOUT, _variables(world, kind, token=card_token(stripe_client),
                                                      offering_id=str(offering.pk), stripe_idempotency_key="pkg-1"),
                         key=keys["patient"]))["completeCheckout"]
    assert result["messages"] == []
    item = BillingItem.objects.get(sender=patient)
    assert result["billingItem"] == {"id": str(item.pk), "amount_paid": "250.00", "offering": {"id": str(offering.pk)},
                                     "requested_payment": None}
    selection = result["userPackageSelection"]
    assert selection["offering"] == {"id": str(offering.pk)} and selection["billing_item"] == {"id": str(item.pk)}
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=kind).total_credits == 5
    assert Appointment.objects.filter(pk=int(result["appointment"]["id"])).exists()
    from apps.events.models import Event

    assert Event.objects.filter(event_type="billing_item.created", resource_id=str(item.pk)).count() == 1


@pytest.mark.django_db
def test_a_declined_package_purchase_books_and_grants_nothing(gql, world, keys, stripe_account, stripe_client):
    from apps.billing.models import UserPackageSelection
    from apps.scheduling.models import AppointmentTypeCredit
    from tests.billing.packages_helpers import package

    kind = appt_type(world.org)
    weekly(world.provider, 1)
    offering = package(world.org, "Five visits", "250", includes=[(kind, 5, False)])
    result = data_of(gql(PACKAGE_CHECKOUT, _variables(world, kind, token=card_token(stripe_client, DECLINED_CARD),
                                                      offering_id=str(offering.pk)),
                         key=keys["patient"]))["completeCheckout"]
    assert [m["code"] for m in result["messages"]] == ["PAYMENT_DECLINED"]
    assert result["billingItem"] is None and result["appointment"] is None
    assert not Appointment.objects.exists() and not UserPackageSelection.objects.exists()
    assert not AppointmentTypeCredit.objects.filter(total_credits__gt=0).exists()


@pytest.mark.django_db
def test_an_invoice_lists_its_payments_and_a_purchase_its_invoice(gql, world, keys, stripe_account, stripe_client):
    from apps.billing.services.invoices import pay_invoice
    from apps.billing.services.packages import purchase_offering
    from tests.billing.packages_helpers import add_card, package

    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    rp = _invoice(world, patient, "90.00")
    from apps.core.money import Money

    payer = Viewer(user=world.provider)
    first = pay_invoice(payer, rp, amount=Money.parse("40.00"), idempotency_key="part-1")
    second = pay_invoice(payer, rp, amount=Money.parse("50.00"), idempotency_key="part-2")
    query = """query ($id: ID) { requestedPayment(id: $id) { status billing_items { id amount_paid } } }"""
    invoice = data_of(gql(query, {"id": str(rp.pk)}, key=keys["provider"]))["requestedPayment"]
    assert invoice == {"status": "Paid", "billing_items": [{"id": str(first.pk), "amount_paid": "40.00"},
                                                           {"id": str(second.pk), "amount_paid": "50.00"}]}
    offering = package(world.org, "Plan", "30")
    bought = purchase_offering(Viewer(user=world.provider), patient=patient, offering=offering,
                               requested_payment=_invoice(world, patient, "30.00"))
    selections = data_of(gql("""query ($u: ID) { userPackageSelections(user_id: $u) {
        requested_payment { id } billing_item { id } } }""", {"u": str(patient.pk)}, key=keys["provider"]))
    [selection] = selections["userPackageSelections"]
    assert selection["billing_item"] == {"id": str(bought.pk)}
    assert selection["requested_payment"] == {"id": str(bought.requested_payment_id)}
