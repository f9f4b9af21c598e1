"""Booking confirmations and reminders as generic jobs (``apps.core.jobs``), sent by ``run_worker``.

Jobs are enqueued in the booking transaction (a rolled-back booking leaves none), one
per e-mail, with the subject ``appointment:<id>`` so a reschedule or cancellation can
cancel what is still pending. The handler re-reads the appointment and sends nothing
for one that is no longer active, or a reminder for one that already started.
"""

from __future__ import annotations

import datetime as dt

from apps.core import jobs
from apps.core.jobs import email
from apps.core.jobs.models import Job
from apps.core.timefmt import format_datetime, now
from apps.scheduling.models import Appointment, AppointmentSetting

CONFIRMATION = "scheduling.appointment_confirmation"
REMINDER = "scheduling.appointment_reminder"
KINDS = [CONFIRMATION, REMINDER]
# A reminder is only useful before the appointment: a few quick retries, then give up.
RETRY = jobs.RetrySchedule(delays=tuple(dt.timedelta(minutes=5 * n) for n in range(1, 5)), max_attempts=5)


def subject_of(appointment: Appointment) -> str:
    return f"appointment:{appointment.pk}"


def cancel_pending(appointment: Appointment) -> None:
    jobs.cancel(subject=subject_of(appointment), kinds=KINDS)


def schedule(appointment: Appointment, *, confirm: bool = True) -> None:
    """(Re)plans the e-mails of ``appointment``: a confirmation now, reminders at the offsets.

    The provider's ``reminder_minutes_before`` gives the offsets; with
    ``end_reminder_one_hour_before`` no reminder goes out in the final hour. Call inside
    the transaction of the booking change.
    """
    cancel_pending(appointment)
    if not appointment.is_active:
        return
    moment = now()
    due_times: list[tuple[str, dt.datetime]] = [(CONFIRMATION, moment)] if confirm else []
    setting = AppointmentSetting.objects.filter(provider_id=appointment.provider_id).first()
    if setting is not None:
        for minutes in setting.reminder_minutes_before or []:
            if setting.end_reminder_one_hour_before and minutes < 60:
                continue
            due = appointment.start - dt.timedelta(minutes=minutes)
            if due > moment:
                due_times.append((REMINDER, due))
    for kind, due in due_times:
        jobs.enqueue(kind, {"appointment_id": appointment.pk}, run_at=due, subject=subject_of(appointment),
                     organization_id=appointment.organization_id)


def _message(kind: str, appointment: Appointment) -> tuple[str, str]:
    name = appointment.appointment_type.name if appointment.appointment_type_id else "Appointment"
    when = format_datetime(appointment.start, appointment.timezone or "UTC")
    with_whom = appointment.provider.full_name
    if kind == CONFIRMATION:
        return f"Appointment confirmed: {name}", f"Your {name} with {with_whom} is booked for {when}.\n"
    return f"Reminder: {name} at {when}", f"This is a reminder of your {name} with {with_whom} at {when}.\n"


def send(job: Job) -> None:
    """The handler of both kinds."""
    appointment = (Appointment.objects.select_related("provider", "appointment_type")
                   .filter(pk=job.payload["appointment_id"]).first())
    if appointment is None or not appointment.is_active:
        raise jobs.Cancel("the appointment is no longer active")
    if job.kind == REMINDER and appointment.start <= now():
        raise jobs.Cancel("the appointment already started")
    recipients = [u.email for u in appointment.attendees.all() if u.email]
    if recipients:
        email.send(recipients, *_message(job.kind, appointment))


def register() -> None:
    for kind in KINDS:
        jobs.register_kind(kind, send, retry=RETRY)
