"""Fields that join packages to their payments: a purchase's and a recurring payment's billing
items, a package's payments, and the payment cancelRecurringPayment answers."""

from __future__ import annotations

import pytest

from apps.accounts.viewer import Viewer
from apps.billing.services.packages import purchase_offering
from tests.billing.packages_helpers import add_card, package
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

READ = """query ($user: ID!, $offering: ID, $n: Int) {
  userPackageSelections(user_id: $user, page_size: $n) { id billing_item { id amount_paid } }
  recurringPayments(user_id: $user, page_size: $n) { id last_billing_item { id amount_paid } }
  offeringBillingItems(offering_id: $offering) { id amount_paid sender { id } }
}"""
CANCEL = """mutation ($id: ID!) { cancelRecurringPayment(input: {billing_item_id: $id}) {
  billingItem { id } messages { field message } } }"""


def test_purchase_payments_are_linked_and_scoped(gql, world, keys, other_keys, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = package(world.org, "Monthly", "60", billing_frequency="Monthly", user=world.provider)
    item = purchase_offering(Viewer(user=world.provider), patient=patient, offering=offering)
    variables = {"user": str(patient.pk), "offering": str(offering.pk)}
    data = data_of(gql(READ, variables, key=keys["provider"]))
    paid = {"id": str(item.pk), "amount_paid": "60.00"}
    assert [s["billing_item"] for s in data["userPackageSelections"]] == [paid]
    assert [r["last_billing_item"] for r in data["recurringPayments"]] == [paid]
    assert data["offeringBillingItems"] == [{**paid, "sender": {"id": str(patient.pk)}}]
    # The patient sees their own; another organization sees none of it.
    own_read = READ.replace("  offeringBillingItems(offering_id: $offering) { id amount_paid sender { id } }\n", "")
    own = data_of(gql(own_read.replace("$offering: ID, ", ""), {"user": str(patient.pk)}, key=keys["patient"]))
    assert [s["billing_item"] for s in own["userPackageSelections"]] == [paid]
    foreign = gql(READ, variables, key=other_keys["owner"])
    assert "60.00" not in str(foreign)
    cancelled = data_of(gql(CANCEL, {"id": str(item.pk)}, key=keys["provider"]))["cancelRecurringPayment"]
    assert cancelled == {"billingItem": {"id": str(item.pk)}, "messages": []}


def test_linked_payments_sql_count_flat(gql, world, keys, stripe_account, stripe_client, count_queries):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    for index in range(5):
        purchase_offering(Viewer(user=world.owner), patient=patient,
                          offering=package(world.org, f"Plan {index}", "10", billing_frequency="Monthly"))
    variables = {"user": str(patient.pk), "offering": None}
    query = READ.replace("  offeringBillingItems(offering_id: $offering) { id amount_paid sender { id } }\n", "")
    query = query.replace("$offering: ID, ", "")
    variables.pop("offering")
    data_of(gql(query, {**variables, "n": 1}, key=keys["provider"]))  # warm per-process caches
    _, few = count_queries(lambda: data_of(gql(query, {**variables, "n": 2}, key=keys["provider"])))
    data, many = count_queries(lambda: data_of(gql(query, {**variables, "n": 5}, key=keys["provider"])))
    assert len(data["userPackageSelections"]) == 5 and all(s["billing_item"] for s in data["userPackageSelections"])
    assert few == many
