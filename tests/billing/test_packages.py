"""Packages (Offering): the documented operations with data, validation, visibility, tenancy,
buying one (charge, credits, recurring payment) and SQL counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.models import OrganizationMembership, UserGroup
from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import (
    BillingItem,
    Offering,
    OfferingCoupon,
    OfferingInclude,
    Product,
    RecurringPayment,
    UserPackageSelection,
)
from apps.billing.services.packages import purchase_offering
from apps.core.errors import NotFound, ValidationFailed
from apps.scheduling.booking_warnings import credit_balances
from apps.scheduling.models import AppointmentTypeCredit
from tests.accounts.conftest import documented_operation
from tests.billing.conftest import DECLINED_CARD
from tests.billing.packages_helpers import add_card, appointment_type, charges_of, package
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

OFFERING_FIELDS = """
query ($id: ID) { offering(id: $id) {
  id name price currency billing_frequency first_time_payment initial_payment_amount initial_price_with_taxes
  frequency_times_string abbreviated_frequency_times_string repeat_times archived visibility_status
  offering_includes_count user_package_selections_count billing_items_count under_purchase_cap max_purchases
  offering_product_taxes total_revenue user_pays course_id offering_courses { id } meal_plan_options { id }
  offering_image { id } user { id }
  offering_includes { id quantity is_repeating appointment_type { id name clients_can_book } }
  offering_group_visibilities { id name user_group_id offering_id }
  offering_products { id price taxable tax_amount product { id name } }
} }"""


def test_documented_get_offering_with_data(gql, world, keys):
    consult = appointment_type(world.org)
    follow_up = appointment_type(world.org, "Follow-up Session")
    offering = package(world.org, "Example Package", "100", billing_frequency="Weekly", user=world.provider,
                       includes=[(consult, 1, True), (follow_up, 3, True)])
    result = data_of(gql(documented_operation("4306_getOffernig.graphql"), {"id": str(offering.pk)},
                         key=keys["provider"]))
    assert result == {"offering": {"id": str(offering.pk), "name": "Example Package", "billing_frequency": "Weekly",
                                   "currency": "USD", "price": "100.00", "initial_payment_amount": "100.00",
                                   "initial_price_with_taxes": "100.00"}}
    full = data_of(gql(OFFERING_FIELDS, {"id": str(offering.pk)}, key=keys["provider"]))["offering"]
    assert full["frequency_times_string"] == "a week"
    assert [(i["quantity"], i["is_repeating"], i["appointment_type"]["name"]) for i in full["offering_includes"]] == [
        ("1", True, "Initial Consultation"), ("3", True, "Follow-up Session")]
    assert full["offering_includes_count"] == 2 and full["user_package_selections_count"] == 0
    assert full["under_purchase_cap"] is True and full["user_pays"] is True
    assert (full["course_id"], full["offering_courses"], full["meal_plan_options"], full["offering_image"]) == (
        None, [], [], None)
    assert full["user"] == {"id": str(world.provider.pk)}


def test_initial_price_with_taxes_counts_taxable_products(gql, world, keys):
    offering = package(world.org, "Supplements", "80", first_time_payment=Decimal("50"))
    taxed = Product.objects.create(organization=world.org, name="Protein", price=Decimal("20"), taxable=True,
                                   tax_rate=Decimal("8.5"))
    untaxed = Product.objects.create(organization=world.org, name="Guide", price=Decimal("10"))
    offering.products.add(taxed, untaxed)
    full = data_of(gql(OFFERING_FIELDS, {"id": str(offering.pk)}, key=keys["owner"]))["offering"]
    assert full["first_time_payment"] == "50.00" and full["initial_payment_amount"] == "50.00"
    assert full["initial_price_with_taxes"] == "51.70"  # 50 + 8.5 % of 20
    assert full["offering_product_taxes"] == 1.7
    assert [(p["product"]["name"], p["taxable"], p["tax_amount"]) for p in full["offering_products"]] == [
        ("Protein", True, "1.70"), ("Guide", False, "0.00")]


def test_documented_create_update_copy_delete(gql, world, keys):
    consult = appointment_type(world.org)
    created = data_of(gql(documented_operation("4328_createOffering.graphql"), {
        "name": "Monthly coaching", "price": "120.50", "billing_frequency": "Monthly",
        "offering_includes": [{"appointment_type_id": str(consult.pk), "quantity": "2", "is_repeating": True}],
        "first_time_payment": "60", "visibility_status": "visible", "charge_immediately": True,
        "course_ids": None}, key=keys["provider"]))["createOffering"]
    assert created["messages"] == []
    offering = Offering.objects.get(pk=created["offering"]["id"])
    assert (offering.name, offering.price, offering.first_time_payment, offering.billing_frequency) == (
        "Monthly coaching", Decimal("120.50"), Decimal("60.00"), "Monthly")
    assert offering.organization_id == world.org.pk and offering.user_id == world.provider.pk
    assert offering.show_offering is True
    include = offering.offering_includes.get()
    assert (include.appointment_type_id, include.quantity, include.is_repeating) == (consult.pk, 2, True)

    # The documented update sends no id: it names no package.
    missing = data_of(gql(documented_operation("4384_updateOffering.graphql"), {"name": "Renamed"},
                          key=keys["provider"]))["updateOffering"]
    assert missing == {"offering": None, "messages": [{"field": "id", "message": "Package not found."}]}
    update = documented_operation("4384_updateOffering.graphql").replace(
        "$name: String,", "$id: ID, $archived: Boolean, $name: String,", 1).replace(
        "input: {", "input: { id: $id, archived: $archived,", 1)
    updated = data_of(gql(update, {"id": str(offering.pk), "name": "Renamed", "archived": True, "price": "99",
                                   "offering_includes": []}, key=keys["provider"]))["updateOffering"]
    assert updated == {"offering": {"id": str(offering.pk)}, "messages": []}
    offering.refresh_from_db()
    assert (offering.name, offering.archived, offering.price) == ("Renamed", True, Decimal("99.00"))
    assert not offering.offering_includes.exists()  # the list sent is the whole list

    copied = data_of(gql(documented_operation("4434_copyOffering.graphql"), {"id": str(offering.pk)},
                         key=keys["owner"]))["copyOffering"]
    assert copied["messages"] == []
    copy = Offering.objects.get(pk=copied["offering"]["id"])
    assert (copy.name, copy.price, copy.archived, copy.copied_from_id) == (
        "Renamed (copy)", Decimal("99.00"), False, offering.pk)

    deleted = data_of(gql(documented_operation("4457_deleteOffering.graphql"), {"id": str(offering.pk)},
                          key=keys["provider"]))["deleteOffering"]
    assert deleted == {"offering": {"id": str(offering.pk)}, "messages": []}
    offering.refresh_from_db()
    assert offering.deleted_at is not None
    again = data_of(gql(documented_operation("4457_deleteOffering.graphql"), {"id": str(offering.pk)},
                        key=keys["provider"]))["deleteOffering"]
    assert again["messages"] == [{"field": "id", "message": "Package not found."}]


CREATE = """mutation ($input: createOfferingInput!) { createOffering(input: $input) {
  offering { id } messages { field message code } } }"""


@pytest.mark.parametrize(("values", "field", "fragment"), [
    ({"price": "10.005"}, "price", "at most two decimal places"),
    ({"price": "NaN"}, "price", "finite"),
    ({"price": "1e30"}, "price", "not accepted"),
    ({"price": "5000000000"}, "price", "at most"),
    ({"price": "0.10"}, "price", "at least 0.50"),
    ({"price": "-1"}, "price", "negative"),
    ({"billing_frequency": "Fortnightly"}, "billing_frequency", "must be one of"),
    ({"billing_frequency": "One-Time", "repeat_times": 3}, "repeat_times", "recurring frequency"),
    ({"visibility_status": "public"}, "visibility_status", "must be one of"),
    ({"max_purchases": "lots"}, "max_purchases", "whole number"),
    ({"course_ids": "1,2"}, "course_ids", "not available"),
    ({"name": "  "}, "name", "can't be blank"),
    ({"visibility_status": "visible_to_groups"}, "user_group_ids", "at least one group"),
])
def test_create_offering_refuses_bad_input(gql, world, keys, values, field, fragment):
    payload = {"name": "Plan", "price": "10", **values}
    result = data_of(gql(CREATE, {"input": payload}, key=keys["provider"]))["createOffering"]
    assert result["offering"] is None
    assert [m["field"] for m in result["messages"]] == [field], result["messages"]
    assert fragment in result["messages"][0]["message"]
    assert not Offering.objects.exists()


def test_includes_of_another_organization_are_not_found(gql, world, keys, other_world):
    foreign = appointment_type(other_world.org)
    result = data_of(gql(CREATE, {"input": {"name": "Plan", "price": "10", "offering_includes": [
        {"appointment_type_id": str(foreign.pk), "quantity": "1"}]}}, key=keys["provider"]))["createOffering"]
    assert result["messages"] == [{"field": "offering_includes[0].appointment_type_id",
                                   "message": "Appointment type not found.", "code": "NOT_FOUND"}]
    assert not Offering.objects.exists() and not OfferingInclude.objects.exists()


def test_patients_and_members_without_permission_cannot_edit(gql, world, keys):
    refused = gql(CREATE, {"input": {"name": "Plan", "price": "10"}}, key=keys["patient"])
    assert error_codes(refused) == ["FORBIDDEN"]
    OrganizationMembership.objects.filter(user=world.staff).update(can_edit_packages=False)
    assert error_codes(gql(CREATE, {"input": {"name": "Plan", "price": "10"}}, key=keys["staff"])) == ["FORBIDDEN"]
    assert not Offering.objects.exists()


def test_other_organization_offering_is_not_found(gql, world, keys, other_world, other_keys):
    offering = package(other_world.org, visibility_status="visible")
    result = gql(documented_operation("4306_getOffernig.graphql"), {"id": str(offering.pk)}, key=keys["owner"])
    assert result["data"] == {"offering": None} and error_codes(result) == ["NOT_FOUND"]
    for name in ("4434_copyOffering.graphql", "4457_deleteOffering.graphql"):
        payload = data_of(gql(documented_operation(name), {"id": str(offering.pk)}, key=keys["owner"]))
        assert next(iter(payload.values()))["messages"] == [{"field": "id", "message": "Package not found."}]
    offering.refresh_from_db()
    assert offering.deleted_at is None


def test_documented_offerings_filters(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="Diabetes")
    public = package(world.org, "Public plan", "30", visibility_status="visible", row_order=2)
    grouped = package(world.org, "Group plan", "20", visibility_status="visible_to_groups", row_order=1)
    grouped.user_groups.add(group)
    hidden = package(world.org, "Hidden plan", "10", row_order=0, user=world.provider)
    archived = package(world.org, "Old plan", "40", archived=True, visibility_status="visible")
    query = documented_operation("4480_getOfferings.graphql")

    def names(variables, key="provider"):
        return [o["name"] for o in data_of(gql(query, variables, key=keys[key]))["offerings"]]

    assert names({}) == ["Hidden plan", "Group plan", "Public plan"]  # set order
    assert names({"sort_by": "price_desc"}) == ["Public plan", "Group plan", "Hidden plan"]
    assert names({"keywords": "group"}) == ["Group plan"]
    assert names({"keywords": "30"}) == ["Public plan"]
    assert names({"status": "archived"}) == ["Old plan"]
    assert names({"show_only_visible": True}) == ["Public plan"]
    assert names({"client_visibility": "hidden"}) == ["Hidden plan"]
    assert names({"offering_user_group_id": str(group.pk)}) == ["Group plan"]
    assert names({"offering_ids": [str(public.pk), str(hidden.pk)]}) == ["Hidden plan", "Public plan"]
    assert names({"offering_id": str(archived.pk), "status": "archived"}) == ["Old plan"]
    assert names({"provider_id": str(world.provider.pk)}) == ["Hidden plan"]
    assert names({"offset": 1, "should_paginate": True}) == ["Group plan", "Public plan"]

    # A client sees what is offered to everyone, and to their own group.
    assert names({}, "patient") == ["Public plan"]
    world.patients[0].user_group = group
    world.patients[0].save()
    assert names({}, "patient") == ["Group plan", "Public plan"]
    assert names({"only_client_visible": True}, "patient") == ["Group plan", "Public plan"]
    bad = gql(query, {"client_visibility": "everyone"}, key=keys["provider"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]


def test_offerings_cursor_and_count(gql, world, keys):
    for index in range(5):
        package(world.org, f"Plan {index}", row_order=index)
    query = """query ($after: String) { offerings(page_size: 2, after: $after) { name cursor } offeringsCount }"""
    first = data_of(gql(query, {}, key=keys["provider"]))
    assert [o["name"] for o in first["offerings"]] == ["Plan 0", "Plan 1"] and first["offeringsCount"] == 5
    second = data_of(gql(query, {"after": first["offerings"][1]["cursor"]}, key=keys["provider"]))
    assert [o["name"] for o in second["offerings"]] == ["Plan 2", "Plan 3"]


def test_offerings_sql_count_flat_in_page_size(gql, world, keys, count_queries):
    consult = appointment_type(world.org)
    group = UserGroup.objects.create(organization=world.org, name="G")
    product = Product.objects.create(organization=world.org, name="P", price=Decimal("5"), taxable=True,
                                     tax_rate=Decimal("10"))
    for index in range(12):
        offering = package(world.org, f"Plan {index}", includes=[(consult, 2, True)], user=world.provider)
        offering.user_groups.add(group)
        offering.products.add(product)
    query = """query ($n: Int) { offerings(page_size: $n) { id name user { id } initial_price_with_taxes
      offering_includes { id appointment_type { name } } offering_group_visibilities { name }
      user_package_selections_count billing_items_count under_purchase_cap total_revenue } }"""
    data_of(gql(query, {"n": 1}, key=keys["provider"]))  # warm the per-key caches
    small, few = count_queries(lambda: data_of(gql(query, {"n": 2}, key=keys["provider"])))
    large, many = count_queries(lambda: data_of(gql(query, {"n": 12}, key=keys["provider"])))
    assert len(small["offerings"]) == 2 and len(large["offerings"]) == 12
    assert few == many


# ---------------------------------------------------------------- buying a package


def _viewer(user) -> Viewer:
    return Viewer(user=user)


def test_purchase_charges_grants_credits_and_starts_recurring(world, stripe_account, stripe_client):
    patient = world.patients[0]
    card = add_card(stripe_account, stripe_client, patient)
    consult = appointment_type(world.org)
    offering = package(world.org, "Monthly", "80", billing_frequency="Monthly", repeat_times=3,
                       first_time_payment=Decimal("100"), user=world.provider, includes=[(consult, 2, True)])
    item = purchase_offering(_viewer(world.provider), patient=patient, offering=offering, idempotency_key="buy-1")
    assert (item.amount_paid, item.state, item.sender_id, item.recipient_id) == (
        Decimal("100.00"), BillingItem.SUCCEEDED, patient.pk, world.provider.pk)
    assert item.stripe_customer_detail_id == card.pk
    selection = UserPackageSelection.objects.get()
    assert (selection.user_id, selection.offering_id, selection.initial_price_with_offering_coupon) == (
        patient.pk, offering.pk, Decimal("100.00"))
    assert item.user_package_selection_id == selection.pk
    plan = RecurringPayment.objects.get()
    assert selection.recurring_payment_id == plan.pk and item.recurring_payment_id == plan.pk
    assert (plan.amount_to_pay, plan.original_price, plan.payments_made, plan.repeat_times) == (
        Decimal("80.00"), Decimal("80.00"), 1, 3)
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=consult).total_credits == 2
    assert credit_balances(consult, [patient.pk]) == {patient.pk: 2}  # what scheduling's booking check reads
    assert [c.amount for c in charges_of(stripe_client, stripe_account, patient)] == [10000]

    # The same key again buys nothing more and charges nothing more.
    again = purchase_offering(_viewer(world.provider), patient=patient, offering=offering, idempotency_key="buy-1")
    assert again.pk == item.pk and UserPackageSelection.objects.count() == 1
    assert len(charges_of(stripe_client, stripe_account, patient)) == 1
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=consult).total_credits == 2


def test_purchase_with_coupon_and_free_package(world, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = package(world.org, "Plan", "50")
    coupon = OfferingCoupon.objects.create(organization=world.org, code="HALF", amount_off=Decimal("50"))
    item = purchase_offering(_viewer(patient), patient=patient, offering=offering, coupon=coupon)
    assert item.amount_paid == Decimal("25.00") and item.offering_coupon_id == coupon.pk
    assert item.original_price == Decimal("50.00")
    free = package(world.org, "Free intro", "0")
    assert purchase_offering(_viewer(patient), patient=patient, offering=free) is None
    assert UserPackageSelection.objects.filter(offering=free, user=patient).count() == 1
    assert not RecurringPayment.objects.exists()


def test_purchase_decline_writes_nothing(world, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient, DECLINED_CARD)
    consult = appointment_type(world.org)
    offering = package(world.org, "Weekly", "30", billing_frequency="Weekly", includes=[(consult, 1, False)])
    with pytest.raises(gateway.PaymentDeclined):
        purchase_offering(_viewer(world.provider), patient=patient, offering=offering, idempotency_key="k")
    assert not BillingItem.objects.exists() and not UserPackageSelection.objects.exists()
    assert not RecurringPayment.objects.exists() and not AppointmentTypeCredit.objects.exists()


def test_purchase_cap_archived_and_tenancy(world, stripe_account, stripe_client, other_world):
    patient, second = world.patients[0], world.patients[1]
    offering = package(world.org, "Limited", "0", max_purchases=1)
    purchase_offering(_viewer(world.provider), patient=patient, offering=offering)
    with pytest.raises(ValidationFailed, match="sold out"):
        purchase_offering(_viewer(world.provider), patient=second, offering=offering)
    archived = package(world.org, "Old", "0", archived=True)
    with pytest.raises(ValidationFailed, match="archived"):
        purchase_offering(_viewer(world.provider), patient=patient, offering=archived)
    foreign = package(other_world.org, "Theirs", "0")
    with pytest.raises(NotFound):
        purchase_offering(_viewer(world.provider), patient=patient, offering=foreign)
    # A patient cannot buy for another patient; a member of another organization cannot buy for ours.
    with pytest.raises(NotFound):
        purchase_offering(_viewer(patient), patient=second, offering=package(world.org, "x", "0"))
    with pytest.raises(NotFound):
        purchase_offering(_viewer(other_world.owner), patient=patient, offering=package(world.org, "y", "0"))


def test_purchase_moves_buyer_into_the_package_group(world):
    patient = world.patients[0]
    group = UserGroup.objects.create(organization=world.org, name="Members")
    offering = package(world.org, "Membership", "0", user_group=group)
    purchase_offering(_viewer(world.owner), patient=patient, offering=offering)
    patient.refresh_from_db()
    assert patient.user_group_id == group.pk


SELECTIONS = """query ($user_id: ID) { userPackageSelections(user_id: $user_id) {
  id initial_price_with_offering_coupon billing_item_id offering_coupon_id user { id } offering { name }
  recurring_payment { id amount_to_pay billing_frequency } } userPackageSelectionsCount(user_id: $user_id) }"""


def test_user_package_selections_are_scoped(gql, world, keys, other_keys, stripe_account, stripe_client):
    first, second = world.patients[0], world.patients[1]
    add_card(stripe_account, stripe_client, first)
    offering = package(world.org, "Monthly", "40", billing_frequency="Monthly")
    item = purchase_offering(_viewer(world.provider), patient=first, offering=offering)
    purchase_offering(_viewer(world.provider), patient=second, offering=package(world.org, "Free", "0"))
    mine = data_of(gql(SELECTIONS, {}, key=keys["patient"]))
    assert mine["userPackageSelectionsCount"] == 1
    row = mine["userPackageSelections"][0]
    assert (row["user"], row["offering"], row["billing_item_id"], row["initial_price_with_offering_coupon"]) == (
        {"id": str(first.pk)}, {"name": "Monthly"}, str(item.pk), "40.00")
    assert row["recurring_payment"]["amount_to_pay"] == "40.00"
    assert data_of(gql(SELECTIONS, {}, key=keys["provider"]))["userPackageSelectionsCount"] == 2
    assert data_of(gql(SELECTIONS, {"user_id": str(second.pk)}, key=keys["patient"]))["userPackageSelections"] == []
    assert data_of(gql(SELECTIONS, {}, key=other_keys["owner"]))["userPackageSelections"] == []
    # A member restricted to their own patients sees only theirs.
    OrganizationMembership.objects.filter(user=world.staff).update(can_see_all_clients=False)
    assert data_of(gql(SELECTIONS, {}, key=keys["staff"]))["userPackageSelections"] == []


def test_small_queries(gql, world, keys):
    consult = appointment_type(world.org)
    offering = package(world.org, "Plan", "10", includes=[(consult, 4, False)])
    query = """query ($id: ID) { minimumOfferingPrice canCapOfferingPurchases offeringImages { id }
      initializedOfferingIncludes(offering_id: $id) { quantity appointment_type_id }
      offeringsData { month freq } }"""
    purchase_offering(_viewer(world.owner), patient=world.patients[0], offering=package(world.org, "Free", "0"))
    result = data_of(gql(query, {"id": str(offering.pk)}, key=keys["provider"]))
    assert result["minimumOfferingPrice"] == "0.50" and result["canCapOfferingPurchases"] is True
    assert result["offeringImages"] == []
    assert result["initializedOfferingIncludes"] == [{"quantity": "4", "appointment_type_id": str(consult.pk)}]
    assert len(result["offeringsData"]) == 12 and result["offeringsData"][-1]["freq"] == "1"


def test_advance_appointment_prices(gql, world, keys, other_world):
    consult = appointment_type(world.org)
    patient = world.patients[0]
    mutation = """mutation ($input: updateUserAppointmentPricingInput) { updateUserAppointmentPricing(input: $input) {
      advance_appointment_prices { id price appointment_type_id user_id } messages { field message } } }"""
    result = data_of(gql(mutation, {"input": {"user_id": str(patient.pk), "advance_appointment_prices": [
        {"appointment_type_id": str(consult.pk), "price": "45.5"}]}}, key=keys["provider"]))
    prices = result["updateUserAppointmentPricing"]["advance_appointment_prices"]
    assert [(p["price"], p["appointment_type_id"], p["user_id"]) for p in prices] == [
        ("45.50", str(consult.pk), str(patient.pk))]
    listed = data_of(gql("query ($u: ID) { advanceAppointmentPrices(user_id: $u) { price } }",
                         {"u": str(patient.pk)}, key=keys["provider"]))
    assert listed == {"advanceAppointmentPrices": [{"price": "45.50"}]}
    bad = data_of(gql(mutation, {"input": {"user_id": str(patient.pk), "advance_appointment_prices": [
        {"appointment_type_id": str(appointment_type(other_world.org).pk), "price": "1"}]}},
        key=keys["provider"]))["updateUserAppointmentPricing"]
    assert bad["messages"] == [{"field": "advance_appointment_prices[0].appointment_type_id",
                                "message": "Appointment type not found."}]
    cleared = data_of(gql(mutation, {"input": {"user_id": str(patient.pk), "advance_appointment_prices": [
        {"appointment_type_id": str(consult.pk), "price": ""}]}}, key=keys["provider"]))
    assert cleared["updateUserAppointmentPricing"]["advance_appointment_prices"] == []


def test_user_package_selections_sql_count_flat(gql, world, keys, count_queries, stripe_account, stripe_client):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    for index in range(6):
        purchase_offering(_viewer(world.owner), patient=patient,
                          offering=package(world.org, f"Plan {index}", "10", billing_frequency="Weekly"))
    query = """query ($n: Int) { userPackageSelections(page_size: $n) { id billing_item_id requested_payment_id
      user { id } offering { name offering_includes { id } } recurring_payment { id amount_paid } } }"""
    data_of(gql(query, {"n": 1}, key=keys["provider"]))
    small, few = count_queries(lambda: data_of(gql(query, {"n": 2}, key=keys["provider"])))
    large, many = count_queries(lambda: data_of(gql(query, {"n": 6}, key=keys["provider"])))
    assert len(small["userPackageSelections"]) == 2 and len(large["userPackageSelections"]) == 6
    assert few == many


def test_patient_reading_a_hidden_package_gets_not_found(gql, world, keys):
    hidden = package(world.org, "Staff only", "10")
    result = gql(documented_operation("4306_getOffernig.graphql"), {"id": str(hidden.pk)}, key=keys["patient"])
    assert result["data"] == {"offering": None} and error_codes(result) == ["NOT_FOUND"]
    purchase_offering(_viewer(world.owner), patient=world.patients[0], offering=package(world.org, "Bought", "0"))
    bought = Offering.objects.get(name="Bought")
    seen = data_of(gql(documented_operation("4306_getOffernig.graphql"), {"id": str(bought.pk)},
                       key=keys["patient"]))
    assert seen["offering"]["name"] == "Bought"  # a package the client bought stays readable to them


HOSTILE = [
    ("query { offerings(keywords: \"1e999\", offering_ids: [\"x\"], sort_by: \"nope\") { id } }", {}),
    ("query { offerings(keywords: \"NaN\", offering_id: \"99999999999999999999\") { id } }", {}),
    ("query { offerings(after: \"!!\") { id } }", {}),
    ("query { offering(id: \"-1\") { id } }", {}),
    ("query { recurringPayments(user_id: \"abc\", active_status: \"x\") { id } }", {}),
    ("query { validateCoupon(coupon_code: \"\", offering_id: \"0\") { fail_reason } }", {}),
    ("query { products(order_by: PRICE_ASC, page_size: 1000) { id } }", {}),
    ("query { offeringCoupons(offering_id: \"1e3\") { id } initializedOfferingIncludes(offering_id: \"\") { id } }",
     {}),
    ("""mutation ($i: createOfferingInput!) { createOffering(input: $i) { messages { field } } }""",
     {"i": {"name": "x" * 300, "price": "1e999", "first_time_payment": "-0.001", "max_purchases": "99999999999999",
            "repeat_times": 2147483647, "offering_includes": [{"appointment_type_id": "1", "quantity": "１"}],
            "user_group_ids": [None, "abc"], "video_url": "javascript:alert(1)"}}),
    ("""mutation ($i: createOfferingCouponInput) { createOfferingCoupon(input: $i) { messages { field } } }""",
     {"i": {"code": "X", "amount_off": "1e40", "expires_at": "9999-99-99", "offering_ids": ["1", None]}}),
    ("""mutation ($i: createProductInput) { createProduct(input: $i) { messages { field } } }""",
     {"i": {"name": "P", "price": "1e40", "tax_rate": "1e999", "remaining_quantity": "99999999999999999999"}}),
    ("""mutation ($i: updateUserAppointmentPricingInput) { updateUserAppointmentPricing(input: $i) {
       messages { field } } }""",
     {"i": {"user_id": "1", "advance_appointment_prices": [{"appointment_type_id": "1", "price": "1e40"}]}}),
    ("""mutation { cancelRecurringPayment(input: { billing_item_id: "zz" }) { messages { field } } }""", {}),
]


@pytest.mark.parametrize(("query", "variables"), HOSTILE)
def test_hostile_input_never_fails_internally(gql, world, keys, query, variables):
    for role in ("owner", "patient"):
        response = gql.raw(query, variables, key=keys[role])
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert "INTERNAL" not in error_codes(body), body
    assert not Offering.objects.exists() and not OfferingCoupon.objects.exists() and not Product.objects.exists()
