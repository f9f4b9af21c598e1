"""Appointments: staff create/update/delete, patient reschedule/cancel."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.selectors import parse_id, visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, ErrorCode, ValidationFailed
from apps.core.inputs import sent
from apps.core.timefmt import now
from apps.events.bus import emit
from apps.scheduling import notifications
from apps.scheduling.calendars import load_calendars, provider_zone
from apps.scheduling.inputs import AppointmentInput
from apps.scheduling.models import (
    CANCELLED,
    CONTACT_TYPES,
    PM_STATUSES,
    Appointment,
    AppointmentAttendee,
    AppointmentProvider,
    AppointmentSetting,
    AppointmentType,
    RecurringAppointment,
)
from apps.scheduling.recurrence import MAX_REPEAT_TIMES, occurrences
from apps.scheduling.selectors import appointment_get
from apps.scheduling.services.common import (
    clock_or_error,
    date_or_error,
    datetime_or_error,
    id_list,
    org_provider,
    zone_or_error,
)
from apps.scheduling.slots import is_bookable

SLOT_UNAVAILABLE_MESSAGE = "This time slot is no longer available; please pick another one"


def slot_unavailable(field: str = "date") -> ValidationFailed:
    """``field`` names the input the client sent the time in (``date`` or ``datetime``)."""
    return ValidationFailed(field, SLOT_UNAVAILABLE_MESSAGE, code=ErrorCode.SLOT_UNAVAILABLE)


def contact_type_for(errors: Collector, appt_type: AppointmentType | None, value: str | None,
                     *, required: bool) -> str | None:
    """The display name of a contact type the appointment type offers (name or key accepted)."""
    if value in (None, ""):
        if required:
            errors.add("contact_type", "Contact type can't be blank")
        return None
    offered = appt_type.available_contact_types if appt_type else list(CONTACT_TYPES.values())
    wanted = value.strip().lower()
    for key, name in CONTACT_TYPES.items():
        if wanted in (key, name.lower()) and name in offered:
            return name
    errors.add("contact_type", f"must be one of: {', '.join(offered)}")
    return None


def start_from(errors: Collector, data: AppointmentInput, zone, *, required: bool) -> dt.datetime | None:
    """``datetime`` wins over ``date`` + ``time`` (documented), read in ``zone`` when it has no offset."""
    if sent(data.datetime) not in (None, ""):
        return datetime_or_error(errors, "datetime", data.datetime, zone)
    if sent(data.date) not in (None, ""):
        text = str(data.date).strip()
        if sent(data.time) in (None, "") and len(text) > 12:
            return datetime_or_error(errors, "date", text, zone)
        day = date_or_error(errors, "date", text)
        clock = clock_or_error(errors, "time", sent(data.time), required=True)
        if day is None or clock is None:
            return None
        return dt.datetime.combine(day, clock).replace(tzinfo=zone).astimezone(dt.UTC)
    if required:
        errors.add("datetime", "datetime is required (ISO 8601 or YYYY-MM-DD HH:MM:SS)")
    return None


def _type_for(viewer: Viewer, errors: Collector, value: object, *, required: bool) -> AppointmentType | None:
    if value in (None, ""):
        if required:
            errors.add("appointment_type_id", "Appointment type can't be blank")
        return None
    pk = parse_id(value)
    appt_type = AppointmentType.objects.filter(organization_id=viewer.organization_id, pk=pk,
                                               deleted_at__isnull=True).first() if pk else None
    if appt_type is None:
        errors.add("appointment_type_id", "Appointment type not found", ErrorCode.NOT_FOUND)
    return appt_type


def _clients(viewer: Viewer, errors: Collector, field: str, value: object) -> list[User]:
    ids = id_list(value)
    if None in ids:
        errors.add(field, "must be comma-separated client ids")
        return []
    found = list(visible_patients(viewer).filter(pk__in=ids).order_by("id"))
    if len(found) != len(set(ids)):
        errors.add(field, "Client not found", ErrorCode.NOT_FOUND)
    return found


def _providers(viewer: Viewer, errors: Collector, value: object, primary: User | None) -> list[User]:
    found = []
    for pk in dict.fromkeys(id_list(value)):
        provider = org_provider(viewer, errors, "providers", pk) if pk else None
        if pk is None:
            errors.add("providers", "must be comma-separated provider ids")
        elif provider is not None and (primary is None or provider.pk != primary.pk):
            found.append(provider)
    return found


def _join_booking_group(appt_type: AppointmentType | None, clients: list[User], actor_id: int | None) -> None:
    """Clients join the type's ``user_group`` after booking (documented ``user_group_id``)."""
    if appt_type is None or appt_type.user_group_id is None:
        return
    for client in clients:
        if client.user_group_id != appt_type.user_group_id:
            client.user_group_id = appt_type.user_group_id
            client.save(update_fields=["user_group", "updated_at"])
            emit("patient.updated", client, organization_id=client.organization_id, actor_id=actor_id,
                 changed_fields=["user_group_id"])


