"""Invoices (RequestedPayment) over GraphQL: the documented operations with data, validation,
tenancy and permissions, filters and both paginations, e-mails, events and the Stripe account."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from apps.billing.models import Offering, RequestedPayment, StripeAccount
from apps.core.jobs.email import message_of
from apps.core.jobs.models import Job
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

DOCS = Path("/work/shared/acceptance/healthie_docs_operations")
CREATE = """mutation($input: createRequestedPaymentInput) { createRequestedPayment(input: $input) {
  requestedPayment { id invoice_id price status invoice_type details currency balance_due debt debt_decimal
    paid_percent notes services_provided is_preview offering_id recipient { id } sender { id }
    requested_payer { id name email address } date_to_show service_date }
  messages { field message code } } }"""
UPDATE = """mutation($input: updateRequestedPaymentInput) { updateRequestedPayment(input: $input) {
  requestedPayment { id price status is_manually_paid balance_due paid_at email_sent_at }
  requested_payment { id } messages { field message code } } }"""
ONE = "query($id: ID) { requestedPayment(id: $id) { id price status invoice_id } }"
LIST = """query($offset: Int, $after: String, $sort_by: String, $status_filter: String, $keywords: String,
  $only_unpaid: Boolean, $preview: Boolean, $sender_id: ID, $page_size: Int) {
  requestedPayments(offset: $offset, after: $after, sort_by: $sort_by, status_filter: $status_filter,
    keywords: $keywords, only_unpaid: $only_unpaid, preview: $preview, sender_id: $sender_id, page_size: $page_size) {
    id price status cursor recipient { id first_name } sender { id } write_offs { id amount } balance_due
    billing_item_id write_off_amount }
  requestedPaymentsCount(status_filter: $status_filter, keywords: $keywords, only_unpaid: $only_unpaid,
    preview: $preview, sender_id: $sender_id) }"""


def _doc(name: str) -> str:
    [path] = DOCS.glob(f"*_{name}.graphql")
    return path.read_text()


def offering(org, price="120.00", name="Wellness package") -> Offering:
    return Offering.objects.create(organization=org, name=name, price=Decimal(price))


def create(gql, key, **values) -> dict:
    return data_of(gql(CREATE, {"input": values}, key=key))["createRequestedPayment"]


def invoice(gql, key, patient, price="100.00", **values) -> dict:
    result = create(gql, key, recipient_id=str(patient.pk), invoice_type="other", price=price,
                    services_provided="Nutrition counseling", **values)
    assert result["messages"] == [], result
    return result["requestedPayment"]


# ---- the documented operations, run with data --------------------------------------------------


def test_documented_create_defaults_price_to_the_package(gql, world, keys):
    package = offering(world.org)
    patient = world.patients[0]
    result = data_of(gql(_doc("createRequestedPayment"), {"recipient_id": str(patient.pk),
                                                          "offering_id": str(package.pk),
                                                          "invoice_type": "offering"}, key=keys["provider"]))
    payload = result["createRequestedPayment"]
    assert payload["messages"] == []
    saved = RequestedPayment.objects.get(pk=payload["requestedPayment"]["id"])
    assert (saved.price, saved.status, saved.sender_id, saved.offering_id) == (
        Decimal("120.00"), "Not Yet Paid", world.provider.pk, package.pk)
    assert saved.offering_price_at_invoice_creation == Decimal("120.00")
    assert saved.details == "Package: Wellness package"
    assert Event.objects.filter(event_type="requested_payment.created", resource_id=str(saved.pk)).count() == 1
    # The patient is e-mailed the invoice.
    [job] = Job.objects.filter(kind="email", subject=f"requested_payment:{saved.pk}")
    assert patient.email in message_of(job)["to"] and saved.invoice_id in message_of(job)["subject"]


def test_documented_list_one_update_delete(gql, world, keys):
    patient = world.patients[0]
    made = invoice(gql, keys["provider"], patient, price="80.00")
    listed = data_of(gql(_doc("requestedPayments"), {"offset": 0, "keywords": "", "sort_by": "created_at_desc",
                                                     "only_unpaid": True, "sender_id": str(world.provider.pk),
                                                     "status_filter": "all", "preview": False},
                         key=keys["owner"]))["requestedPayments"]
    assert listed == [{"id": made["id"], "price": "80.00", "status": "Not Yet Paid", "invoice_id": made["invoice_id"],
                       "recipient": {"id": str(patient.pk)}, "sender": {"id": str(world.provider.pk)}}]
    one = data_of(gql(_doc("requestedPayment"), {"id": made["id"]}, key=keys["patient"]))["requestedPayment"]
    assert one["id"] == made["id"] and one["recipient"] == {"id": str(patient.pk)}
    updated = data_of(gql(_doc("updateRequestedPayment"), {"id": made["id"], "price": "90.00",
                                                           "send_request_email": True},
                          key=keys["provider"]))["updateRequestedPayment"]
    assert updated == {"requestedPayment": {"id": made["id"]}, "messages": []}
    saved = RequestedPayment.objects.get(pk=made["id"])
    assert saved.price == Decimal("90.00") and saved.email_sent_at is not None
    event = Event.objects.filter(event_type="requested_payment.updated").latest("id")
    assert set(event.changed_fields) >= {"price", "email_sent_at"}
    deleted = data_of(gql(_doc("deleteRequestedPayment"), {"id": made["id"]},
                          key=keys["provider"]))["deleteRequestedPayment"]
    assert deleted == {"requestedPayment": {"id": made["id"]}, "messages": []}
    assert RequestedPayment.objects.get(pk=made["id"]).deleted_at is not None
    gone = gql(ONE, {"id": made["id"]}, key=keys["provider"])
    assert gone["data"] == {"requestedPayment": None} and error_codes(gone) == ["NOT_FOUND"]


# ---- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("values,expected", [
    ({"invoice_type": "other", "price": "10"}, [("recipient_id", "Recipient can't be blank (send recipient_id, or "
                                                                 "requested_payer for a third-party payer)"),
                                                ("services_provided", "Services provided can't be blank for an "
                                                                      "invoice of type other")]),
    ({"price": "10", "services_provided": "x"}, [("invoice_type", "Invoice type can't be blank")]),
    ({"invoice_type": "other", "services_provided": "x", "price": "NaN"},
     [("price", "An amount of money must be a finite number.")]),
    ({"invoice_type": "other", "services_provided": "x", "price": "10.123"},
     [("price", "An amount of money has at most two decimal places.")]),
    ({"invoice_type": "other", "services_provided": "x", "price": "-5"}, [("price", "price must be more than zero.")]),
    ({"invoice_type": "other", "services_provided": "x"},
     [("price", "Price can't be blank (it is required unless the invoice is for a package)")]),
    ({"invoice_type": "offering", "price": "10"}, [("offering_id", "An invoice for a package needs offering_id.")]),
    ({"invoice_type": "cms1500", "price": "10"},
     [("invoice_type", "Invoicing a CMS 1500 is not available: insurance billing is not part of this product.")]),
    ({"invoice_type": "other", "services_provided": "x", "price": "10", "status": "Partially Paid"},
     [("status", "status can be set to \"Paid\" (paid outside the platform) or \"Not Yet Paid\"; the other "
                 "statuses follow the invoice's payments and write-offs.")]),
])
def test_bad_input_is_a_message_and_writes_nothing(gql, world, keys, values, expected):
    values = {"recipient_id": str(world.patients[0].pk), **values} if "recipient_id" not in str(expected) else values
    result = create(gql, keys["provider"], **values)
    assert result["requestedPayment"] is None
    assert [(m["field"], m["message"]) for m in result["messages"]] == expected
    assert not RequestedPayment.objects.exists()
    assert not Event.objects.filter(event_type__startswith="requested").exists()


def test_unknown_or_foreign_ids_are_not_found(gql, world, keys, other_world):
    foreign_patient = other_world.patients[0]
    foreign_offering = offering(other_world.org)
    cases = [({"recipient_id": str(foreign_patient.pk), "invoice_type": "other", "price": "1",
               "services_provided": "x"}, "recipient_id", "Patient not found."),
             ({"recipient_id": str(world.patients[0].pk), "invoice_type": "offering",
               "offering_id": str(foreign_offering.pk)}, "offering_id", "Offering not found."),
             ({"recipient_id": str(world.patients[0].pk), "invoice_type": "other", "price": "1",
               "services_provided": "x", "sender_id": str(other_world.provider.pk)}, "sender_id", "Sender not found.")]
    for values, field, message in cases:
        result = create(gql, keys["provider"], **values)
        assert [(m["field"], m["message"], m["code"]) for m in result["messages"]] == [(field, message, "NOT_FOUND")]
    assert not RequestedPayment.objects.exists()


def test_invoice_numbers_are_unique_per_organization(gql, world, keys, other_world, other_keys):
    numbers = {invoice(gql, keys["provider"], world.patients[0])["invoice_id"] for _ in range(3)}
    numbers.add(invoice(gql, other_keys["owner"], other_world.patients[0])["invoice_id"])
    assert len(numbers) == 4
    assert RequestedPayment.objects.filter(organization=world.org).values("invoice_id").distinct().count() == 3


# ---- tenancy and permissions ----------------------------------------------------------------------


def test_patients_see_only_their_own_invoices_and_never_previews(gql, world, keys):
    mine = invoice(gql, keys["provider"], world.patients[0])
    theirs = invoice(gql, keys["provider"], world.patients[1])
    invoice(gql, keys["provider"], world.patients[0], is_preview=True)
    listed = data_of(gql(LIST, {}, key=keys["patient"]))
    assert [r["id"] for r in listed["requestedPayments"]] == [mine["id"]]
    assert listed["requestedPaymentsCount"] == 1
    hidden = gql(ONE, {"id": theirs["id"]}, key=keys["patient"])
    assert hidden["data"] == {"requestedPayment": None} and error_codes(hidden) == ["NOT_FOUND"]
    # Patients cannot invoice or change invoices.
    refused = gql(UPDATE, {"input": {"id": mine["id"], "is_manually_paid": True}}, key=keys["patient"])
    assert error_codes(refused) == ["FORBIDDEN"]


def test_other_organization_and_restricted_member_see_nothing(gql, world, keys, other_keys):
    made = invoice(gql, keys["provider"], world.patients[0])
    restricted = factories.member(world.org, can_see_all_clients=False)
    restricted_key = factories.api_key(restricted)
    for key in (other_keys["owner"], other_keys["patient"], restricted_key):
        one = gql(ONE, {"id": made["id"]}, key=key)
        assert one["data"] == {"requestedPayment": None} and error_codes(one) == ["NOT_FOUND"]
        assert data_of(gql(LIST, {}, key=key))["requestedPaymentsCount"] == 0
    changed = data_of(gql(UPDATE, {"input": {"id": made["id"], "price": "1.00"}},
                          key=other_keys["owner"]))["updateRequestedPayment"]
    assert changed["messages"] == [{"field": "id", "message": "Requested payment not found.", "code": "NOT_FOUND"}]
    # The restricted member sees (and invoices) their own patients only.
    own = factories.patient(world.org, provider=restricted)
    result = create(gql, restricted_key, recipient_id=str(world.patients[0].pk), invoice_type="other", price="5",
                    services_provided="x")
    assert result["messages"][0]["code"] == "NOT_FOUND"
    made_own = invoice(gql, restricted_key, own)
    assert [r["id"] for r in data_of(gql(LIST, {}, key=restricted_key))["requestedPayments"]] == [made_own["id"]]
    assert RequestedPayment.objects.get(pk=made["id"]).price == Decimal("100.00")


def test_members_without_can_charge_clients_cannot_invoice(gql, world):
    member = factories.member(world.org, can_charge_clients=False)
    refused = gql(CREATE, {"input": {"recipient_id": str(world.patients[0].pk), "invoice_type": "other",
                                     "price": "5", "services_provided": "x"}}, key=factories.api_key(member))
    assert error_codes(refused) == ["FORBIDDEN"]
    assert not RequestedPayment.objects.exists()


def test_third_party_payer_opens_its_invoice_without_an_account(gql, world, keys):
    made = create(gql, keys["provider"], invoice_type="other", price="250.00", services_provided="Wellness program",
                  requested_payer={"name": "Acme Corp", "email": "billing@acme.example", "address": "1 Main St"})
    assert made["messages"] == []
    payer = made["requestedPayment"]["requested_payer"]
    assert payer["name"] == "Acme Corp" and made["requestedPayment"]["recipient"] is None
    saved = RequestedPayment.objects.get(pk=made["requestedPayment"]["id"])
    [job] = Job.objects.filter(kind="email", subject=f"requested_payment:{saved.pk}")
    assert message_of(job)["to"] == ["billing@acme.example"] and saved.requested_payer.uuid in message_of(job)["body"]
    query = ("query($invoice_id: String, $uuid: String) { requestedPayment(invoice_id: $invoice_id, uuid: $uuid) "
             "{ id price requested_payer { name } } }")
    opened = data_of(gql(query, {"invoice_id": saved.invoice_id, "uuid": saved.requested_payer.uuid}))
    assert opened["requestedPayment"] == {"id": str(saved.pk), "price": "250.00",
                                          "requested_payer": {"name": "Acme Corp"}}
    wrong = gql(query, {"invoice_id": saved.invoice_id, "uuid": "not-the-uuid"})
    assert wrong["data"] == {"requestedPayment": None} and error_codes(wrong) == ["NOT_FOUND"]
    by_id = gql(ONE, {"id": str(saved.pk)})
    assert by_id["data"] == {"requestedPayment": None} and error_codes(by_id) == ["NOT_FOUND"]
    # Anonymous callers get nothing else.
    assert error_codes(gql(LIST, {})) == ["UNAUTHENTICATED"]


# ---- lists -------------------------------------------------------------------------------------------


def test_filters_sorts_offset_and_cursor(gql, world, keys):
    a = invoice(gql, keys["provider"], world.patients[0], price="10.00")
    b = invoice(gql, keys["owner"], world.patients[1], price="30.00")
    c = invoice(gql, keys["provider"], world.patients[2], price="20.00")
    data_of(gql(UPDATE, {"input": {"id": b["id"], "is_manually_paid": True}}, key=keys["owner"]))

    def ids(**variables):
        return [r["id"] for r in data_of(gql(LIST, variables, key=keys["owner"]))["requestedPayments"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(sort_by="price_asc") == [a["id"], c["id"], b["id"]]
    assert ids(status_filter="paid") == [b["id"]]
    assert ids(status_filter="Paid") == [b["id"]]
    assert ids(only_unpaid=True) == [c["id"], a["id"]]
    assert ids(sender_id=str(world.owner.pk)) == [b["id"]]
    assert ids(keywords=world.patients[2].first_name) == [c["id"]]
    assert ids(offset=1, page_size=1) == [b["id"]]
    first = data_of(gql(LIST, {"page_size": 2, "sort_by": "price_desc"}, key=keys["owner"]))["requestedPayments"]
    assert [r["id"] for r in first] == [b["id"], c["id"]]
    assert ids(after=first[-1]["cursor"], sort_by="price_desc") == [a["id"]]
    bad = gql(LIST, {"status_filter": "nope"}, key=keys["owner"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    ordered = data_of(gql("{ requestedPayments(order_by: BALANCE_DUE_DESC) { id balance_due } }",
                          key=keys["owner"]))["requestedPayments"]
    assert [r["id"] for r in ordered] == [c["id"], a["id"], b["id"]]


def test_list_sql_count_is_flat(gql, world, keys, count_queries):
    for n in range(2):
        invoice(gql, keys["provider"], world.patients[n % 3])
    data_of(gql(LIST, {}, key=keys["owner"]))
    _, few = count_queries(lambda: data_of(gql(LIST, {}, key=keys["owner"])))
    for n in range(8):
        made = invoice(gql, keys["provider"], world.patients[n % 3])
        data_of(gql("mutation($input: createWriteOffInput) { createWriteOff(input: $input) { messages { field } } }",
                    {"input": {"requested_payment_id": made["id"], "amount": 5, "write_off_type": "DISCOUNT"}},
                    key=keys["owner"]))
    data_of(gql(LIST, {}, key=keys["owner"]))  # the same warm caches (API key, membership) as the first count
    result, many = count_queries(lambda: data_of(gql(LIST, {}, key=keys["owner"])))
    assert len(result["requestedPayments"]) == 10
    assert many == few


# ---- updates ---------------------------------------------------------------------------------------------


def test_manual_payment_price_changes_and_receipts(gql, world, keys):
    made = invoice(gql, keys["provider"], world.patients[0], price="50.00")
    paid = data_of(gql(UPDATE, {"input": {"id": made["id"], "status": "Paid"}},
                       key=keys["provider"]))["updateRequestedPayment"]
    assert paid["requestedPayment"]["status"] == "Paid" and paid["requestedPayment"]["paid_at"]
    assert paid["requestedPayment"]["balance_due"] == 0
    back = data_of(gql(UPDATE, {"input": {"id": made["id"], "is_manually_paid": False}},
                       key=keys["provider"]))["updateRequestedPayment"]["requestedPayment"]
    assert (back["status"], back["paid_at"]) == ("Not Yet Paid", None)
    receipt = data_of(gql(UPDATE, {"input": {"id": made["id"], "resend_receipt": True}},
                          key=keys["provider"]))["updateRequestedPayment"]
    assert receipt["messages"] == [{"field": "resend_receipt", "message": "This invoice has no payment to send a "
                                                                          "receipt for.", "code": "BAD_USER_INPUT"}]


def test_preview_invoices_are_listed_only_with_preview(gql, world, keys):
    made = invoice(gql, keys["provider"], world.patients[0], is_preview=True)
    assert not Job.objects.filter(kind="email", subject=f"requested_payment:{made['id']}").exists()
    assert data_of(gql(LIST, {}, key=keys["owner"]))["requestedPaymentsCount"] == 0
    assert [r["id"] for r in data_of(gql(LIST, {"preview": True}, key=keys["owner"]))["requestedPayments"]] == [
        made["id"]]
    query = "query($id: ID, $p: Boolean) { requestedPayment(id: $id, preview: $p) { id is_preview } }"
    assert data_of(gql(query, {"id": made["id"], "p": True}, key=keys["owner"]))["requestedPayment"]["is_preview"]
    assert error_codes(gql(query, {"id": made["id"], "p": False}, key=keys["owner"])) == ["NOT_FOUND"]


# ---- other invoice queries -----------------------------------------------------------------------------


def test_base_price_sender_visibility_and_unavailable_fields(gql, world, keys):
    package = offering(world.org, price="75.50")
    restricted = factories.member(world.org, can_see_all_clients=False)
    query = """query($o: ID, $s: ID!, $r: ID!, $s2: ID!) {
      invoiceBasePrice(offering_id: $o)
      yes: canInvoiceSenderSeeRecipient(sender_id: $s, recipient_id: $r)
      no: canInvoiceSenderSeeRecipient(sender_id: $s2, recipient_id: $r)
      invoiceTemplates { id } receiptLineItems { id }
      newClientPriceString(new_client_num: 3) newOrganizationPriceString(new_provider_num: 2)
      newOrganizationSupportPriceString(new_support_num: 1) }"""
    result = data_of(gql(query, {"o": str(package.pk), "s": str(world.provider.pk), "r": str(world.patients[0].pk),
                                 "s2": str(restricted.pk)}, key=keys["owner"]))
    assert result == {"invoiceBasePrice": "75.50", "yes": True, "no": False, "invoiceTemplates": [],
                      "receiptLineItems": [], "newClientPriceString": None, "newOrganizationPriceString": None,
                      "newOrganizationSupportPriceString": None}


def test_payout_accounts_and_transfers_from_stripe(gql, world, keys, stripe_account, stripe_client):
    query = """{ payoutAccounts { id name uuid } }"""
    [account] = data_of(gql(query, key=keys["owner"]))["payoutAccounts"]
    assert account["id"] == str(StripeAccount.objects.get(organization=world.org).pk)
    assert account["name"] == world.org.name
    payout = stripe_client.v1.payouts.create({"amount": 12345, "currency": "eur"})
    transfers = """query($id: ID) { transfers(payout_account_id: $id, limit: 100) { id amount currency status
      expected_to_happen initiated } paginate_transfers(payout_account_id: $id, limit: 100) }"""
    result = data_of(gql(transfers, {"id": account["id"]}, key=keys["owner"]))
    mine = [t for t in result["transfers"] if t["id"] == payout.id]
    assert mine == [{"id": payout.id, "amount": "123.45", "currency": "EUR", "status": payout.status,
                     "expected_to_happen": mine[0]["expected_to_happen"], "initiated": mine[0]["initiated"]}]
    assert mine[0]["expected_to_happen"] and result["paginate_transfers"] is False
    wrong = gql(transfers, {"id": "999999"}, key=keys["owner"])
    assert set(error_codes(wrong)) == {"NOT_FOUND"}
    # Patients never see the organization's Stripe account.
    assert error_codes(gql(query, key=keys["patient"])) == ["FORBIDDEN"]


def test_company_and_bank_account_read_from_stripe(gql, world, keys, stripe_account, monkeypatch):
    from apps.billing import gateway

    calls = []
    account_json = {
        "id": "acct_1", "object": "account", "business_type": "company",
        "company": {"name": "Sunrise PACE LLC", "phone": "+15555550100", "tax_id_provided": True,
                    "directors_provided": True, "executives_provided": False, "owners_provided": True,
                    "address": {"city": "Boston", "country": "US", "line1": "1 Main St", "line2": None,
                                "postal_code": "02110", "state": "MA"},
                    "verification": {"document": {"details": None, "details_code": None}}},
        "requirements": {"disabled_reason": None},
        "external_accounts": {"data": [{"id": "ba_1", "object": "bank_account", "account_holder_name": "Sunrise",
                                        "account_holder_type": "company", "last4": "6789",
                                        "routing_number": "110000000", "currency": "usd", "country": "US",
                                        "default_for_currency": True}]},
    }

    def recorded(account):
        calls.append(account.organization_id)
        return account_json

    monkeypatch.setattr(gateway, "retrieve_account", recorded)
    query = """{ stripeCompany { name phone tax_id_provided owners_provided address { city line1 postal_code } }
      stripeBankAccount { id accounts_number_last_4 routing_number_last_4 currency account_holder_type city } }"""
    result = data_of(gql(query, key=keys["owner"]))
    assert result["stripeCompany"] == {"name": "Sunrise PACE LLC", "phone": "+15555550100", "tax_id_provided": True,
                                       "owners_provided": True,
                                       "address": {"city": "Boston", "line1": "1 Main St", "postal_code": "02110"}}
    assert result["stripeBankAccount"] == {"id": "ba_1", "accounts_number_last_4": "6789",
                                           "routing_number_last_4": "0000", "currency": "USD",
                                           "account_holder_type": "company", "city": "Boston"}
    assert calls == [world.org.pk, world.org.pk]
    assert set(error_codes(gql(query, key=keys["provider"]))) == {"FORBIDDEN"}
    verify = data_of(gql("""mutation { updateStripeVerificationDetails(input: {first_name: "Olive"}) {
      user { id } messages { field message } } }""", key=keys["owner"]))["updateStripeVerificationDetails"]
    assert verify["user"] is None and "Stripe dashboard" in verify["messages"][0]["message"]


def test_stripe_queries_without_an_account_answer_empty(gql, world, keys):
    query = ("{ payoutAccounts { id } transfers { id } stripeCompany { name } stripeBankAccount { id } "
             "stripeCountries { country_code } }")
    assert data_of(gql(query, key=keys["owner"])) == {"payoutAccounts": [], "transfers": [], "stripeCompany": None,
                                                     "stripeBankAccount": None, "stripeCountries": []}


def test_monthly_billing_items_data(gql, world, keys):
    import datetime as dt

    from apps.billing.models import BillingItem
    from apps.core.timefmt import now

    patient, other = world.patients[0], world.patients[1]
    BillingItem.objects.create(organization=world.org, sender=patient, recipient=world.provider,
                               amount_paid=Decimal("100.00"), refund_amount=Decimal("25.00"))
    BillingItem.objects.create(organization=world.org, sender=other, recipient=world.owner,
                               amount_paid=Decimal("40.00"))
    old = BillingItem.objects.create(organization=world.org, sender=patient, recipient=world.provider,
                                     amount_paid=Decimal("10.00"))
    BillingItem.objects.filter(pk=old.pk).update(created_at=now() - dt.timedelta(days=40))
    BillingItem.objects.create(organization=world.org, sender=patient, recipient=world.provider,
                               amount_paid=Decimal("999.00"), state=BillingItem.FAILED)
    query = "query($g: Boolean, $o: Boolean) { monthlyBillingItemsData(gross: $g, org_level: $o) { month amount } }"

    def months(key, **variables):
        rows = data_of(gql(query, variables, key=key))["monthlyBillingItemsData"]
        assert len(rows) == 12 and rows[-1]["month"] == now().strftime("%Y-%m")
        return [r["amount"] for r in rows]

    assert months(keys["provider"])[-1] == 75
    assert months(keys["provider"], g=True)[-1] == 100
    assert months(keys["owner"], o=True)[-1] == 115
    assert months(keys["patient"])[-1] == 75
    assert sum(months(keys["patient"])) == 85


def test_stripe_countries_read_from_stripe(gql, world, keys, stripe_account, monkeypatch):
    from apps.billing import gateway

    specs = [{"id": "US", "object": "country_spec", "default_currency": "usd",
              "supported_bank_account_currencies": {"usd": ["US"]}},
             {"id": "FR", "object": "country_spec", "default_currency": "eur",
              "supported_bank_account_currencies": {"eur": ["FR"], "gbp": ["FR"]}}]
    monkeypatch.setattr(gateway, "list_country_specs", lambda account: specs)
    monkeypatch.setattr(gateway, "retrieve_country_spec",
                        lambda account, code: next(s for s in specs if s["id"] == code))
    query = """{ stripeCountries { country_code currency accepted_currencies name }
      stripeCountry(country_code: "fr") { country_code accepted_currencies } }"""
    result = data_of(gql(query, key=keys["provider"]))
    assert result["stripeCountries"] == [
        {"country_code": "US", "currency": "usd", "accepted_currencies": ["usd"], "name": None},
        {"country_code": "FR", "currency": "eur", "accepted_currencies": ["eur", "gbp"], "name": None}]
    assert result["stripeCountry"] == {"country_code": "FR", "accepted_currencies": ["eur", "gbp"]}
    bad = gql('{ stripeCountry(country_code: "France") { name } }', key=keys["provider"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
