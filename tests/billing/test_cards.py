"""Payment methods through GraphQL over HTTP: storing cards from Stripe.js tokens and SetupIntents,
labels and the default card, deleting (detached on Stripe), card issues, sdkConfig, and who may
see or touch whose cards."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from apps.accounts.models import OrganizationMembership
from apps.billing.models import BillingItem, StripeCustomer, StripeCustomerDetail
from apps.billing.services.accounts import stripe_account_connect
from tests import factories
from tests.billing.conftest import (
    ATTACH_DECLINED_CARD,
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    card_token,
)
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

OPS = pathlib.Path("/work/shared/acceptance/healthie_docs_operations")

CREATE = """mutation c($token: String, $card_type_label: String, $user_id: ID, $is_default: Boolean) {
  createStripeCustomerDetail(input: {token: $token, card_type_label: $card_type_label, user_id: $user_id,
                                     is_default: $is_default}) {
    stripe_customer_detail { id card_type card_type_label last_four is_default expiration source_type
                             stripe_id user_id user { id } }
    stripeError
    messages { field message code }
  }
}"""
CARDS = """query q($user_id: ID) { stripeCustomerDetails(user_id: $user_id) {
  id last_four is_default card_type_label cursor } }"""


def store(gql, key, client, user_id=None, number="4242424242424242", **extra):
    result = data_of(gql(CREATE, {"token": card_token(client, number), "user_id": user_id, **extra}, key=key))
    return result["createStripeCustomerDetail"]


def test_documented_operation_stores_a_card(gql, world, keys, stripe_account, stripe_client):
    document = (OPS / "3915_createStripeCustomerDetail.graphql").read_text()
    patient = world.patients[0]
    result = data_of(gql(document, {"token": card_token(stripe_client), "card_type_label": "personal",
                                    "user_id": str(patient.pk), "is_default": True}, key=keys["provider"]))
    payload = result["createStripeCustomerDetail"]
    assert payload["messages"] == []
    card = StripeCustomerDetail.objects.get(pk=payload["stripe_customer_detail"]["id"])
    assert (card.user_id, card.card_type, card.last_four, card.is_default) == (patient.pk, "Visa", "4242", True)
    customer = StripeCustomer.objects.get(user=patient).stripe_id
    sources = stripe_client.v1.customers.payment_sources.list(customer).data
    assert [s.id for s in sources] == [card.stripe_id]


def test_first_card_is_default_and_one_default_per_patient(gql, world, keys, stripe_account, stripe_client):
    first = store(gql, keys["patient"], stripe_client, card_type_label="hsa")
    assert first["messages"] == [] and first["stripe_customer_detail"]["is_default"] is True
    assert first["stripe_customer_detail"]["card_type_label"] == "hsa"
    second = store(gql, keys["patient"], stripe_client, number="5555555555554444")
    assert second["stripe_customer_detail"]["is_default"] is False
    third = store(gql, keys["patient"], stripe_client, number="4000056655665556", is_default=True)
    assert third["stripe_customer_detail"]["is_default"] is True
    listed = data_of(gql(CARDS, key=keys["patient"]))["stripeCustomerDetails"]
    assert [c["is_default"] for c in listed] == [True, False, False]
    assert listed[0]["id"] == third["stripe_customer_detail"]["id"]
    # Make the second the default through updateStripeCustomerDetail.
    update = """mutation u($id: ID) { updateStripeCustomerDetail(input: {id: $id, is_default: true,
      card_type_label: "fsa"}) { stripe_customer_detail { id is_default card_type_label } messages { field } } }"""
    result = data_of(gql(update, {"id": second["stripe_customer_detail"]["id"]}, key=keys["patient"]))
    assert result["updateStripeCustomerDetail"]["stripe_customer_detail"]["is_default"] is True
    assert StripeCustomerDetail.objects.filter(user=world.patients[0], is_default=True).count() == 1


def test_bad_label_token_and_bank_fields_are_messages(gql, world, keys, stripe_account, stripe_client):
    bad_label = store(gql, keys["patient"], stripe_client, card_type_label="business")
    assert bad_label["messages"][0]["field"] == "card_type_label"
    bad_token = data_of(gql(CREATE, {"token": "4242424242424242"}, key=keys["patient"]))
    assert bad_token["createStripeCustomerDetail"]["messages"][0]["field"] == "token"
    used = card_token(stripe_client)
    data_of(gql(CREATE, {"token": used}, key=keys["patient"]))
    again = data_of(gql(CREATE, {"token": "tok_doesnotexist"}, key=keys["patient"]))["createStripeCustomerDetail"]
    assert again["messages"][0]["field"] == "token" and again["stripe_customer_detail"] is None
    card = StripeCustomerDetail.objects.get(user=world.patients[0])
    bank = """mutation u($id: ID) { updateStripeCustomerDetail(input: {id: $id, first_microdeposit: "32"}) {
      messages { field message } } }"""
    messages = data_of(gql(bank, {"id": str(card.pk)}, key=keys["patient"]))["updateStripeCustomerDetail"]["messages"]
    assert messages[0]["field"] == "first_microdeposit" and "not available" in messages[0]["message"]
    assert StripeCustomerDetail.objects.filter(user=world.patients[0]).count() == 1


def test_card_refused_when_attached_is_a_decline(gql, world, keys, stripe_account, stripe_client):
    payload = store(gql, keys["patient"], stripe_client, number=ATTACH_DECLINED_CARD)
    assert payload["stripe_customer_detail"] is None
    assert payload["messages"][0]["field"] == "token"
    assert not StripeCustomerDetail.objects.filter(user=world.patients[0]).exists()


def test_delete_detaches_on_stripe_and_promotes_another_default(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    first = store(gql, keys["provider"], stripe_client, user_id=str(patient.pk))["stripe_customer_detail"]
    second = store(gql, keys["provider"], stripe_client, user_id=str(patient.pk),
                   number="5555555555554444")["stripe_customer_detail"]
    delete = """mutation d($card_id: ID, $user_id: ID) { deleteStripeCustomerDetail(input: {card_id: $card_id,
      user_id: $user_id}) { stripe_customer_detail { id } messages { field message } } }"""
    result = data_of(gql(delete, {"card_id": first["id"], "user_id": str(patient.pk)}, key=keys["provider"]))
    assert result["deleteStripeCustomerDetail"]["messages"] == []
    gone = StripeCustomerDetail.objects.get(pk=first["id"])
    assert gone.deleted_at is not None and not gone.is_default
    assert StripeCustomerDetail.objects.get(pk=second["id"]).is_default
    customer = StripeCustomer.objects.get(user=patient).stripe_id
    remaining = [s.id for s in stripe_client.v1.customers.payment_sources.list(customer).data]
    assert remaining == [second["stripe_id"]]
    listed = data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=keys["provider"]))["stripeCustomerDetails"]
    assert [c["id"] for c in listed] == [second["id"]]
    # Deleting again (or a missing id) is "not found".
    again = data_of(gql(delete, {"card_id": first["id"]}, key=keys["provider"]))["deleteStripeCustomerDetail"]
    assert again["messages"][0]["field"] == "card_id"


def test_setup_intent_then_store_its_payment_method(gql, world, keys, stripe_account, stripe_client):
    setup = """mutation s($k: String) { createSetupIntent(input: {stripe_idempotency_key: $k}) {
      intentClientSecret messages { field message } } }"""
    result = data_of(gql(setup, {"k": "setup-1"}, key=keys["patient"]))["createSetupIntent"]
    assert result["messages"] == [] and "_secret_" in result["intentClientSecret"]
    # The browser confirms the SetupIntent with Stripe.js; Stripe then holds a payment method.
    method = stripe_client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    payload = data_of(gql(CREATE, {"token": method.id}, key=keys["patient"]))["createStripeCustomerDetail"]
    assert payload["messages"] == []
    assert payload["stripe_customer_detail"]["stripe_id"] == method.id
    assert payload["stripe_customer_detail"]["last_four"] == "4242"
    member = data_of(gql(setup, {}, key=keys["provider"]))["createSetupIntent"]
    assert member["intentClientSecret"] is None and member["messages"]


def test_who_sees_and_manages_cards(gql, world, keys, other_world, other_keys, stripe_account, stripe_client):
    patient, other_patient = world.patients[0], world.patients[1]
    card = store(gql, keys["provider"], stripe_client, user_id=str(patient.pk))["stripe_customer_detail"]
    # Another patient cannot read or store cards for this patient.
    other_key = factories.api_key(other_patient)
    assert data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=other_key))["stripeCustomerDetails"] == []
    foreign = store(gql, other_key, stripe_client, user_id=str(patient.pk))
    assert foreign["messages"][0]["field"] == "user_id" and foreign["messages"][0]["code"] == "NOT_FOUND"
    # Another organization sees nothing and cannot delete it.
    assert data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=other_keys["owner"]))["stripeCustomerDetails"] == []
    delete = """mutation d($card_id: ID) { deleteStripeCustomerDetail(input: {card_id: $card_id}) {
      messages { field code } } }"""
    result = data_of(gql(delete, {"card_id": card["id"]}, key=other_keys["owner"]))["deleteStripeCustomerDetail"]
    assert result["messages"] == [{"field": "card_id", "code": "NOT_FOUND"}]
    # A member restricted to their own patients sees only theirs.
    restricted = factories.member(world.org, first_name="Rita")
    OrganizationMembership.objects.filter(user=restricted).update(can_see_all_clients=False)
    assert data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=factories.api_key(restricted)))[
        "stripeCustomerDetails"] == []
    # A member without can_charge_clients cannot store a card.
    OrganizationMembership.objects.filter(user=world.staff).update(can_charge_clients=False)
    refused = gql(CREATE, {"token": card_token(stripe_client), "user_id": str(patient.pk)}, key=keys["staff"])
    assert error_codes(refused) == ["FORBIDDEN"]
    # Responses never carry card numbers or keys.
    body = gql.raw(CARDS, {"user_id": str(patient.pk)}, key=keys["provider"]).content.decode()
    assert "4242424242424242" not in body and TEST_SECRET_KEY not in body


def test_card_issues_and_mark_seen(gql, world, keys, stripe_account, stripe_client):
    patient = world.patients[0]
    card = store(gql, keys["provider"], stripe_client, user_id=str(patient.pk))["stripe_customer_detail"]
    other = store(gql, keys["provider"], stripe_client, user_id=str(world.patients[1].pk))["stripe_customer_detail"]
    today = dt.date.today()
    StripeCustomerDetail.objects.filter(pk=card["id"]).update(exp_year=today.year, exp_month=today.month)
    issues = """query { cardIssues(sort_by: "expiration_date_asc") { id expiring_next_month user { id } } }"""
    listed = data_of(gql(issues, key=keys["provider"]))["cardIssues"]
    assert [c["id"] for c in listed] == [card["id"]]
    BillingItem.objects.create(organization=world.org, sender=world.patients[1], amount_paid="5.00",
                               state=BillingItem.FAILED, stripe_customer_detail_id=other["id"])
    assert {c["id"] for c in data_of(gql(issues, key=keys["provider"]))["cardIssues"]} == {card["id"], other["id"]}
    assert data_of(gql(issues, key=keys["patient"]))["cardIssues"] == []
    mark = """mutation { bulkUpdateCardIssues(input: {mark_all_as_seen: true}) { card_issues { id }
      messages { field } } }"""
    marked = data_of(gql(mark, key=keys["provider"]))["bulkUpdateCardIssues"]
    assert {c["id"] for c in marked["card_issues"]} == {card["id"], other["id"]}
    assert data_of(gql(issues, key=keys["provider"]))["cardIssues"] == []


def test_sdk_config_is_the_organizations_publishable_key(gql, world, keys, other_keys, stripe_base):
    query = "query { sdkConfig { stripe_publishable_key } }"
    assert data_of(gql(query, key=keys["patient"]))["sdkConfig"] == {"stripe_publishable_key": None}
    stripe_account_connect(world.org, secret_key=TEST_SECRET_KEY, publishable_key=TEST_PUBLISHABLE_KEY)
    assert data_of(gql(query, key=keys["patient"]))["sdkConfig"] == {"stripe_publishable_key": TEST_PUBLISHABLE_KEY}
    assert data_of(gql(query, key=other_keys["owner"]))["sdkConfig"] == {"stripe_publishable_key": None}


def test_cards_list_paginates_with_cursor_and_flat_sql(gql, world, keys, stripe_account, stripe_client,
                                                       count_queries):
    patient = world.patients[0]
    for number in ("4242424242424242", "5555555555554444", "4000056655665556"):
        store(gql, keys["provider"], stripe_client, user_id=str(patient.pk), number=number)
    query = """query q($user_id: ID, $after: String, $page_size: Int) { stripeCustomerDetails(user_id: $user_id,
      after: $after, page_size: $page_size) { id cursor user { id first_name } } }"""
    first = data_of(gql(query, {"user_id": str(patient.pk), "page_size": 2}, key=keys["provider"]))
    page = first["stripeCustomerDetails"]
    rest = data_of(gql(query, {"user_id": str(patient.pk), "after": page[-1]["cursor"]}, key=keys["provider"]))
    assert len(page) == 2 and len(rest["stripeCustomerDetails"]) == 1
    assert {c["user"]["id"] for c in page} == {str(patient.pk)}
    _, one = count_queries(lambda: gql(query, {"user_id": str(patient.pk), "page_size": 1}, key=keys["provider"]))
    _, three = count_queries(lambda: gql(query, {"user_id": str(patient.pk), "page_size": 3}, key=keys["provider"]))
    assert one == three


def test_billing_permissions_are_membership_flags(gql, world, keys, stripe_account, stripe_client):
    membership = OrganizationMembership.objects.get(user=world.staff)
    mutation = """mutation m($id: ID) { updateOrganizationMembership(input: {id: $id, can_charge_clients: false,
      can_see_billing: false}) { organizationMembership { can_charge_clients can_see_billing }
      messages { field message } } }"""
    result = data_of(gql(mutation, {"id": str(membership.pk)}, key=keys["owner"]))["updateOrganizationMembership"]
    assert result == {"organizationMembership": {"can_charge_clients": False, "can_see_billing": False},
                      "messages": []}
    patient = world.patients[0]
    refused = gql(CREATE, {"token": card_token(stripe_client), "user_id": str(patient.pk)}, key=keys["staff"])
    assert error_codes(refused) == ["FORBIDDEN"]
    store(gql, keys["owner"], stripe_client, user_id=str(patient.pk))
    assert data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=keys["staff"]))["stripeCustomerDetails"] == []
    assert len(data_of(gql(CARDS, {"user_id": str(patient.pk)}, key=keys["owner"]))["stripeCustomerDetails"]) == 1
