"""Builders for scheduling test data (real rows, no mocks)."""

from __future__ import annotations

import datetime as dt

from apps.accounts.models import Organization, User
from apps.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSetting,
    AppointmentType,
    Availability,
)

UTC = dt.UTC


def appt_type(org: Organization, *, name: str = "Initial Consultation", length: int = 60, **fields) -> AppointmentType:
    return AppointmentType.objects.create(organization=org, name=name, length=length, **fields)


def weekly(provider: User, day_of_week: int, start: str = "09:00", end: str = "12:00",
           range_start: dt.date = dt.date(2030, 1, 1), range_end: dt.date | None = None) -> Availability:
    return Availability.objects.create(
        organization_id=provider.organization_id, user=provider, is_repeating=True, day_of_week=day_of_week,
        range_start=range_start, range_end=range_end, start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end), timezone=provider.timezone or "UTC",
    )


def one_time(provider: User, day: dt.date, start: str = "09:00", end: str = "12:00") -> Availability:
    return Availability.objects.create(
        organization_id=provider.organization_id, user=provider, is_repeating=False,
        day_of_week=(day.weekday() + 1) % 7, range_start=day, start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end), timezone=provider.timezone or "UTC",
    )


def appointment(provider: User, client: User | None, start: dt.datetime, *, length: int = 60,
                kind: AppointmentType | None = None, **fields) -> Appointment:
    item = Appointment.objects.create(
        organization_id=provider.organization_id, provider=provider, user=client, appointment_type=kind,
        start=start, end=start + dt.timedelta(minutes=length), timezone=provider.timezone or "UTC",
        contact_type="In Person", **fields,
    )
    if client is not None:
        AppointmentAttendee.objects.create(appointment=item, user=client)
    return item


def settings_for(provider: User, **fields) -> AppointmentSetting:
    return AppointmentSetting.objects.create(organization_id=provider.organization_id, provider=provider, **fields)
