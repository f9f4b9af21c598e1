"""Typed inputs of the scheduling services.

Every field defaults to ``UNSET`` ("the client did not send it"); ``None`` means it was
sent as null. Ids stay as the client sent them (the services look them up through the
viewer's selectors and report a missing one on the field that carried it).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.inputs import UNSET, Unset


@dataclass(frozen=True)
class SettingInput:
    """Appointment settings of a provider, or the per-type override of an appointment type."""

    buffer: str | None | Unset = UNSET
    calendar_interval: str | None | Unset = UNSET
    minimum_advance_schedule_time: int | None | Unset = UNSET
    minimum_advance_cancel_time: int | None | Unset = UNSET
    minimum_advance_reschedule_time: int | None | Unset = UNSET
    allow_clients_to_cancel_appt: bool | None | Unset = UNSET
    allow_clients_to_reschedule_appt: bool | None | Unset = UNSET
    allow_past_appointment_rescheduling: bool | None | Unset = UNSET
    ask_clients_to_confirm: bool | None | Unset = UNSET
    confirm_by_default: bool | None | Unset = UNSET
    end_reminder_one_hour_before: bool | None | Unset = UNSET
    always_send_confirm_notification: bool | None | Unset = UNSET
    cant_cancel_message: str | None | Unset = UNSET
    cant_reschedule_message: str | None | Unset = UNSET
    reminder_minutes_before: list[int | None] | None | Unset = UNSET


@dataclass(frozen=True)
class AppointmentTypeInput:
    name: str | None | Unset = UNSET
    length: int | None | Unset = UNSET
    clients_can_book: bool | None | Unset = UNSET
    is_group: bool | None | Unset = UNSET
    bookable_without_group: bool | None | Unset = UNSET
    is_waitlist_enabled: bool | None | Unset = UNSET
    user_group_id: str | None | Unset = UNSET
    specific_groups: bool | None | Unset = UNSET
    bookable_group_ids: str | None | Unset = UNSET
    contact_type_overrides: list[str | None] | None | Unset = UNSET
    appointment_setting: SettingInput | None | Unset = UNSET


@dataclass(frozen=True)
class AvailabilityInput:
    day_of_week: int | None | Unset = UNSET
    is_repeating: bool | None | Unset = UNSET
    range_start: str | None | Unset = UNSET
    range_end: str | None | Unset = UNSET
    time: str | None | Unset = UNSET
    end_time: str | None | Unset = UNSET
    user_id: str | None | Unset = UNSET


@dataclass(frozen=True)
class AppointmentInput:
    """``createAppointment`` and ``updateAppointment`` (``client_updating``: a patient reschedules)."""

    user_id: str | None | Unset = UNSET
    appointment_type_id: str | None | Unset = UNSET
    contact_type: str | None | Unset = UNSET
    other_party_id: str | None | Unset = UNSET
    datetime: str | None | Unset = UNSET
    date: str | None | Unset = UNSET
    time: str | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    attendee_ids: str | None | Unset = UNSET
    providers: str | None | Unset = UNSET
    location: str | None | Unset = UNSET
    notes: str | None | Unset = UNSET
    pm_status: str | None | Unset = UNSET
    is_repeating: bool | None | Unset = UNSET
    repeat_interval: str | None | Unset = UNSET
    repeat_times: int | None | Unset = UNSET
    client_updating: bool | None | Unset = UNSET


@dataclass(frozen=True)
class CheckoutInput:
    """``completeCheckout``. ``client_address`` is the caller's network address: unauthenticated
    checkouts create patients, so each address gets a budget."""

    appointment_type_id: str | None | Unset = UNSET
    contact_type: str | None | Unset = UNSET
    date: str | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    provider_id: str | None | Unset = UNSET
    first_name: str | None | Unset = UNSET
    last_name: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
    notes: str | None | Unset = UNSET
    # The booking form (``apps.forms.services.appointments.CheckoutFormInput``), saved by the
    # forms checkout step; scheduling itself never reads it.
    form_answer_group: object = UNSET
    # Payment and package paths (apps.billing.services.checkout_payments): buy a package, or pay an
    # invoice, with a new card (token) or the stored default one; once per idempotency key.
    offering_id: str | None | Unset = UNSET
    token: str | None | Unset = UNSET
    coupon_code: str | None | Unset = UNSET
    requested_payment_id: str | None | Unset = UNSET
    stripe_idempotency_key: str | None | Unset = UNSET
    client_address: str = "unknown"
