"""Booking confirmations and reminders as durable due rows, sent by ``run_worker``.

Rows are written in the booking transaction (a rolled-back booking leaves none);
the worker claims due rows with ``FOR UPDATE SKIP LOCKED`` so several workers never
send the same e-mail, and re-checks the appointment is still active before sending.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from apps.core.timefmt import format_datetime, now
from apps.scheduling.models import Appointment, AppointmentNotification, AppointmentSetting

logger = logging.getLogger("careplatform.scheduling")
MAX_ATTEMPTS = 5
RETRY_STEP = dt.timedelta(minutes=5)


def cancel_pending(appointment: Appointment) -> None:
    AppointmentNotification.objects.filter(
        appointment=appointment, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now())


def schedule(appointment: Appointment, *, confirm: bool = True) -> None:
    """(Re)plans the e-mails of ``appointment``: a confirmation now, reminders at the offsets.

    The provider's ``reminder_minutes_before`` gives the offsets; with
    ``end_reminder_one_hour_before`` no reminder goes out in the final hour.
    """
    cancel_pending(appointment)
    if not appointment.is_active:
        return
    moment = now()
    rows = []
    if confirm:
        rows.append(AppointmentNotification(appointment=appointment, kind=AppointmentNotification.CONFIRMATION,
                                            due_at=moment))
    setting = AppointmentSetting.objects.filter(provider_id=appointment.provider_id).first()
    if setting is not None:
        for minutes in setting.reminder_minutes_before or []:
            if setting.end_reminder_one_hour_before and minutes < 60:
                continue
            due = appointment.start - dt.timedelta(minutes=minutes)
            if due > moment:
                rows.append(AppointmentNotification(appointment=appointment, kind=AppointmentNotification.REMINDER,
                                                    due_at=due))
    AppointmentNotification.objects.bulk_create(rows)


def _message(row: AppointmentNotification) -> tuple[str, str]:
    appointment = row.appointment
    name = appointment.appointment_type.name if appointment.appointment_type_id else "Appointment"
    when = format_datetime(appointment.start, appointment.timezone or "UTC")
    with_whom = appointment.provider.full_name
    if row.kind == AppointmentNotification.CONFIRMATION:
        return f"Appointment confirmed: {name}", f"Your {name} with {with_whom} is booked for {when}.\n"
    return f"Reminder: {name} at {when}", f"This is a reminder of your {name} with {with_whom} at {when}.\n"


def run_batch(limit: int) -> int:
    """Sends up to ``limit`` due e-mails; returns how many rows it handled."""
    with transaction.atomic():
        rows = list(
            AppointmentNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now())
            .select_related("appointment__provider", "appointment__appointment_type")
            .order_by("due_at", "id")[:limit]
        )
        for row in rows:
            appointment = row.appointment
            if not appointment.is_active or (row.kind == AppointmentNotification.REMINDER
                                             and appointment.start <= now()):
                row.cancelled_at = now()
                row.save(update_fields=["cancelled_at"])
                continue
            recipients = [u.email for u in appointment.attendees.all() if u.email]
            subject, body = _message(row)
            try:
                if recipients:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            except Exception as error:  # transport failures are retried with a growing delay
                row.attempts += 1
                row.last_error = str(error)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.cancelled_at = now()
                else:
                    row.due_at = now() + RETRY_STEP * row.attempts
                row.save(update_fields=["attempts", "last_error", "cancelled_at", "due_at"])
                logger.warning("appointment e-mail %s failed: %s", row.pk, error)
                continue
            row.sent_at = now()
            row.save(update_fields=["sent_at"])
    return len(rows)
