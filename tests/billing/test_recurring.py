"""Recurring payments under a frozen clock: renewals by the ``billing.charge_recurring`` job, a
failed renewal retried with backoff (the organization told), the end after ``repeat_times``,
pause / resume / new date / cancel, and the GraphQL surface."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import BillingItem, OfferingCoupon, RecurringPayment
from apps.billing.services import recurring
from apps.billing.services.packages import purchase_offering
from apps.core import jobs
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.jobs.models import Job
from apps.events.models import Event
from apps.scheduling.models import AppointmentTypeCredit
from tests.billing.conftest import DECLINED_CARD
from tests.billing.packages_helpers import add_card, appointment_type, package
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def charge_keys(monkeypatch):
    """The idempotency key of every charge request sent to Stripe (the local server cannot replay them)."""
    sent: list[str] = []
    original = gateway.charge

    def recording(account, **kwargs):
        sent.append(kwargs["idempotency_key"])
        return original(account, **kwargs)

    monkeypatch.setattr(gateway, "charge", recording)
    return sent


def _succeeded(plan) -> list[Decimal]:
    return list(BillingItem.objects.filter(recurring_payment=plan, state=BillingItem.SUCCEEDED)
                .order_by("created_at", "id").values_list("amount_paid", flat=True))


def _pending_charge_jobs(plan) -> list[Job]:
    return list(Job.objects.filter(kind=recurring.KIND, subject=f"recurring_payment:{plan.pk}", status="pending"))


def test_renewals_with_a_failed_try_then_success(world, stripe_account, stripe_client, time_machine, charge_keys):
    time_machine.move_to(dt.datetime(2030, 1, 31, 12, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    good = add_card(stripe_account, stripe_client, patient)
    consult, intake = appointment_type(world.org), appointment_type(world.org, "Intake")
    offering = package(world.org, "Monthly coaching", "80", billing_frequency="Monthly", repeat_times=3,
                       user=world.provider, includes=[(consult, 1, True), (intake, 1, False)])
    first = purchase_offering(Viewer(user=world.provider), patient=patient, offering=offering, idempotency_key="buy")
    plan = RecurringPayment.objects.get()
    assert plan.next_payment_date == dt.datetime(2030, 2, 28, 12, 0, tzinfo=UTC)
    assert len(_pending_charge_jobs(plan)) == 1
    jobs.drain()
    assert _succeeded(plan) == [Decimal("80.00")]  # nothing due yet

    # The renewal is declined: a failed billing item, a retry in 24 hours, the owner is e-mailed.
    bad = add_card(stripe_account, stripe_client, patient, DECLINED_CARD, default=False)
    RecurringPayment.objects.filter(pk=plan.pk).update(stripe_customer_detail=bad)
    time_machine.move_to(dt.datetime(2030, 2, 28, 12, 1, tzinfo=UTC), tick=False)
    jobs.drain()
    plan.refresh_from_db()
    failed = BillingItem.objects.get(recurring_payment=plan, state=BillingItem.FAILED)
    assert (failed.amount_paid, failed.sender_id, failed.stripe_customer_detail_id) == (
        Decimal("80.00"), patient.pk, bad.pk)
    assert "declined" in failed.failure_reason.lower()
    assert (plan.payments_made, plan.failed_attempts) == (1, 1)
    assert plan.next_retry_at == dt.datetime(2030, 3, 1, 12, 1, tzinfo=UTC)
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    assert "failed" in mail.outbox[0].subject and "retried on 2030-03-01 12:01" in mail.outbox[0].body
    assert Event.objects.filter(event_type="billing_item.created", resource_id=str(failed.pk)).exists()
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=consult).total_credits == 1

    # The retry succeeds with the good card; running the job again charges nothing more.
    RecurringPayment.objects.filter(pk=plan.pk).update(stripe_customer_detail=good)
    time_machine.move_to(dt.datetime(2030, 3, 1, 12, 2, tzinfo=UTC), tick=False)
    jobs.drain()
    jobs.drain()
    plan.refresh_from_db()
    assert _succeeded(plan) == [Decimal("80.00"), Decimal("80.00")]
    renewal = BillingItem.objects.filter(recurring_payment=plan, state=BillingItem.SUCCEEDED).latest("id")
    failed.refresh_from_db()
    assert failed.successful_retried_payment_id == renewal.pk
    assert (plan.payments_made, plan.failed_attempts, plan.next_retry_at) == (2, 0, None)
    assert plan.next_payment_date == dt.datetime(2030, 3, 31, 12, 0, tzinfo=UTC)  # the month keeps its day
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=consult).total_credits == 2
    assert AppointmentTypeCredit.objects.get(user=patient, appointment_type=intake).total_credits == 1

    # The third and last charge; then nothing is scheduled any more.
    time_machine.move_to(dt.datetime(2030, 3, 31, 12, 5, tzinfo=UTC), tick=False)
    jobs.drain()
    plan.refresh_from_db()
    assert _succeeded(plan) == [Decimal("80.00")] * 3
    assert (plan.payments_made, plan.next_payment_date) == (3, None)
    assert _pending_charge_jobs(plan) == []
    time_machine.move_to(dt.datetime(2030, 6, 1, tzinfo=UTC), tick=False)
    jobs.drain()
    assert len(_succeeded(plan)) == 3
    assert first.pk == BillingItem.objects.filter(recurring_payment=plan).order_by("id").first().pk
    # One key per charge and try: the declined try and its retry are different Stripe requests.
    assert charge_keys == [f"charge-{world.org.pk}-buy", f"charge-{world.org.pk}-recurring-{plan.pk}-2-0",
                           f"charge-{world.org.pk}-recurring-{plan.pk}-2-1",
                           f"charge-{world.org.pk}-recurring-{plan.pk}-3-0"]


def test_a_duplicated_job_charges_once(world, stripe_account, stripe_client, time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = package(world.org, "Weekly", "15", billing_frequency="Weekly")
    purchase_offering(Viewer(user=world.owner), patient=patient, offering=offering)
    plan = RecurringPayment.objects.get()
    time_machine.move_to(dt.datetime(2030, 1, 8, 9, 1, tzinfo=UTC), tick=False)
    with transaction.atomic():
        jobs.enqueue(recurring.KIND, {"recurring_payment_id": plan.pk}, subject="duplicate")
    jobs.drain()
    assert _succeeded(plan) == [Decimal("15.00")] * 2
    plan.refresh_from_db()
    assert plan.next_payment_date == dt.datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


def test_retries_run_out_then_the_payment_is_paused(world, stripe_account, stripe_client, time_machine, settings):
    settings.BILLING_RENEWAL_RETRY_HOURS = (1,)
    time_machine.move_to(dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = package(world.org, "Daily", "5", billing_frequency="Daily")
    purchase_offering(Viewer(user=world.owner), patient=patient, offering=offering)
    plan = RecurringPayment.objects.get()
    bad = add_card(stripe_account, stripe_client, patient, DECLINED_CARD)
    RecurringPayment.objects.filter(pk=plan.pk).update(stripe_customer_detail=bad)
    time_machine.move_to(dt.datetime(2030, 1, 2, 9, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    time_machine.move_to(dt.datetime(2030, 1, 2, 10, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    plan.refresh_from_db()
    assert BillingItem.objects.filter(recurring_payment=plan, state=BillingItem.FAILED).count() == 2
    assert (plan.is_paused, plan.next_retry_at, plan.failed_attempts) == (True, None, 2)
    assert len(mail.outbox) == 2 and "paused" in mail.outbox[1].body
    assert _pending_charge_jobs(plan) == []


def test_coupon_applies_to_its_repeat_times_charges(world, stripe_account, stripe_client, time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    coupon = OfferingCoupon.objects.create(organization=world.org, code="FIRST", promo_type="flat",
                                           amount_off=Decimal("10"), repeat_times=1)
    offering = package(world.org, "Weekly", "25", billing_frequency="Weekly")
    purchase_offering(Viewer(user=patient), patient=patient, offering=offering, coupon=coupon)
    plan = RecurringPayment.objects.get()
    time_machine.move_to(dt.datetime(2030, 1, 8, 9, 1, tzinfo=UTC), tick=False)
    jobs.drain()
    assert _succeeded(plan) == [Decimal("15.00"), Decimal("25.00")]


def test_pause_resume_and_new_date(world, stripe_account, stripe_client, time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    purchase_offering(Viewer(user=world.owner), patient=patient,
                      offering=package(world.org, "Weekly", "20", billing_frequency="Weekly"))
    plan = RecurringPayment.objects.get()
    member = Viewer(user=world.provider)
    recurring.pause(member, plan)
    time_machine.move_to(dt.datetime(2030, 1, 20, 9, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    assert len(_succeeded(plan)) == 1  # paused: nothing charged
    plan = recurring.resume(member, plan)
    assert plan.next_payment_date == dt.datetime(2030, 1, 20, 9, 0, tzinfo=UTC)  # missed date: due now, once
    jobs.drain()
    assert len(_succeeded(plan)) == 2
    plan.refresh_from_db()
    with pytest.raises(ValidationFailed, match="future"):
        recurring.set_next_payment_date(member, plan, dt.datetime(2030, 1, 1, tzinfo=UTC))
    recurring.set_next_payment_date(member, plan, dt.datetime(2030, 2, 14, 9, 0, tzinfo=UTC))
    assert [j.next_attempt_at for j in _pending_charge_jobs(plan)] == [dt.datetime(2030, 2, 14, 9, 0, tzinfo=UTC)]
    plan = recurring.set_next_payment_date(member, plan, dt.date(2030, 2, 20))  # a date: the usual time of day
    assert plan.next_payment_date == dt.datetime(2030, 2, 20, 9, 0, tzinfo=UTC)
    # Another patient cannot touch it; the patient may cancel it, not pause or move it.
    with pytest.raises(Forbidden, match="cannot change"):
        recurring.cancel(Viewer(user=world.patients[1]), plan)
    with pytest.raises(Forbidden):
        recurring.pause(Viewer(user=patient), plan)
    assert recurring.cancel(Viewer(user=patient), plan).is_canceled


RECURRING = """query ($id: ID, $user_id: ID!, $status: String) {
  recurringPayment(id: $id) { id amount_paid amount_to_pay original_price billing_frequency billing_items_count
    is_canceled is_paused next_payment_date has_next_payment_date payments_remaining offering_name repeat_times
    sender_id recipient_id start_at }
  recurringPayments(user_id: $user_id, active_status: $status) { id is_canceled }
  recurringPaymentsCount(user_id: $user_id, active_status: $status) }"""
CANCEL = """mutation ($id: ID!) { cancelRecurringPayment(input: { billing_item_id: $id }) {
  messages { field message } } }"""


def test_graphql_recurring_payments_and_cancel(gql, world, keys, other_keys, stripe_account, stripe_client,
                                              time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False)
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    offering = package(world.org, "Monthly", "60", billing_frequency="Monthly", repeat_times=4, user=world.provider)
    item = purchase_offering(Viewer(user=world.provider), patient=patient, offering=offering)
    plan = RecurringPayment.objects.get()
    variables = {"id": str(plan.pk), "user_id": str(patient.pk)}
    result = data_of(gql(RECURRING, variables, key=keys["patient"]))
    assert result["recurringPayment"] == {
        "id": str(plan.pk), "amount_paid": "60.00", "amount_to_pay": "60.00", "original_price": "60.00",
        "billing_frequency": "Monthly", "billing_items_count": 1, "is_canceled": False, "is_paused": False,
        "next_payment_date": "2030-02-01 09:00:00 +0000", "has_next_payment_date": True, "payments_remaining": "3",
        "offering_name": "Monthly", "repeat_times": 4, "sender_id": str(patient.pk),
        "recipient_id": str(world.provider.pk), "start_at": "2030-01-01 09:00:00 +0000"}
    assert result["recurringPaymentsCount"] == 1
    # Another organization, or another patient, sees nothing and cancels nothing.
    hidden = gql(RECURRING, variables, key=other_keys["owner"])
    assert hidden["data"] is None or hidden["data"]["recurringPayment"] is None
    assert error_codes(hidden) == ["NOT_FOUND"]
    foreign = data_of(gql(CANCEL, {"id": str(item.pk)}, key=other_keys["owner"]))["cancelRecurringPayment"]
    assert foreign["messages"] == [{"field": "billing_item_id", "message": "Billing item not found."}]

    cancelled = data_of(gql(CANCEL, {"id": str(item.pk)}, key=keys["provider"]))["cancelRecurringPayment"]
    assert cancelled["messages"] == []
    plan.refresh_from_db()
    assert plan.is_canceled and plan.canceled_by_id == world.provider.pk
    assert _pending_charge_jobs(plan) == []
    again = data_of(gql(CANCEL, {"id": str(item.pk)}, key=keys["provider"]))["cancelRecurringPayment"]
    assert again["messages"] == [{"field": "id", "message": "This recurring payment is canceled."}]
    listed = data_of(gql(RECURRING, {**variables, "status": "active"}, key=keys["provider"]))
    assert listed["recurringPayments"] == [] and listed["recurringPaymentsCount"] == 0
    canceled = data_of(gql(RECURRING, {**variables, "status": "canceled"}, key=keys["provider"]))
    assert canceled["recurringPayments"] == [{"id": str(plan.pk), "is_canceled": True}]
    time_machine.move_to(dt.datetime(2030, 2, 2, tzinfo=UTC), tick=False)
    jobs.drain()
    assert len(_succeeded(plan)) == 1


def test_recurring_payments_sql_count_flat(gql, world, keys, stripe_account, stripe_client, count_queries):
    patient = world.patients[0]
    add_card(stripe_account, stripe_client, patient)
    for index in range(6):
        purchase_offering(Viewer(user=world.owner), patient=patient,
                          offering=package(world.org, f"Plan {index}", "10", billing_frequency="Monthly"))
    query = """query ($u: ID!, $n: Int) { recurringPayments(user_id: $u, page_size: $n) { id amount_paid
      billing_items_count offering_name canceled_by { id } next_payment_date } }"""
    data_of(gql(query, {"u": str(patient.pk), "n": 1}, key=keys["provider"]))
    small, few = count_queries(lambda: data_of(gql(query, {"u": str(patient.pk), "n": 2}, key=keys["provider"])))
    large, many = count_queries(lambda: data_of(gql(query, {"u": str(patient.pk), "n": 6}, key=keys["provider"])))
    assert len(small["recurringPayments"]) == 2 and len(large["recurringPayments"]) == 6
    assert few == many
