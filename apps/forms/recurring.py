"""Recurring form requests: one ``forms.issue_recurring_form`` job per recurring form, on the
kernel's job runner.

The job runs in its own transaction holding the recurring form's row lock and issues only when
``next_issue_at`` is due; it then moves ``next_issue_at`` past the present and enqueues the next
job. A duplicated, retried or late job finds ``next_issue_at`` already in the future and issues
nothing, so each period yields exactly one request (missed periods are not replayed).
"""

from __future__ import annotations

import calendar
import datetime as dt

from apps.core import jobs
from apps.core.jobs.models import Job
from apps.core.timefmt import get_zone, now

KIND = "forms.issue_recurring_form"
RETRY = jobs.RetrySchedule(
    delays=(dt.timedelta(minutes=1), dt.timedelta(minutes=10), dt.timedelta(hours=1)),
    window=dt.timedelta(hours=12), jitter=0.1,
)
DAILY, WEEKLY, MONTHLY = "Daily", "Weekly", "Monthly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY)
WEEKDAYS = tuple(calendar.day_name)  # Monday .. Sunday


def _at(day: dt.date, recurring, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(recurring.hour, recurring.minute), tzinfo=zone)


def next_occurrence(recurring, after: dt.datetime) -> dt.datetime | None:
    """The first issue time strictly after ``after`` in the sender's time zone (``None`` once
    the recurrence has ended)."""
    zone = get_zone(getattr(recurring.sender, "timezone", None) or None)
    local = after.astimezone(zone)
    day = local.date()
    found = None
    if recurring.frequency == DAILY:
        found = _at(day, recurring, zone)
        if found <= local:
            found = _at(day + dt.timedelta(days=1), recurring, zone)
    elif recurring.frequency == WEEKLY:
        target = WEEKDAYS.index(recurring.weekday)
        for offset in range(8):
            candidate = day + dt.timedelta(days=offset)
            if candidate.weekday() == target and _at(candidate, recurring, zone) > local:
                found = _at(candidate, recurring, zone)
                break
    elif recurring.frequency == MONTHLY:
        year, month = day.year, day.month
        for _ in range(3):
            last = calendar.monthrange(year, month)[1]
            candidate = _at(dt.date(year, month, min(recurring.monthday or 1, last)), recurring, zone)
            if candidate > local:
                found = candidate
                break
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if found is None:
        return None
    if recurring.recurrence_ends and recurring.ends_on is not None and found.date() > recurring.ends_on:
        return None
    return found.astimezone(dt.UTC)


def subject_of(recurring) -> str:
    return f"recurring_form:{recurring.pk}"


def schedule(recurring) -> None:
    """Sets ``next_issue_at`` after now and enqueues its job (in the caller's transaction)."""
    recurring.next_issue_at = next_occurrence(recurring, now())
    recurring.save(update_fields=["next_issue_at", "updated_at"])
    if recurring.next_issue_at is not None:
        jobs.enqueue(KIND, {"recurring_form_id": recurring.pk}, run_at=recurring.next_issue_at,
                     subject=subject_of(recurring), organization_id=recurring.organization_id)


def cancel(recurring) -> None:
    jobs.cancel(subject=subject_of(recurring), kinds=[KIND])


def issue_due(job: Job) -> None:
    from apps.forms.models import RecurringForm
    from apps.forms.services.requests import issue

    recurring = (RecurringForm.objects.select_for_update(of=("self",)).select_related("sender", "recipient",
                                                                                        "custom_module_form")
                 .filter(pk=job.payload.get("recurring_form_id")).first())
    if recurring is None or recurring.deleted_at is not None:
        raise jobs.Cancel("the recurring form was deleted")
    current = now()
    if recurring.next_issue_at is None or recurring.next_issue_at > current:
        raise jobs.Cancel("not due (already issued for this period, or rescheduled)")
    if recurring.custom_module_form.deleted_at is None and recurring.recipient.is_active:
        issue(recurring)
    schedule(recurring)


def register() -> None:
    jobs.register_kind(KIND, issue_due, retry=RETRY)
