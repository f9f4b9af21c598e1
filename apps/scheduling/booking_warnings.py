"""``appointmentBookingWarnings``: event conflicts and credit deficits for a proposed booking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from apps.accounts.models import User
from apps.accounts.selectors import parse_id, visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.core.timefmt import TimeFormatError, parse_clock, parse_date
from apps.scheduling.booking import requested_zone
from apps.scheduling.limits import MAX_IDS, YEAR_MESSAGE, in_years
from apps.scheduling.models import Appointment, AppointmentProvider, AppointmentType, AppointmentTypeCredit, active_q
from apps.scheduling.recurrence import occurrences
from apps.scheduling.selectors import active_providers, appointment_type_get, appointments_visible, member_provider

CONFLICTS = "Event Conflicts"
DEFICITS = "Credit Deficits"


@dataclass(frozen=True)
class Warning:
    category: str
    subtitle: str
    potential_issues: list[str]
    potential_issue_ids: list[str]


def _issue_label(appointment: Appointment, zone: ZoneInfo, *, named: bool = True) -> str:
    name = appointment.appointment_type.name if appointment.appointment_type_id and named else (
        "Appointment" if named else "Busy")
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
    viewer.require(MEMBER)
    if provider_id in (None, ""):
        raise ValidationFailed("provider_id", "'provider_id' is required.")
    provider = member_provider(viewer, provider_id)
    appt_type = (appointment_type_get(viewer, appointment_type_id, field="appointment_type_id")
                 if appointment_type_id not in (None, "") else None)
    if appt_type is None and not length_in_minutes:
        raise ValidationFailed("appointment_type_id", "Send appointment_type_id or length_in_minutes.")
    length = length_in_minutes or appt_type.length
    if not 1 <= length <= 1440:
        raise ValidationFailed("length_in_minutes", "'length_in_minutes' must be between 1 and 1440.")
    zone = requested_zone(viewer, timezone, provider)
    try:
        day = parse_date(date or "")
    except TimeFormatError as error:
        raise ValidationFailed("date", str(error)) from error
    try:
        clock = parse_clock(time or "")
    except TimeFormatError as error:
        raise ValidationFailed("time", str(error)) from error
    if not in_years(day):
        raise ValidationFailed("date", f"'date' {YEAR_MESSAGE}.")
    first = dt.datetime.combine(day, clock).replace(tzinfo=zone).astimezone(dt.UTC)
    starts = occurrences(first, zone, is_repeating=is_repeating, repeat_interval=repeat_interval,
                         repeat_times=repeat_times)
    warnings: list[Warning] = []
    conflicts = _conflicts(viewer, provider, additional_provider_ids, starts, length, current_appt_id,
                           recurring_appt_id)
    if conflicts:
        # An appointment of a patient hidden from the viewer still takes the provider's time, so it
        # is reported, but as anonymous busy time: no type name and no id (potential_issue_ids
        # lists only the events the viewer may open, so it can be shorter than potential_issues).
        shown = set(appointments_visible(viewer).filter(pk__in=[a.pk for a in conflicts])
                    .values_list("pk", flat=True))
        warnings.append(Warning(
            CONFLICTS, "Existing events on the calendar overlap this time. Book it anyway?",
            [_issue_label(a, zone, named=a.pk in shown) for a in conflicts],
            [str(a.pk) for a in conflicts if a.pk in shown],
        ))
    if attendee_ids not in (None, ""):
        if appt_type is None:
            raise ValidationFailed("appointment_type_id", "'appointment_type_id' is required with attendee_ids.")
        short = _credit_deficits(viewer, appt_type, attendee_ids, len(starts))
        if short:
            warnings.append(Warning(
                DEFICITS, "These clients do not have enough credits for this appointment type.",
                [u.full_name for u in short], [str(u.pk) for u in short],
            ))
    return warnings


def _conflicts(viewer: Viewer, provider: User, additional_provider_ids: str | None, starts: list[dt.datetime],
               length: int, current_appt_id: object, recurring_appt_id: object) -> list[Appointment]:
    extra_ids = [parse_id(p.strip()) for p in (additional_provider_ids or "").split(",") if p.strip()]
    if None in extra_ids or len(extra_ids) > MAX_IDS:
        raise ValidationFailed("additional_provider_ids",
                               f"'additional_provider_ids' must be at most {MAX_IDS} comma-separated provider ids.")
    found = set(active_providers().filter(organization_id=viewer.organization_id, pk__in=extra_ids)
                .values_list("pk", flat=True))
    if len(found) != len(set(extra_ids)):
        raise NotFound("additional_provider_ids", "Provider not found.")
    provider_pks = {provider.pk, *found}
    span = dt.timedelta(minutes=length)
    overlap = Q()
    for start in starts:
        overlap |= Q(start__lt=start + span, end__gt=start)
    extra = AppointmentProvider.objects.filter(user_id__in=provider_pks).values("appointment_id")
    qs = Appointment.objects.filter(active_q(), overlap, organization_id=viewer.organization_id).filter(
        Q(provider_id__in=provider_pks) | Q(pk__in=extra)
    )
    # Only appointments the viewer may see can be left out: naming a hidden one changes nothing,
    # exactly like naming one that does not exist.
    visible = appointments_visible(viewer)
    if parse_id(current_appt_id):
        qs = qs.exclude(pk__in=visible.filter(pk=parse_id(current_appt_id)).values("pk"))
    if parse_id(recurring_appt_id):
        qs = qs.exclude(pk__in=visible.filter(recurring_appointment_id=parse_id(recurring_appt_id)).values("pk"))
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
    pks = [parse_id(p.strip()) for p in attendee_ids.split(",") if p.strip()]
    if None in pks or len(pks) > MAX_IDS:
        raise ValidationFailed("attendee_ids", f"'attendee_ids' must be at most {MAX_IDS} comma-separated client ids.")
    clients = list(visible_patients(viewer).filter(pk__in=pks).order_by("id"))
    if len(clients) != len(set(pks)):
        raise NotFound("attendee_ids", "Client not found.")
    balances = credit_balances(appt_type, [c.pk for c in clients])
    if balances is None:
        return []
    return [c for c in clients if balances[c.pk] < needed]
