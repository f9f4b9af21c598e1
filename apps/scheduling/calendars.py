"""Loads the slot engine's input for many providers with a fixed number of queries.

Four queries whatever the number of providers or days: settings, availability rules,
appointments as primary provider, appointments as additional provider. The engine
itself (``slots.py``) never touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from apps.accounts.models import User
from apps.core.timefmt import TimeFormatError, get_zone
from apps.scheduling.models import (
    Appointment,
    AppointmentProvider,
    AppointmentSetting,
    AppointmentType,
    Availability,
    active_q,
)
from apps.scheduling.slots import ProviderCalendar, Window

# Appointments longer than this are not expected; it bounds how far before the range
# an appointment may start and still overlap it.
MAX_APPOINTMENT_HOURS = 24


def provider_zone(user: User):
    try:
        return get_zone(user.timezone or "UTC")
    except TimeFormatError:
        return get_zone("UTC")


def _rules(setting: AppointmentSetting | None, override: AppointmentSetting | None) -> tuple[int, int, int]:
    """(buffer, interval, minimum advance hours): the type's own setting wins over the provider's."""
    chosen = override or setting
    if chosen is None:
        return 0, 30, 0
    return chosen.buffer, chosen.calendar_interval or 30, chosen.minimum_advance_schedule_time


def load_calendars(
    providers: Sequence[User],
    *,
    range_start: dt.datetime,
    range_end: dt.datetime,
    appointment_type: AppointmentType | None = None,
    exclude_appointment_id: int | None = None,
) -> list[ProviderCalendar]:
    """Calendars for ``providers`` covering [range_start, range_end).

    ``exclude_appointment_id`` leaves out the appointment being rescheduled.
    ``appointment_type`` must have ``appointment_setting`` loaded (or absent) when given.
    """
    ids = [p.pk for p in providers]
    if not ids:
        return []
    settings = {s.provider_id: s for s in AppointmentSetting.objects.filter(provider_id__in=ids)}
    override = getattr(appointment_type, "appointment_setting", None) if appointment_type else None
    max_buffer = max([s.buffer for s in settings.values()] + [override.buffer if override else 0])
    margin = dt.timedelta(hours=MAX_APPOINTMENT_HOURS, minutes=max_buffer)
    first_day = (range_start - dt.timedelta(days=2)).date()
    last_day = (range_end + dt.timedelta(days=2)).date()

    windows: dict[int, list[Window]] = {pk: [] for pk in ids}
    rows = Availability.objects.filter(user_id__in=ids, deleted_at__isnull=True, range_start__lte=last_day).exclude(
        is_repeating=False, range_start__lt=first_day
    ).exclude(is_repeating=True, range_end__lt=first_day)
    zones: dict[str, ZoneInfo] = {}
    for row in rows.values_list("user_id", "is_repeating", "day_of_week", "range_start", "range_end",
                                "start_time", "end_time", "timezone"):
        name = row[-1]
        if name not in zones:
            try:
                zones[name] = get_zone(name)
            except TimeFormatError:
                zones[name] = None  # falls back to the provider's zone
        windows[row[0]].append(Window(*row[1:-1], zone=zones[name]))

    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {pk: [] for pk in ids}
    appointments = Appointment.objects.filter(
        active_q(), provider_id__in=ids, start__lt=range_end + margin, end__gt=range_start - margin
    )
    if exclude_appointment_id:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    for provider_id, start, end in appointments.values_list("provider_id", "start", "end"):
        busy[provider_id].append((start, end))
    extra = AppointmentProvider.objects.filter(
        user_id__in=ids, appointment__start__lt=range_end + margin, appointment__end__gt=range_start - margin,
    ).filter(active_q("appointment__"))
    if exclude_appointment_id:
        extra = extra.exclude(appointment_id=exclude_appointment_id)
    for provider_id, start, end in extra.values_list("user_id", "appointment__start", "appointment__end"):
        busy[provider_id].append((start, end))

    calendars = []
    for provider in providers:
        buffer, interval, advance = _rules(settings.get(provider.pk), override)
        calendars.append(ProviderCalendar(
            provider_id=provider.pk, zone=provider_zone(provider), windows=windows[provider.pk],
            busy=busy[provider.pk], buffer_minutes=buffer, interval_minutes=interval,
            minimum_advance_hours=advance,
        ))
    return calendars

