"""Recurring payments: the schedule of a package bought with a recurring frequency, and the
changes a provider (or the patient) makes to it: pause, resume, cancel, a new payment date.

Each recurring payment has at most one pending ``billing.charge_recurring`` job (subject
``recurring_payment:<id>``) due at its next charge (``next_retry_at`` after a failure, else
``next_payment_date``); every change here cancels it and enqueues the one that now applies,
in the same transaction. The charging itself is ``apps.billing.recurring_job``.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction

from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.billing.models import Offering, RecurringPayment
from apps.core import jobs
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.timefmt import now

KIND = "billing.charge_recurring"


def interval(frequency: str, periods: int = 1) -> relativedelta | None:
    step = Offering.FREQUENCIES.get(frequency)
    if step is None:
        return None
    unit, count = step
    return relativedelta(**{unit: count * periods})


def period_start(recurring: RecurringPayment, index: int) -> dt.datetime | None:
    """When charge number ``index`` (0: the first) of the schedule is due, counted from
    ``start_at`` so that months keep their day (Jan 31 → Feb 28 → Mar 31)."""
    step = interval(recurring.billing_frequency, index)
    return None if step is None else recurring.start_at + step


def next_after(recurring: RecurringPayment, at: dt.datetime, *, first_index: int) -> dt.datetime | None:
    """The first scheduled charge time after ``at`` from index ``first_index`` on: periods missed
    while paused or failing are not charged again."""
    index = first_index
    while True:
        when = period_start(recurring, index)
        if when is None or when > at:
            return when
        index += 1


def is_finished(recurring: RecurringPayment) -> bool:
    return recurring.repeat_times is not None and recurring.payments_made >= recurring.repeat_times


def subject_of(recurring: RecurringPayment) -> str:
    return f"recurring_payment:{recurring.pk}"


def due_at(recurring: RecurringPayment) -> dt.datetime | None:
    if recurring.is_canceled or recurring.is_paused or is_finished(recurring):
        return None
    return recurring.next_retry_at or recurring.next_payment_date


def schedule(recurring: RecurringPayment) -> None:
    """Replaces the pending charge job with one due when the next charge is (in the caller's transaction)."""
    jobs.cancel(subject=subject_of(recurring), kinds=[KIND])
    when = due_at(recurring)
    if when is not None:
        jobs.enqueue(KIND, {"recurring_payment_id": recurring.pk}, run_at=when, subject=subject_of(recurring),
                     organization_id=recurring.organization_id)


def _check_access(viewer: Viewer, recurring: RecurringPayment, *, patient_may: bool = False) -> RecurringPayment:
    """Members who may see the patient change a recurring payment; the patient may only cancel it."""
    if patient_may:
        viewer.require()
    else:
        viewer.require(MEMBER)
    if recurring.organization_id != viewer.organization_id or not visible_patients(viewer).filter(
            pk=recurring.sender_id).exists():
        raise Forbidden("You cannot change this recurring payment.")
    locked = RecurringPayment.objects.select_for_update().get(pk=recurring.pk)
    if locked.is_canceled:
        raise ValidationFailed("id", "This recurring payment is canceled.")
    return locked


@transaction.atomic
def pause(viewer: Viewer, recurring_payment: RecurringPayment) -> RecurringPayment:
    recurring = _check_access(viewer, recurring_payment)
    if not recurring.is_paused:
        recurring.is_paused, recurring.paused_at, recurring.paused_by = True, now(), viewer.user
        recurring.save(update_fields=["is_paused", "paused_at", "paused_by", "updated_at"])
        schedule(recurring)
    return recurring


@transaction.atomic
def resume(viewer: Viewer, recurring_payment: RecurringPayment) -> RecurringPayment:
    """Restarts charging; a payment date missed while paused becomes due now (charged once,
    not once per missed period)."""
    recurring = _check_access(viewer, recurring_payment)
    if recurring.is_paused:
        current = now()
        recurring.is_paused, recurring.paused_at, recurring.paused_by = False, None, None
        recurring.failed_attempts, recurring.next_retry_at = 0, None
        if recurring.next_payment_date is not None and recurring.next_payment_date < current:
            recurring.next_payment_date = current
        recurring.save(update_fields=["is_paused", "paused_at", "paused_by", "failed_attempts", "next_retry_at",
                                      "next_payment_date", "updated_at"])
        schedule(recurring)
    return recurring


@transaction.atomic
def cancel(viewer: Viewer, recurring_payment: RecurringPayment) -> RecurringPayment:
    recurring = _check_access(viewer, recurring_payment, patient_may=True)
    recurring.is_canceled, recurring.canceled_at, recurring.canceled_by = True, now(), viewer.user
    recurring.next_retry_at = None
    recurring.save(update_fields=["is_canceled", "canceled_at", "canceled_by", "next_retry_at", "updated_at"])
    schedule(recurring)
    return recurring


@transaction.atomic
def set_next_payment_date(viewer: Viewer, recurring_payment: RecurringPayment, date: dt.datetime | dt.date
                          ) -> RecurringPayment:
    """Moves the next charge (a pending retry included) to ``date``, which must be in the future.

    ``date`` is an aware datetime, or a ``datetime.date`` charged at the schedule's usual time of day.
    """
    recurring = _check_access(viewer, recurring_payment)
    if not isinstance(date, dt.datetime):
        anchor = recurring.next_payment_date or recurring.start_at
        date = dt.datetime.combine(date, anchor.astimezone(dt.UTC).timetz())
    if date <= now():
        raise ValidationFailed("new_payment_date", "The next payment date must be in the future.")
    if is_finished(recurring):
        raise ValidationFailed("new_payment_date", "This recurring payment has no payments left.")
    recurring.next_payment_date, recurring.next_retry_at, recurring.failed_attempts = date, None, 0
    # The schedule moves with it: later charges follow on from the new date.
    recurring.start_at = date - interval(recurring.billing_frequency, recurring.payments_made)
    recurring.save(update_fields=["next_payment_date", "next_retry_at", "failed_attempts", "start_at", "updated_at"])
    schedule(recurring)
    return recurring
