"""``completeCheckout``: a patient (signed in or not) books an open slot.

Race safety: the provider's row is locked (``SELECT ... FOR UPDATE``) before the slot
is re-checked and the appointment inserted, so concurrent checkouts for one provider
run one after another and every later one sees the earlier booking (READ COMMITTED
takes a fresh snapshot per statement). Exactly one of N racers for a slot wins; the
rest get ``SLOT_UNAVAILABLE`` in ``messages`` and write nothing.

Payment and packages plug in through ``register_checkout_step``: each step runs in
the booking transaction after the appointment exists and may raise
``ValidationFailed`` to roll the whole booking back.

Unauthenticated checkouts create patients, so each client address has a budget per
minute (``RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE``); over it the call is refused with a
top-level ``RATE_LIMITED`` error before anything is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.services import patients
from apps.accounts.viewer import Viewer
from apps.core import ratelimit
from apps.core.errors import Collector, Forbidden, NotFound
from apps.core.inputs import sent
from apps.core.timefmt import now
from apps.scheduling.calendars import load_calendars, provider_zone
from apps.scheduling.inputs import CheckoutInput
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

CheckoutStep = Callable[[Viewer, Appointment, CheckoutInput], None]
_steps: list[CheckoutStep] = []


def register_checkout_step(step: CheckoutStep) -> None:
    if step not in _steps:
        _steps.append(step)


def _client(viewer: Viewer, provider: User, data: CheckoutInput) -> User:
    """The signed-in patient, or the organization's patient with this e-mail and name, or a new one."""
    if viewer.is_patient:
        return viewer.user
    return patients.client_find_or_create(
        provider=provider, first_name=sent(data.first_name), last_name=sent(data.last_name),
        email=sent(data.email), phone_number=sent(data.phone_number), timezone=sent(data.timezone))


@transaction.atomic
def complete_checkout(viewer: Viewer, *, data: CheckoutInput) -> Appointment:
    if not viewer.is_authenticated:
        ratelimit.enforce("public_checkout", data.client_address,
                          limit=settings.RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE, window_seconds=60,
                          message="Too many bookings from this address; try again shortly.")
    elif not viewer.is_patient:
        raise Forbidden("Providers and staff book with createAppointment.")
    errors = Collector()
    if sent(data.provider_id) in (None, ""):
        errors.add("provider_id", "Provider can't be blank")
    if sent(data.appointment_type_id) in (None, ""):
        errors.add("appointment_type_id", "Appointment type can't be blank")
    errors.raise_if_any()
    provider = _or_not_found(lambda: public_provider(viewer, data.provider_id), "provider_id", "Provider not found")
    appt_type: AppointmentType = _or_not_found(lambda: bookable_type(viewer, data.appointment_type_id, provider),
                                               "appointment_type_id", "Appointment type not found")
    contact_type = contact_type_for(errors, appt_type, sent(data.contact_type), required=True)
    default_zone = (viewer.user.timezone if viewer.is_patient else "") or provider_zone(provider).key
    zone = zone_or_error(errors, "timezone", sent(data.timezone), default_zone)
    start = None
    if sent(data.date) in (None, ""):
        errors.add("date", "date is required (a slot's date from availableSlotsForRange)")
    elif zone:
        start = datetime_or_error(errors, "date", data.date, zone)
    errors.raise_if_any()
    # The lock that serializes bookings for this provider (see module docstring).
    User.objects.select_for_update().filter(pk=provider.pk).first()
    calendars = load_calendars([provider], range_start=start, range_end=start + dt.timedelta(minutes=1),
                               appointment_type=appt_type)
    if not is_bookable(calendars[0], start=start, length_minutes=appt_type.length, now=now()):
        raise slot_unavailable()
    client = _client(viewer, provider, data)
    appointment = insert_appointment(
        organization_id=provider.organization_id, provider=provider, appt_type=appt_type, start=start,
        length=appt_type.length, clients=[client], extra_providers=[], contact_type=contact_type,
        timezone=zone.key, actor=client, booked_by_client=True,
        notes=(sent(data.notes) or "")[:10000],
    )
    _join_booking_group(appt_type, [client], client.pk)
    for step in _steps:
        step(viewer, appointment, data)
    return appointment


def _or_not_found(load: Callable[[], Any], field: str, message: str) -> Any:
    """The lookup, reported on the checkout's own input field with the checkout's wording."""
    try:
        return load()
    except NotFound as error:
        raise NotFound(field, message) from error
