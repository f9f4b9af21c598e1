"""Booking reads: available days, slots and the next slot (warnings: ``booking_warnings``).

Each call loads its data with a fixed number of queries (``calendars.load_calendars``)
and hands it to the pure slot engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from apps.accounts.models import User
from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.core.timefmt import TimeFormatError, get_zone, now, parse_date
from apps.scheduling.calendars import load_calendars, provider_zone
from apps.scheduling.limits import YEAR_MESSAGE, in_years
from apps.scheduling.models import AppointmentType
from apps.scheduling.selectors import active_providers, appointment_get, bookable_type, public_provider
from apps.scheduling.slots import Slot, days_with_slots, slots_for

MAX_RANGE_DAYS = 93
NEXT_SLOT_HORIZON_DAYS = 92


@dataclass(frozen=True)
class BookingScope:
    providers: list[User]
    appointment_type: AppointmentType
    zone: ZoneInfo
    exclude_appointment_id: int | None


def requested_zone(viewer: Viewer, timezone: str | None, provider: User) -> ZoneInfo:
    """The requested zone, else the patient's, else the provider's."""
    try:
        if timezone not in (None, ""):
            return get_zone(timezone)
    except TimeFormatError as error:
        raise ValidationFailed("timezone", f"'timezone': {error}") from error
    if viewer.is_patient and viewer.user.timezone:
        try:
            return get_zone(viewer.user.timezone)
        except TimeFormatError:
            pass
    return provider_zone(provider)


def booking_scope(
    viewer: Viewer,
    *,
    provider_id: object,
    appt_type_id: object,
    timezone: str | None = None,
    org_level: bool | None = None,
    provider_ids: list[object] | None = None,
    appointment_to_reschedule_id: object = None,
) -> BookingScope:
    if provider_id in (None, ""):
        raise ValidationFailed("provider_id", "'provider_id' is required.")
    if appt_type_id in (None, ""):
        raise ValidationFailed("appt_type_id", "'appt_type_id' is required.")
    provider = public_provider(viewer, provider_id)
    appt_type = bookable_type(viewer, appt_type_id, provider)
    providers = [provider]
    if org_level:
        qs = active_providers().filter(organization_id=provider.organization_id)
        if provider_ids:
            qs = qs.filter(pk__in=[p for p in (parse_id(i) for i in provider_ids if i is not None) if p])
        providers = list(qs.order_by("id"))
    exclude = None
    if appointment_to_reschedule_id not in (None, ""):
        if not viewer.is_authenticated:
            raise NotFound("appointment_to_reschedule_id", "Appointment not found.")
        appointment = appointment_get(viewer, appointment_to_reschedule_id, field="appointment_to_reschedule_id")
        if appointment.provider_id != provider.pk or appointment.appointment_type_id != appt_type.pk:
            raise ValidationFailed("appointment_to_reschedule_id",
                                   "provider_id and appt_type_id must match the appointment being rescheduled.")
        exclude = appointment.pk
    return BookingScope(providers, appt_type, requested_zone(viewer, timezone, provider), exclude)


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(dt.UTC)


def _date(value: str | None, name: str, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(name, f"'{name}' is required (YYYY-MM-DD).")
        return None
    try:
        day = parse_date(value)
    except TimeFormatError as error:
        raise ValidationFailed(name, f"'{name}': {error}") from error
    if not in_years(day):
        raise ValidationFailed(name, f"'{name}' {YEAR_MESSAGE}.")
    return day


def slots_in_range(scope: BookingScope, first: dt.date, last: dt.date) -> list[Slot]:
    """Slots from ``first`` 00:00 to the end of ``last``, both local to the scope's zone."""
    start = _local_midnight(first, scope.zone)
    end = _local_midnight(last + dt.timedelta(days=1), scope.zone)
    calendars = load_calendars(scope.providers, range_start=start, range_end=end,
                               appointment_type=scope.appointment_type,
                               exclude_appointment_id=scope.exclude_appointment_id)
    return slots_for(calendars, length_minutes=scope.appointment_type.length, range_start=start, range_end=end,
                     now=now())


def available_slots(
    scope: BookingScope,
    *,
    start_date: str | None,
    end_date: str | None,
    start_date_boundary: str | None = None,
    end_date_boundary: str | None = None,
) -> list[Slot]:
    first = _date(start_date, "start_date", required=True)
    last = _date(end_date, "end_date", required=True)
    low = _date(start_date_boundary, "start_date_boundary")
    high = _date(end_date_boundary, "end_date_boundary")
    if last < first:
        raise ValidationFailed("end_date", "'end_date' must not be before 'start_date'.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed("end_date", f"The range may cover at most {MAX_RANGE_DAYS} days.")
    first = max(first, low) if low else first
    last = min(last, high) if high else last
    if last < first:
        return []
    return slots_in_range(scope, first, last)


def days_available(scope: BookingScope, *, date_from_month: str | None) -> list[dt.date]:
    day = _date(date_from_month, "date_from_month", required=True)
    first = day.replace(day=1)
    last = first + relativedelta(months=1) - dt.timedelta(days=1)
    return days_with_slots(slots_in_range(scope, first, last), scope.zone)


def next_available_slot(scope: BookingScope, *, start_date: str | None = None) -> Slot | None:
    first = _date(start_date, "start_date") or now().astimezone(scope.zone).date()
    slots = slots_in_range(scope, first, first + dt.timedelta(days=NEXT_SLOT_HORIZON_DAYS))
    return slots[0] if slots else None
