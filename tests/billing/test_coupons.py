"""Coupons: creating and deleting them, validateCoupon, the list with its filters, usage counts,
tenancy and SQL counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.accounts.viewer import Viewer
from apps.billing.models import OfferingCoupon
from apps.billing.services import coupons
from apps.billing.services.packages import purchase_offering
from apps.core.errors import ValidationFailed
from apps.core.money import Money
from tests.billing.packages_helpers import package
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db
UTC = dt.UTC

CREATE = """mutation ($input: createOfferingCouponInput) { createOfferingCoupon(input: $input) {
  offeringCoupon { id code promo_type amount_off flat_amount_off amount_off_string applies_to_string to_one_line
    package_connection_names repeat_times usage_limit is_valid is_expired number_of_times_used expires_at
    offering_coupon_owner { id } user_id }
  messages { field message code } } }"""
VALIDATE = """query ($code: String, $offering_id: ID) { validateCoupon(coupon_code: $code, offering_id: $offering_id) {
  fail_reason first_amount new_first_price new_price repeat_times still_ask_for_cc } }"""


def test_create_percentage_and_flat_coupons(gql, world, keys):
    offering = package(world.org, "Coaching", "100")
    percent = data_of(gql(CREATE, {"input": {"code": "SPRING20", "promo_type": "percentage", "amount_off": "20",
                                             "offering_ids": [str(offering.pk)], "repeat_times": 2,
                                             "usage_limit": 5, "expires_at": "2040-01-31 23:59:00"}},
                          key=keys["provider"]))["createOfferingCoupon"]
    assert percent["messages"] == []
    coupon = percent["offeringCoupon"]
    assert {k: coupon[k] for k in ("code", "promo_type", "amount_off", "flat_amount_off", "amount_off_string",
                                   "applies_to_string", "to_one_line", "package_connection_names", "repeat_times",
                                   "usage_limit", "is_valid", "is_expired", "number_of_times_used")} == {
        "code": "SPRING20", "promo_type": "percentage", "amount_off": "20.00", "flat_amount_off": None,
        "amount_off_string": "20%", "applies_to_string": "Coaching", "to_one_line": "SPRING20: 20% off for 2 payments",
        "package_connection_names": ["Coaching"], "repeat_times": 2, "usage_limit": 5, "is_valid": True,
        "is_expired": False, "number_of_times_used": 0}
    # Read in the provider's time zone (America/New_York), answered in UTC.
    assert coupon["expires_at"] == "2040-02-01 04:59:00 +0000"
    assert coupon["offering_coupon_owner"] == {"id": str(world.provider.pk)}
    flat = data_of(gql(CREATE, {"input": {"code": "TENOFF", "promo_type": "flat", "flat_amount_off": "10"}},
                       key=keys["provider"]))["createOfferingCoupon"]["offeringCoupon"]
    assert (flat["flat_amount_off"], flat["amount_off_string"], flat["applies_to_string"]) == (
        "10.00", "$10.00", "All packages")


@pytest.mark.parametrize(("values", "field", "fragment"), [
    ({"code": ""}, "code", "blank"),
    ({"code": "TWO WORDS"}, "code", "no spaces"),
    ({"promo_type": "bogo"}, "promo_type", "percentage or flat"),
    ({"amount_off": "120"}, "amount_off", "at most 100"),
    ({"amount_off": "12.345"}, "amount_off", "two decimal places"),
    ({"amount_off": None}, "amount_off", "required"),
    ({"expires_at": "2001-01-01 00:00:00"}, "expires_at", "future"),
    ({"expires_at": "someday"}, "expires_at", ""),
    ({"usage_limit": 0}, "usage_limit", "whole number"),
    ({"offering_ids": ["999999"]}, "offering_ids[0]", "not found"),
])
def test_create_coupon_refuses_bad_input(gql, world, keys, values, field, fragment):
    payload = {"code": "SAVE", "amount_off": "10", **values}
    result = data_of(gql(CREATE, {"input": payload}, key=keys["provider"]))["createOfferingCoupon"]
    assert result["offeringCoupon"] is None
    assert [m["field"] for m in result["messages"]] == [field], result["messages"]
    assert fragment in result["messages"][0]["message"]
    assert not OfferingCoupon.objects.exists()


def test_codes_are_unique_per_organization_case_insensitive(gql, world, keys, other_keys):
    assert data_of(gql(CREATE, {"input": {"code": "Save10", "amount_off": "10"}},
                       key=keys["provider"]))["createOfferingCoupon"]["messages"] == []
    taken = data_of(gql(CREATE, {"input": {"code": "SAVE10", "amount_off": "5"}},
                        key=keys["owner"]))["createOfferingCoupon"]
    assert taken["messages"] == [{"field": "code", "message": "This code is already used by another coupon.",
                                  "code": "BAD_USER_INPUT"}]
    other = data_of(gql(CREATE, {"input": {"code": "SAVE10", "amount_off": "5"}},
                        key=other_keys["owner"]))["createOfferingCoupon"]
    assert other["messages"] == []


def test_validate_coupon(gql, world, keys, time_machine):
    time_machine.move_to(dt.datetime(2030, 5, 1, tzinfo=UTC), tick=False)
    offering = package(world.org, "Monthly", "80", billing_frequency="Monthly", first_time_payment=Decimal("100"),
                       visibility_status="visible")
    other = package(world.org, "Other", "10", visibility_status="visible")
    coupon = OfferingCoupon.objects.create(organization=world.org, code="HALF", amount_off=Decimal("50"),
                                           repeat_times=3, usage_limit=1,
                                           expires_at=dt.datetime(2030, 6, 1, tzinfo=UTC))
    coupon.offerings.add(offering)
    ok = data_of(gql(VALIDATE, {"code": "half", "offering_id": str(offering.pk)}, key=keys["patient"]))
    assert ok["validateCoupon"] == {"fail_reason": None, "first_amount": "100.00", "new_first_price": "50.00",
                                    "new_price": "40.00", "repeat_times": "3", "still_ask_for_cc": True}

    def reason(code, offering_id):
        return data_of(gql(VALIDATE, {"code": code, "offering_id": str(offering_id)},
                           key=keys["patient"]))["validateCoupon"]["fail_reason"]

    assert reason("NOPE", offering.pk) == "This coupon code is not valid."
    assert reason("HALF", other.pk) == "This coupon does not apply to this package."
    time_machine.move_to(dt.datetime(2030, 6, 2, tzinfo=UTC), tick=False)
    assert reason("HALF", offering.pk) == "This coupon has expired."


def test_coupon_usage_limit(world):
    offering = package(world.org, "Free", "0")
    coupon = OfferingCoupon.objects.create(organization=world.org, code="ONCE", amount_off=Decimal("10"),
                                           usage_limit=1)
    purchase_offering(Viewer(user=world.owner), patient=world.patients[0], offering=offering, coupon=coupon)
    with pytest.raises(ValidationFailed, match="maximum number of times"):
        coupons.coupon_for(world.org.pk, code="once")
    with pytest.raises(ValidationFailed, match="maximum number of times"):
        purchase_offering(Viewer(user=world.owner), patient=world.patients[1], offering=offering, coupon=coupon)


def test_apply():
    percent = OfferingCoupon(promo_type="percentage", amount_off=Decimal("15"))
    flat = OfferingCoupon(promo_type="flat", amount_off=Decimal("30"))
    assert coupons.apply(percent, Money.parse("19.99")) == Money.parse("16.99")
    assert coupons.apply(flat, Money.parse("20")) == Money.parse("0")
    assert coupons.apply(None, Money.parse("20")) == Money.parse("20")


LIST = """query ($keywords: String, $offering_id: ID, $order_by: OfferingCouponOrderKeys, $n: Int,
  $from: Boolean) {
  offeringCoupons(keywords: $keywords, offering_id: $offering_id, order_by: $order_by, page_size: $n,
    from_package_details: $from) { id code number_of_times_used package_connection_names offering_coupon_owner { id }
    is_valid applies_to_string }
  offeringCouponsCount(keywords: $keywords, offering_id: $offering_id, from_package_details: $from) }"""


def test_list_filters_sort_delete_and_tenancy(gql, world, keys, other_keys):
    offering = package(world.org, "Plan", "0")
    a = OfferingCoupon.objects.create(organization=world.org, code="ALPHA", amount_off=Decimal("5"))
    b = OfferingCoupon.objects.create(organization=world.org, code="BRAVO", amount_off=Decimal("50"))
    b.offerings.add(offering)
    purchase_offering(Viewer(user=world.owner), patient=world.patients[0], offering=offering, coupon=b)
    OfferingCoupon.objects.create(organization=world.org, code="GONE", amount_off=Decimal("5"),
                                  deleted_at=dt.datetime(2020, 1, 1, tzinfo=UTC))

    def codes(key="provider", **variables):
        return [c["code"] for c in data_of(gql(LIST, variables, key=keys[key]))["offeringCoupons"]]

    assert codes(order_by="CODE_ASC") == ["ALPHA", "BRAVO"]
    assert codes(order_by="TOTAL_USAGE_DESC") == ["BRAVO", "ALPHA"]
    assert codes(order_by="AMOUNT_DESC") == ["BRAVO", "ALPHA"]
    assert codes(keywords="alp") == ["ALPHA"]
    assert codes(offering_id=str(offering.pk)) == ["BRAVO"]
    assert sorted(codes(offering_id=str(offering.pk), **{"from": True})) == ["ALPHA", "BRAVO"]
    bravo = next(c for c in data_of(gql(LIST, {}, key=keys["provider"]))["offeringCoupons"] if c["code"] == "BRAVO")
    assert bravo["number_of_times_used"] == 1 and bravo["package_connection_names"] == ["Plan"]
    assert error_codes(gql(LIST, {}, key=keys["patient"])) == ["FORBIDDEN"]
    assert data_of(gql(LIST, {}, key=other_keys["owner"]))["offeringCoupons"] == []

    delete = """mutation ($id: ID) { deleteOfferingCoupon(input: { id: $id }) { offeringCoupon { id }
      messages { field message } } }"""
    foreign = data_of(gql(delete, {"id": str(a.pk)}, key=other_keys["owner"]))["deleteOfferingCoupon"]
    assert foreign == {"offeringCoupon": None, "messages": [{"field": "id", "message": "Coupon not found."}]}
    done = data_of(gql(delete, {"id": str(a.pk)}, key=keys["owner"]))["deleteOfferingCoupon"]
    assert done == {"offeringCoupon": {"id": str(a.pk)}, "messages": []}
    assert codes() == ["BRAVO"]
    with pytest.raises(ValidationFailed, match="not valid"):
        coupons.coupon_for(world.org.pk, code="ALPHA")


def test_coupons_sql_count_flat(gql, world, keys, count_queries):
    offering = package(world.org, "Plan", "0")
    for index in range(8):
        coupon = OfferingCoupon.objects.create(organization=world.org, code=f"C{index}", amount_off=Decimal("5"),
                                               user=world.provider)
        coupon.offerings.add(offering)
    data_of(gql(LIST, {"n": 1}, key=keys["provider"]))
    small, few = count_queries(lambda: data_of(gql(LIST, {"n": 2}, key=keys["provider"])))
    large, many = count_queries(lambda: data_of(gql(LIST, {"n": 8}, key=keys["provider"])))
    assert len(small["offeringCoupons"]) == 2 and len(large["offeringCoupons"]) == 8
    assert few == many
