"""Write-offs and partial payments: the invoice's status always follows its payments (net of
refunds) and write-offs, whichever path moved the money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import BillingItem, RefundItem, RequestedPayment, StripeCustomerDetail
from apps.billing.services import ledger
from apps.billing.services.accounts import stripe_customer_for
from apps.billing.services.invoices import pay_invoice
from apps.core.errors import ErrorCode, ValidationFailed
from apps.core.money import Money
from apps.events.models import Event
from tests.billing.conftest import DECLINED_CARD, card_token
from tests.billing.test_invoices import invoice
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

WRITE_OFF = """mutation($input: createWriteOffInput) { createWriteOff(input: $input) {
  writeOff { id amount write_off_type other_reason requested_payment { id status balance_due write_off_amount } }
  messages { field message code } } }"""
UPDATE_WRITE_OFF = """mutation($input: updateWriteOffInput) { updateWriteOff(input: $input) {
  writeOff { id amount requested_payment { status } } messages { field message } } }"""
DELETE_WRITE_OFF = """mutation($input: deleteWriteOffInput) { deleteWriteOff(input: $input) {
  write_off { id } writeOff { id requested_payment { status balance_due } } messages { field message } } }"""
STATUS = """query($id: ID) { requestedPayment(id: $id) { status balance_due paid_percent write_off_amount
  billing_item_id write_offs { id amount write_off_type } } }"""


def store_card(account, client, patient, number="4242424242424242") -> StripeCustomerDetail:
    customer = stripe_customer_for(patient, account)
    card = gateway.attach_token(account, customer, card_token(client, number))
    return StripeCustomerDetail.objects.create(organization_id=patient.organization_id, user=patient,
                                               stripe_id=card.stripe_id, card_type=card.brand,
                                               last_four=card.last4, is_default=True)


def status_of(gql, key, invoice_id) -> dict:
    return data_of(gql(STATUS, {"id": invoice_id}, key=key))["requestedPayment"]


def refund(account, item: BillingItem, amount: str) -> None:
    """What a refund does to the rows (the refunds service of the items area does the same)."""
    refund_id = gateway.refund(account, charge_id=item.stripe_charge_id, amount=Money.parse(amount),
                               idempotency_key=f"refund-{item.pk}-{amount}")
    RefundItem.objects.create(billing_item=item, amount=Decimal(amount), stripe_refund_id=refund_id)
    item.refund_amount += Decimal(amount)
    item.save(update_fields=["refund_amount"])
    ledger.refresh_status(item.requested_payment)


def test_partial_payments_refunds_and_write_offs_keep_status_right(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    store_card(stripe_account, stripe_client, patient)
    made = invoice(gql, keys["provider"], patient, price="100.00")
    rp = RequestedPayment.objects.get(pk=made["id"])
    staff = Viewer(user=world.provider)

    first = pay_invoice(staff, rp, amount=Money.parse("30"), idempotency_key="inv-part-1")
    assert status_of(gql, keys["owner"], made["id"]) | {"write_offs": None} == {
        "status": "Partially Paid", "balance_due": 70.0, "paid_percent": 30, "write_off_amount": 0.0,
        "billing_item_id": str(first.pk), "write_offs": None}
    # The same key again charges nothing more.
    assert pay_invoice(staff, rp, amount=Money.parse("30"), idempotency_key="inv-part-1").pk == first.pk
    assert BillingItem.objects.filter(requested_payment=rp).count() == 1

    written = data_of(gql(WRITE_OFF, {"input": {"requested_payment_id": made["id"], "amount": 20,
                                                "write_off_type": "FINANCIAL_HARDSHIP", "other_reason": "hardship"}},
                          key=keys["provider"]))["createWriteOff"]
    assert written["messages"] == []
    assert written["writeOff"]["requested_payment"] == {"id": made["id"], "status": "Partially Paid",
                                                        "balance_due": 50.0, "write_off_amount": 20.0}
    # More than the open balance is refused.
    too_much = data_of(gql(WRITE_OFF, {"input": {"requested_payment_id": made["id"], "amount": 60,
                                                 "write_off_type": "DISCOUNT"}},
                           key=keys["provider"]))["createWriteOff"]
    assert too_much["messages"] == [{"field": "amount", "code": "BAD_USER_INPUT",
                                     "message": "The amount is more than the invoice's open balance (50.00)."}]

    # The patient pays the rest themselves: paid.
    second = pay_invoice(Viewer(user=patient), rp, idempotency_key="inv-rest")
    assert second.amount_paid == Decimal("50.00")
    assert status_of(gql, keys["owner"], made["id"])["status"] == "Paid"
    assert RequestedPayment.objects.get(pk=rp.pk).paid_at is not None
    with pytest.raises(ValidationFailed, match="already paid"):
        pay_invoice(staff, rp, idempotency_key="inv-again")

    # A partial refund reopens it; removing the write-off moves the balance back.
    refund(stripe_account, second, "10.00")
    assert status_of(gql, keys["owner"], made["id"])["status"] == "Partially Paid"
    assert status_of(gql, keys["owner"], made["id"])["balance_due"] == 10.0
    removed = data_of(gql(DELETE_WRITE_OFF, {"input": {"id": written["writeOff"]["id"]}},
                          key=keys["provider"]))["deleteWriteOff"]
    assert removed["writeOff"]["requested_payment"] == {"status": "Partially Paid", "balance_due": 30.0}
    # Full refunds: nothing received, nothing written off.
    refund(stripe_account, first, "30.00")
    refund(stripe_account, second, "40.00")
    assert status_of(gql, keys["owner"], made["id"])["status"] == "Not Yet Paid"
    assert Event.objects.filter(event_type="requested_payment.updated", resource_id=made["id"]).exists()
    assert Event.objects.filter(event_type="billing_item.created").count() == 2


def test_write_off_of_everything_and_update(gql, world, keys):
    made = invoice(gql, keys["provider"], world.patients[0], price="40.00")
    written = data_of(gql(WRITE_OFF, {"input": {"requested_payment_id": made["id"], "amount": 40,
                                                "write_off_type": "UNCOLLECTABLE"}},
                          key=keys["owner"]))["createWriteOff"]
    assert written["writeOff"]["requested_payment"]["status"] == "Written Off"
    assert written["writeOff"]["write_off_type"] == "UNCOLLECTABLE"
    changed = data_of(gql(UPDATE_WRITE_OFF, {"input": {"id": written["writeOff"]["id"], "amount": 15.5}},
                          key=keys["owner"]))["updateWriteOff"]
    assert changed == {"writeOff": {"id": written["writeOff"]["id"], "amount": 15.5,
                                    "requested_payment": {"status": "Partially Paid"}}, "messages": []}
    bad = data_of(gql(UPDATE_WRITE_OFF, {"input": {"id": written["writeOff"]["id"], "amount": 1.234}},
                      key=keys["owner"]))["updateWriteOff"]
    assert bad["messages"] == [{"field": "amount", "message": "An amount of money has at most two decimal places."}]
    one = data_of(gql("query($id: ID!) { writeOff(id: $id) { id amount other_reason } }",
                      {"id": written["writeOff"]["id"]}, key=keys["patient"]))["writeOff"]
    assert one == {"id": written["writeOff"]["id"], "amount": 15.5, "other_reason": None}


def test_write_offs_inside_create_and_update_requested_payment(gql, world, keys):
    made = invoice(gql, keys["provider"], world.patients[0], price="60.00",
                   write_offs=[{"amount": 10, "write_off_type": "DISCOUNT"}])
    state = status_of(gql, keys["owner"], made["id"])
    assert (state["status"], state["balance_due"], len(state["write_offs"])) == ("Partially Paid", 50.0, 1)
    line = state["write_offs"][0]["id"]
    update = """mutation($input: updateRequestedPaymentInput) { updateRequestedPayment(input: $input) {
      requestedPayment { status balance_due write_offs { id amount } } messages { field message } } }"""
    result = data_of(gql(update, {"input": {"id": made["id"], "write_offs": [
        {"id": line, "amount": 10, "write_off_type": "DISCOUNT", "_destroy": True},
        {"amount": 60, "write_off_type": "BILLING_ERROR"}]}}, key=keys["owner"]))["updateRequestedPayment"]
    assert result["messages"] == []
    assert (result["requestedPayment"]["status"], result["requestedPayment"]["balance_due"]) == ("Written Off", 0.0)
    over = data_of(gql(update, {"input": {"id": made["id"], "write_offs": [
        {"amount": 1, "write_off_type": "OTHER"}]}}, key=keys["owner"]))["updateRequestedPayment"]
    assert over["messages"] == [{"field": "write_offs",
                                 "message": "Payments and write-offs together can't exceed the invoice's price."}]


def test_a_declined_invoice_payment_leaves_nothing_paid(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    store_card(stripe_account, stripe_client, patient, DECLINED_CARD)
    made = invoice(gql, keys["provider"], patient, price="25.00")
    rp = RequestedPayment.objects.get(pk=made["id"])
    with pytest.raises(gateway.PaymentDeclined) as caught:
        pay_invoice(Viewer(user=patient), rp, idempotency_key="declined-1")
    assert caught.value.code == ErrorCode.PAYMENT_DECLINED
    assert not BillingItem.objects.exists()
    assert status_of(gql, keys["owner"], made["id"])["status"] == "Not Yet Paid"


def test_write_offs_of_hidden_invoices_are_not_found(gql, world, keys, other_keys):
    made = invoice(gql, keys["provider"], world.patients[0], price="40.00")
    written = data_of(gql(WRITE_OFF, {"input": {"requested_payment_id": made["id"], "amount": 5,
                                                "write_off_type": "DISCOUNT"}}, key=keys["owner"]))["createWriteOff"]
    foreign = data_of(gql(WRITE_OFF, {"input": {"requested_payment_id": made["id"], "amount": 5,
                                                "write_off_type": "DISCOUNT"}}, key=other_keys["owner"]))
    assert foreign["createWriteOff"]["messages"][0] == {"field": "requested_payment_id", "code": "NOT_FOUND",
                                                        "message": "Requested payment not found."}
    gone = data_of(gql(DELETE_WRITE_OFF, {"input": {"id": written["writeOff"]["id"]}}, key=other_keys["owner"]))
    assert gone["deleteWriteOff"]["messages"] == [{"field": "id", "message": "Write off not found."}]
