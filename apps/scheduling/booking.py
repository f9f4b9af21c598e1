"""Booking reads: available days, slots, the next slot and booking warnings.

Each call loads its data with a fixed number of queries (``calendars.load_calendars``)
and hands it to the pure slot engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q

from apps.accounts.models import User
from apps.accounts.selectors import parse_id, visible_patients
from apps.accounts.viewer import Viewer
from apps.core.errors import BadUserInput, NotFound
from apps.core.timefmt import TimeFormatError, get_zone, now, parse_clock, parse_date
from apps.scheduling.calendars import load_calendars, provider_zone
from apps.scheduling.limits import MAX_IDS, YEAR_MESSAGE, in_years
from apps.scheduling.models import (
    Appointment,
    AppointmentProvider,
    AppointmentType,
    AppointmentTypeCredit,
    RecurringAppointment,
    active_q,
)
from apps.scheduling.selectors import (
    active_providers,
    appointment_get,
    appointment_type_get,
    bookable_type,
    member_provider,
    public_provider,
)
from apps.scheduling.slots import Slot, days_with_slots, slots_for

MAX_RANGE_DAYS = 93
NEXT_SLOT_HORIZON_DAYS = 92


@dataclass(frozen=True)
class BookingScope:
    providers: list[User]
    appointment_type: AppointmentType
    zone: ZoneInfo
    exclude_appointment_id: int | None


def _zone(viewer: Viewer, timezone: str | None, provider: User) -> ZoneInfo:
    """The requested zone, else the patient's, else the provider's."""
    try:
        if timezone not in (None, ""):
            return get_zone(timezone)
    except TimeFormatError as error:
        raise BadUserInput(f"'timezone': {error}") from error
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
        raise BadUserInput("'provider_id' is required.")
    if appt_type_id in (None, ""):
        raise BadUserInput("'appt_type_id' is required.")
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
            raise NotFound("Appointment not found.")
        appointment = appointment_get(viewer, appointment_to_reschedule_id)
        if appointment.provider_id != provider.pk or appointment.appointment_type_id != appt_type.pk:
            raise BadUserInput("provider_id and appt_type_id must match the appointment being rescheduled.")
        exclude = appointment.pk
    return BookingScope(providers, appt_type, _zone(viewer, timezone, provider), exclude)


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(dt.UTC)


def _date(value: str | None, name: str, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise BadUserInput(f"'{name}' is required (YYYY-MM-DD).")
        return None
    try:
        day = parse_date(value)
    except TimeFormatError as error:
        raise BadUserInput(f"'{name}': {error}") from error
    if not in_years(day):
        raise BadUserInput(f"'{name}' {YEAR_MESSAGE}.")
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
        raise BadUserInput("'end_date' must not be before 'start_date'.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise BadUserInput(f"The range may cover at most {MAX_RANGE_DAYS} days.")
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


# ---- booking warnings -----------------------------------------------------------------------

CONFLICTS = "Event Conflicts"
DEFICITS = "Credit Deficits"
INTERVAL_STEPS = {
    RecurringAppointment.WEEKLY: relativedelta(weeks=1),
    RecurringAppointment.BIWEEKLY: relativedelta(weeks=2),
    RecurringAppointment.EVERY_4_WEEKS: relativedelta(weeks=4),
    RecurringAppointment.MONTHLY: relativedelta(months=1),
}
MAX_REPEAT_TIMES = 52


@dataclass(frozen=True)
class Warning:
    category: str
    subtitle: str
    potential_issues: list[str]
    potential_issue_ids: list[str]


def occurrences(start: dt.datetime, zone: ZoneInfo, *, is_repeating: bool | None, repeat_interval: str | None,
                repeat_times: int | None) -> list[dt.datetime]:
    """The first start plus its repetitions, stepped in local wall time so DST keeps the hour."""
    if not is_repeating:
        return [start]
    interval = next((k for k in INTERVAL_STEPS if k.lower() == (repeat_interval or "").strip().lower()), None)
    if interval is None:
        raise BadUserInput(f"'repeat_interval' must be one of: {', '.join(INTERVAL_STEPS)}.")
    times = repeat_times or 1
    if not 1 <= times <= MAX_REPEAT_TIMES:
        raise BadUserInput(f"'repeat_times' must be between 1 and {MAX_REPEAT_TIMES}.")
    local = start.astimezone(zone).replace(tzinfo=None)
    return [
        (local + INTERVAL_STEPS[interval] * i).replace(tzinfo=zone).astimezone(dt.UTC) for i in range(times)
    ]


def _issue_label(appointment: Appointment, zone: ZoneInfo) -> str:
    name = appointment.appointment_type.name if appointment.appointment_type_id else "Appointment"
    local = appointment.start.astimezone(zone)
    clock = local.strftime("%I:%M %p").lstrip("0")
    return f"{name} - {local:%b} {local.day}, {clock} {local.tzname()}"


def booking_warnings(
    viewer: Viewer,
    *,
    provider_id: object,
    date: str | None,
    time: str | None,
    timezone: str | None = None,
    appointment_type_id: object = None,
    length_in_minutes: int | None = None,
    attendee_ids: str | None = None,
    additional_provider_ids: str | None = None,
    recurring_appt_id: object = None,
    current_appt_id: object = None,
    is_repeating: bool | None = None,
    repeat_interval: str | None = None,
    repeat_times: int | None = None,
) -> list[Warning]:
    if provider_id in (None, ""):
        raise BadUserInput("'provider_id' is required.")
    provider = member_provider(viewer, provider_id)
    appt_type = appointment_type_get(viewer, appointment_type_id) if appointment_type_id not in (None, "") else None
    if appt_type is None and not length_in_minutes:
        raise BadUserInput("Send appointment_type_id or length_in_minutes.")
    length = length_in_minutes or appt_type.length
    if not 1 <= length <= 1440:
        raise BadUserInput("'length_in_minutes' must be between 1 and 1440.")
    zone = _zone(viewer, timezone, provider)
    try:
        day = parse_date(date or "")
        clock = parse_clock(time or "")
    except TimeFormatError as error:
        raise BadUserInput(str(error)) from error
    if not in_years(day):
        raise BadUserInput(f"'date' {YEAR_MESSAGE}.")
    first = dt.datetime.combine(day, clock).replace(tzinfo=zone).astimezone(dt.UTC)
    starts = occurrences(first, zone, is_repeating=is_repeating, repeat_interval=repeat_interval,
                         repeat_times=repeat_times)
    warnings: list[Warning] = []
    conflicts = _conflicts(viewer, provider, additional_provider_ids, starts, length, current_appt_id,
                           recurring_appt_id)
    if conflicts:
        warnings.append(Warning(
            CONFLICTS, "Existing events on the calendar overlap this time. Book it anyway?",
            [_issue_label(a, zone) for a in conflicts], [str(a.pk) for a in conflicts],
        ))
    if attendee_ids not in (None, ""):
        if appt_type is None:
            raise BadUserInput("'appointment_type_id' is required with attendee_ids.")
        short = _credit_deficits(viewer, appt_type, attendee_ids, len(starts))
        if short:
            warnings.append(Warning(
                DEFICITS, "These clients do not have enough credits for this appointment type.",
                [u.full_name for u in short], [str(u.pk) for u in short],
            ))
    return warnings


def _conflicts(viewer: Viewer, provider: User, additional_provider_ids: str | None, starts: list[dt.datetime],
               length: int, current_appt_id: object, recurring_appt_id: object) -> list[Appointment]:
    extra_ids = [parse_id(p) for p in (additional_provider_ids or "").split(",") if p.strip()]
    if None in extra_ids or len(extra_ids) > MAX_IDS:
        raise BadUserInput(f"'additional_provider_ids' must be at most {MAX_IDS} comma-separated provider ids.")
    found = set(active_providers().filter(organization_id=viewer.organization_id, pk__in=extra_ids)
                .values_list("pk", flat=True))
    if len(found) != len(set(extra_ids)):
        raise NotFound("Provider not found.")
    provider_pks = {provider.pk, *found}
    span = dt.timedelta(minutes=length)
    overlap = Q()
    for start in starts:
        overlap |= Q(start__lt=start + span, end__gt=start)
    extra = AppointmentProvider.objects.filter(user_id__in=provider_pks).values("appointment_id")
    qs = Appointment.objects.filter(active_q(), overlap, organization_id=viewer.organization_id).filter(
        Q(provider_id__in=provider_pks) | Q(pk__in=extra)
    )
    if parse_id(current_appt_id):
        qs = qs.exclude(pk=parse_id(current_appt_id))
    if parse_id(recurring_appt_id):
        qs = qs.exclude(recurring_appointment_id=parse_id(recurring_appt_id))
    return list(qs.select_related("appointment_type").order_by("start", "id")[:100])


def credit_balances(appt_type: AppointmentType, user_ids: list[int]) -> dict[int, int] | None:
    """Remaining credits per client, or None when the type is not booked with credits.

    A type uses credits once any client of the organization holds credits for it.
    """
    granted = dict(AppointmentTypeCredit.objects.filter(appointment_type=appt_type).filter(
        user_id__in=user_ids).values_list("user_id", "total_credits"))
    if not granted and not AppointmentTypeCredit.objects.filter(appointment_type=appt_type).exists():
        return None
    used = dict(
        Appointment.objects.filter(active_q(), appointment_type=appt_type, attendee_links__user_id__in=user_ids)
        .values_list("attendee_links__user_id").annotate(n=Count("id", distinct=True)).values_list(
            "attendee_links__user_id", "n")
    )
    return {pk: granted.get(pk, 0) - used.get(pk, 0) for pk in user_ids}


def _credit_deficits(viewer: Viewer, appt_type: AppointmentType, attendee_ids: str, needed: int) -> list[User]:
    pks = [parse_id(p) for p in attendee_ids.split(",") if p.strip()]
    if None in pks or len(pks) > MAX_IDS:
        raise BadUserInput(f"'attendee_ids' must be at most {MAX_IDS} comma-separated client ids.")
    clients = list(visible_patients(viewer).filter(pk__in=pks).order_by("id"))
    if len(clients) != len(set(pks)):
        raise NotFound("Client not found.")
    balances = credit_balances(appt_type, [c.pk for c in clients])
    if balances is None:
        return []
    return [c for c in clients if balances[c.pk] < needed]