def insert_appointment(
    *,
    organization_id: int,
    provider: User,
    appt_type: AppointmentType | None,
    start: dt.datetime,
    length: int,
    clients: list[User],
    extra_providers: list[User],
    contact_type: str,
    timezone: str,
    actor: User | None,
    booked_by_client: bool = False,
    recurring: RecurringAppointment | None = None,
    location: str = "",
    notes: str = "",
    pm_status: str = "",
) -> Appointment:
    """Writes one appointment with its links, event and e-mails (caller holds the transaction)."""
    is_group = bool(appt_type and appt_type.is_group) or len(clients) > 1
    appointment = Appointment.objects.create(
        organization_id=organization_id, provider=provider, appointment_type=appt_type,
        user=None if is_group or not clients else clients[0], start=start,
        end=start + dt.timedelta(minutes=length), timezone=timezone, contact_type=contact_type,
        location=location, notes=notes, pm_status=pm_status, is_group=is_group,
        booked_by_client=booked_by_client, created_by=actor, recurring_appointment=recurring,
    )
    AppointmentAttendee.objects.bulk_create([AppointmentAttendee(appointment=appointment, user=c) for c in clients])
    AppointmentProvider.objects.bulk_create(
        [AppointmentProvider(appointment=appointment, user=p) for p in extra_providers]
    )
    emit("appointment.created", appointment, organization_id=organization_id,
         actor_id=actor.pk if actor else None)
    notifications.schedule(appointment)
    return appointment


@transaction.atomic
def appointment_create(viewer: Viewer, *, data: AppointmentInput) -> Appointment:
    """``createAppointment`` (staff). Availability is not enforced, as documented."""
    viewer.require(MEMBER)
    errors = Collector()
    provider = org_provider(viewer, errors, "other_party_id", sent(data.other_party_id))
    appt_type = _type_for(viewer, errors, sent(data.appointment_type_id), required=True)
    contact_type = contact_type_for(errors, appt_type, sent(data.contact_type), required=True)
    zone = zone_or_error(errors, "timezone", sent(data.timezone),
                         provider_zone(provider).key if provider else "UTC")
    start = start_from(errors, data, zone, required=True) if zone else None
    clients: list[User] = []
    if sent(data.user_id) not in (None, ""):
        clients = _clients(viewer, errors, "user_id", data.user_id)
        if sent(data.attendee_ids) not in (None, ""):
            errors.add("attendee_ids", "send user_id for a 1:1 appointment or attendee_ids for a group, not both")
    elif sent(data.attendee_ids) not in (None, ""):
        clients = _clients(viewer, errors, "attendee_ids", data.attendee_ids)
    extra = _providers(viewer, errors, sent(data.providers), provider)
    pm_status = _pm_status(errors, sent(data.pm_status))
    recurring_times = None
    if data.is_repeating:
        recurring_times = sent(data.repeat_times)
        if not recurring_times or not 2 <= recurring_times <= MAX_REPEAT_TIMES:
            errors.add("repeat_times", f"must be between 2 and {MAX_REPEAT_TIMES} for a recurring appointment")
        if (sent(data.repeat_interval) or "").strip() not in RecurringAppointment.INTERVALS:
            errors.add("repeat_interval", f"must be one of: {', '.join(RecurringAppointment.INTERVALS)}")
    errors.raise_if_any()
    starts = [start]
    recurring = None
    if recurring_times:
        interval = data.repeat_interval.strip()
        starts = occurrences(start, zone, is_repeating=True, repeat_interval=interval, repeat_times=recurring_times)
        recurring = RecurringAppointment.objects.create(organization_id=viewer.organization_id,
                                                        repeat_interval=interval, repeat_times=recurring_times)
    created = [
        insert_appointment(
            organization_id=viewer.organization_id, provider=provider, appt_type=appt_type, start=s,
            length=appt_type.length, clients=clients, extra_providers=extra, contact_type=contact_type,
            timezone=zone.key, actor=viewer.user, recurring=recurring,
            location=(sent(data.location) or "").strip()[:255], notes=(sent(data.notes) or "")[:10000],
            pm_status=pm_status or "",
        )
        for s in starts
    ]
    _join_booking_group(appt_type, clients, viewer.user_id)
    return created[0]


