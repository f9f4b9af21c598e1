"""``completeCheckout``: a patient (signed in or not) books an open slot.

Race safety: the provider's row is locked (``SELECT ... FOR UPDATE``) before the slot
is re-checked and the appointment inserted, so concurrent checkouts for one provider
run one after another and every later one sees the earlier booking (READ COMMITTED
takes a fresh snapshot per statement). Exactly one of N racers for a slot wins; the
rest get ``SLOT_UNAVAILABLE`` in ``messages`` and write nothing.

Payment and packages plug in through ``register_checkout_step``: each step runs in
the booking transaction after the appointment exists and may raise
``ValidationFailed`` to roll the whole booking back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.services import patients
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, Forbidden, NotFound, ValidationFailed
from apps.core.timefmt import now
from apps.scheduling.calendars import load_calendars, provider_zone
from apps.scheduling.models import Appointment, AppointmentType
from apps.scheduling.selectors import bookable_type, public_provider
from apps.scheduling.services.appointments import (
    _join_booking_group,
    contact_type_for,
    insert_appointment,
    slot_unavailable,
)
from apps.scheduling.services.common import datetime_or_error, zone_or_error
from apps.scheduling.slots import is_bookable

CheckoutStep = Callable[[Viewer, Appointment, Mapping[str, Any]], None]
_steps: list[CheckoutStep] = []


def register_checkout_step(step: CheckoutStep) -> None:
    if step not in _steps:
        _steps.append(step)


def _client(viewer: Viewer, provider: User, values: Mapping[str, Any]) -> User:
    """The signed-in patient, or the organization's patient with this e-mail and name, or a new one."""
    if viewer.is_patient:
        return viewer.user
    return patients.client_find_or_create(
        provider=provider, first_name=values.get("first_name"), last_name=values.get("last_name"),
        email=values.get("email"), phone_number=values.get("phone_number"), timezone=values.get("timezone"))


@transaction.atomic
def complete_checkout(viewer: Viewer, *, values: Mapping[str, Any]) -> Appointment:
    if viewer.is_authenticated and not viewer.is_patient:
        raise Forbidden("Providers and staff book with createAppointment.")
    errors = Collector()
    if values.get("provider_id") in (None, ""):
        errors.add("provider_id", "Provider can't be blank")
    if values.get("appointment_type_id") in (None, ""):
        errors.add("appointment_type_id", "Appointment type can't be blank")
    errors.raise_if_any()
    provider = _or_field(lambda: public_provider(viewer, values["provider_id"]), "provider_id", "Provider not found")
    appt_type: AppointmentType = _or_field(lambda: bookable_type(viewer, values["appointment_type_id"], provider),
                                           "appointment_type_id", "Appointment type not found")
    contact_type = contact_type_for(errors, appt_type, values.get("contact_type"), required=True)
    default_zone = (viewer.user.timezone if viewer.is_patient else "") or provider_zone(provider).key
    zone = zone_or_error(errors, "timezone", values.get("timezone"), default_zone)
    start = None
    if values.get("date") in (None, ""):
        errors.add("date", "date is required (a slot's date from availableSlotsForRange)")
    elif zone:
        start = datetime_or_error(errors, "date", values["date"], zone)
    errors.raise_if_any()
    # The lock that serializes bookings for this provider (see module docstring).
    User.objects.select_for_update().filter(pk=provider.pk).first()
    calendars = load_calendars([provider], range_start=start, range_end=start + dt.timedelta(minutes=1),
                               appointment_type=appt_type)
    if not is_bookable(calendars[0], start=start, length_minutes=appt_type.length, now=now()):
        raise slot_unavailable()
    client = _client(viewer, provider, values)
    appointment = insert_appointment(
        organization_id=provider.organization_id, provider=provider, appt_type=appt_type, start=start,
        length=appt_type.length, clients=[client], extra_providers=[], contact_type=contact_type,
        timezone=zone.key, actor=client, booked_by_client=True,
        notes=(values.get("notes") or "")[:10000],
    )
    _join_booking_group(appt_type, [client], client.pk)
    for step in _steps:
        step(viewer, appointment, values)
    return appointment


def _or_field(load: Callable[[], Any], field: str, message: str) -> Any:
    """Lookups answer "not found" as a payload message here (a mutation has ``messages``)."""
    try:
        return load()
    except NotFound as error:
        raise ValidationFailed(field, message) from error
