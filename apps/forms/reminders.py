"""Reminder e-mails for open form requests, on the kernel's job runner.

A request that is still open (``Open`` or ``Incomplete``) ``FORM_REQUEST_REMINDER_DELAY_HOURS``
after it was sent gets a reminder, then one every ``FORM_REQUEST_REMINDER_INTERVAL_HOURS``, at
most ``FORM_REQUEST_REMINDER_MAX`` in all (0 turns reminders off). Reminder ``n`` covers the
period ``[due(n), due(n + 1))``.

One ``forms.remind_open_request`` job is pending per request at a time. It runs in its own
transaction holding the request's row lock, works out which period the present falls in (a late
job skips the periods it missed instead of sending them all), and sends only if no reminder
was recorded for that period: the succeeded job row is the record (its payload names the
period), so a duplicated or retried job never reminds twice for the same period. A completed or
deleted request ends its job as cancelled.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from apps.core import jobs
from apps.core.jobs.models import Claimable, Job
from apps.core.timefmt import now

KIND = "forms.remind_open_request"
RETRY = jobs.RetrySchedule(delays=(dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2)),
                           window=dt.timedelta(hours=12), jitter=0.1)


def _delay() -> dt.timedelta:
    return dt.timedelta(hours=settings.FORM_REQUEST_REMINDER_DELAY_HOURS)


def _interval() -> dt.timedelta:
    return dt.timedelta(hours=max(settings.FORM_REQUEST_REMINDER_INTERVAL_HOURS, 1))


def due(request, number: int) -> dt.datetime:
    """When reminder ``number`` (1-based) of ``request`` is due."""
    return request.created_at + _delay() + (number - 1) * _interval()


def subject_of(request) -> str:
    return f"requested_form_completion:{request.pk}"


def schedule_first(request) -> None:
    """Enqueues the first reminder of a new request (in the caller's transaction)."""
    if settings.FORM_REQUEST_REMINDER_MAX <= 0:
        return
    _enqueue(request, 1)


def _enqueue(request, number: int) -> None:
    jobs.enqueue(KIND, {"requested_form_completion_id": request.pk, "number": number}, run_at=due(request, number),
                 subject=subject_of(request), organization_id=request.organization_id)


def _already_sent(request, period: int, job: Job) -> bool:
    return Job.objects.filter(kind=KIND, subject=subject_of(request), status=Claimable.SUCCEEDED,
                              payload__period=period).exclude(pk=job.pk).exists()


def remind(job: Job) -> None:
    from apps.forms.models import RequestedFormCompletion
    from apps.forms.services.requests import send_reminder

    request = (RequestedFormCompletion.objects.select_for_update(of=("self",)).select_related("recipient")
               .filter(pk=job.payload.get("requested_form_completion_id")).first())
    if request is None or request.deleted_at is not None:
        raise jobs.Cancel("the form request was deleted")
    if request.status == RequestedFormCompletion.COMPLETE:
        raise jobs.Cancel("the form request is completed")
    limit = settings.FORM_REQUEST_REMINDER_MAX
    current = now()
    if limit <= 0 or current < due(request, 1):
        raise jobs.Cancel("not due (reminders off, or rescheduled)")
    period = 1 + int((current - due(request, 1)) / _interval())
    if period > limit:
        raise jobs.Cancel("every reminder period has passed")
    if _already_sent(request, period, job):
        raise jobs.Cancel(f"already reminded for period {period}")
    if request.recipient.is_active:
        send_reminder(request)
    job.payload = {**job.payload, "period": period}
    job.save(update_fields=["payload"])
    if period < limit:
        _enqueue(request, period + 1)


def register() -> None:
    jobs.register_kind(KIND, remind, retry=RETRY)