def _pm_status(errors: Collector, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    match = next((s for s in PM_STATUSES if s.lower() == value.strip().lower()), None)
    if match is None:
        errors.add("pm_status", f"must be one of: {', '.join(PM_STATUSES)}")
    return match


def _set_clients(appointment: Appointment, clients: list[User]) -> None:
    AppointmentAttendee.objects.filter(appointment=appointment).exclude(user__in=clients).delete()
    existing = set(AppointmentAttendee.objects.filter(appointment=appointment).values_list("user_id", flat=True))
    AppointmentAttendee.objects.bulk_create(
        [AppointmentAttendee(appointment=appointment, user=c) for c in clients if c.pk not in existing]
    )


def _lock(appointment_id: int) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment_id)


@transaction.atomic
def appointment_update(viewer: Viewer, *, appointment_id: object, data: AppointmentInput) -> Appointment:
    """Staff change any field; a patient reschedules (``client_updating``) into an open slot."""
    viewer.require()
    if appointment_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    if viewer.is_patient:
        if not data.client_updating:
            raise ValidationFailed("client_updating", "Patients reschedule with client_updating: true")
        return _client_reschedule(viewer, appointment_id, data)
    viewer.require(MEMBER)
    appointment = _lock(appointment_get(viewer, appointment_id).pk)
    errors = Collector()
    changed: list[str] = []
    appt_type = appointment.appointment_type
    if sent(data.appointment_type_id) not in (None, ""):
        appt_type = _type_for(viewer, errors, data.appointment_type_id, required=True)
    provider = appointment.provider
    if sent(data.other_party_id) not in (None, ""):
        provider = org_provider(viewer, errors, "other_party_id", data.other_party_id)
    contact_type = contact_type_for(errors, appt_type, sent(data.contact_type), required=False)
    zone = zone_or_error(errors, "timezone", sent(data.timezone), appointment.timezone or "UTC")
    start = start_from(errors, data, zone, required=False) if zone else None
    pm_status = _pm_status(errors, sent(data.pm_status))
    clients = None
    if sent(data.user_id) not in (None, ""):
        clients = _clients(viewer, errors, "user_id", data.user_id)
    elif sent(data.attendee_ids) is not None:
        clients = _clients(viewer, errors, "attendee_ids", data.attendee_ids)
    extra = _providers(viewer, errors, data.providers, provider) if sent(data.providers) is not None else None
    errors.raise_if_any()
    if appt_type is not None and appt_type.pk != appointment.appointment_type_id:
        appointment.appointment_type = appt_type
        appointment.end = appointment.start + dt.timedelta(minutes=appt_type.length)
        changed.append("appointment_type_id")
    if provider.pk != appointment.provider_id:
        appointment.provider = provider
        changed.append("other_party_id")
    if contact_type and contact_type != appointment.contact_type:
        appointment.contact_type = contact_type
        changed.append("contact_type")
    if start is not None and start != appointment.start:
        length = appointment.end - appointment.start
        appointment.start, appointment.end = start, start + length
        changed.append("date")
    if pm_status and pm_status != appointment.pm_status:
        appointment.pm_status = pm_status
        changed.append("pm_status")
    for name in ("location", "notes"):
        value = sent(getattr(data, name))
        if value is not None and value != getattr(appointment, name):
            setattr(appointment, name, value[:255] if name == "location" else value[:10000])
            changed.append(name)
    if clients is not None:
        _set_clients(appointment, clients)
        appointment.user = clients[0] if len(clients) == 1 and not appointment.is_group else None
        changed.append("attendee_ids")
    if extra is not None:
        AppointmentProvider.objects.filter(appointment=appointment).delete()
        AppointmentProvider.objects.bulk_create([AppointmentProvider(appointment=appointment, user=p) for p in extra])
        changed.append("providers")
    if changed:
        appointment.save()
        emit("appointment.updated", appointment, organization_id=appointment.organization_id,
             actor_id=viewer.user_id, changed_fields=changed)
        if {"date", "pm_status", "appointment_type_id"} & set(changed):
            notifications.schedule(appointment, confirm="date" in changed)
    return appointment


def _provider_setting(appointment: Appointment) -> AppointmentSetting | None:
    return AppointmentSetting.objects.filter(provider_id=appointment.provider_id).first()


def _client_reschedule(viewer: Viewer, appointment_id: object, data: AppointmentInput) -> Appointment:
    """A patient moves their appointment into an open slot, under the provider's rules.

    Races like checkout: the provider row is locked, then the slot is re-checked.
    """
    appointment = appointment_get(viewer, appointment_id)
    setting = _provider_setting(appointment)
    allowed = setting.allow_clients_to_reschedule_appt if setting else True
    if not allowed or not appointment.is_active:
        message = setting.cant_reschedule_message if setting else "This appointment cannot be rescheduled"
        raise ValidationFailed("id", message)
    moment = now()
    if appointment.start <= moment and not (setting and setting.allow_past_appointment_rescheduling):
        raise ValidationFailed("id", "Past appointments cannot be rescheduled")
    if setting and appointment.start - moment < dt.timedelta(hours=setting.minimum_advance_reschedule_time):
        raise ValidationFailed("id", setting.cant_reschedule_message)
    errors = Collector()
    zone = zone_or_error(errors, "timezone", sent(data.timezone),
                         viewer.user.timezone or appointment.timezone or "UTC")
    start = start_from(errors, data, zone, required=True) if zone else None
    errors.raise_if_any()
    provider = User.objects.select_for_update().get(pk=appointment.provider_id)
    appointment = _lock(appointment.pk)
    appt_type = AppointmentType.objects.filter(pk=appointment.appointment_type_id).select_related(
        "appointment_setting").first()
    calendars = load_calendars([provider], range_start=start, range_end=start + dt.timedelta(minutes=1),
                               appointment_type=appt_type, exclude_appointment_id=appointment.pk)
    if not is_bookable(calendars[0], start=start, length_minutes=appointment.length, now=moment):
        raise slot_unavailable("datetime" if sent(data.datetime) not in (None, "") else "date")
    length = appointment.end - appointment.start
    appointment.start, appointment.end = start, start + length
    appointment.save()
    emit("appointment.updated", appointment, organization_id=appointment.organization_id,
         actor_id=viewer.user_id, changed_fields=["date"])
    notifications.schedule(appointment)
    return appointment


@transaction.atomic
def appointment_delete(viewer: Viewer, *, appointment_id: object, delete_recurring: bool | None = None
                       ) -> Appointment:
    """Staff soft-delete; a patient's delete cancels (the appointment stays visible)."""
    viewer.require()
    if appointment_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    appointment = _lock(appointment_get(viewer, appointment_id).pk)
    targets = [appointment]
    if delete_recurring and appointment.recurring_appointment_id:
        targets += list(
            Appointment.objects.select_for_update().filter(
                recurring_appointment_id=appointment.recurring_appointment_id, start__gt=appointment.start,
                deleted_at__isnull=True,
            ).order_by("start")
        )
    if viewer.is_patient:
        setting = _provider_setting(appointment)
        if setting and (not setting.allow_clients_to_cancel_appt or appointment.start - now()
                        < dt.timedelta(hours=setting.minimum_advance_cancel_time)):
            raise ValidationFailed("id", setting.cant_cancel_message)
        if not appointment.is_active:
            raise ValidationFailed("id", "This appointment is not active")
        for item in targets:
            if item.is_active and item.attendee_links.filter(user_id=viewer.user_id).exists():
                item.pm_status = CANCELLED
                item.save(update_fields=["pm_status", "updated_at"])
                emit("appointment.updated", item, organization_id=item.organization_id, actor_id=viewer.user_id,
                     changed_fields=["pm_status"])
                notifications.cancel_pending(item)
        return appointment
    viewer.require(MEMBER)
    moment = now()
    for item in targets:
        item.deleted_at = moment
        item.save(update_fields=["deleted_at", "updated_at"])
        emit("appointment.deleted", item, organization_id=item.organization_id, actor_id=viewer.user_id)
        notifications.cancel_pending(item)
    return appointment
