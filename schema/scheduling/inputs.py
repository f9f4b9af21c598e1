"""Scheduling mutation inputs, spelled as the published API spells them, and the builders
that turn them into the services' typed inputs (``apps.scheduling.inputs``)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from apps.core.inputs import build
from apps.forms.services.answers import AnswerInput
from apps.forms.services.appointments import CheckoutFormInput
from apps.scheduling import inputs as service
from schema.payloads import provided


@strawberry.input(name="AppointmentTypeAppointmentSettingInput")
class AppointmentTypeAppointmentSettingInput:
    buffer: str | None = UNSET
    calendar_interval: str | None = UNSET
    minimum_advance_schedule_time: int | None = UNSET
    minimum_advance_cancel_time: int | None = UNSET
    minimum_advance_reschedule_time: int | None = UNSET
    allow_clients_to_cancel_appt: bool | None = UNSET
    allow_clients_to_reschedule_appt: bool | None = UNSET
    allow_past_appointment_rescheduling: bool | None = UNSET
    ask_clients_to_confirm: bool | None = UNSET
    confirm_by_default: bool | None = UNSET
    end_reminder_one_hour_before: bool | None = UNSET
    always_send_confirm_notification: bool | None = UNSET
    cant_cancel_message: str | None = UNSET
    cant_reschedule_message: str | None = UNSET
    reminder_minutes_before: list[int | None] | None = UNSET


@strawberry.input(name="createAppointmentTypeInput")
class CreateAppointmentTypeInput:
    name: str | None = UNSET
    length: int | None = UNSET
    clients_can_book: bool | None = UNSET
    is_group: bool | None = UNSET
    bookable_without_group: bool | None = UNSET
    is_waitlist_enabled: bool | None = UNSET
    user_group_id: str | None = UNSET
    specific_groups: bool | None = UNSET
    bookable_group_ids: str | None = UNSET
    contact_type_overrides: list[str | None] | None = UNSET
    appointment_setting: AppointmentTypeAppointmentSettingInput | None = UNSET


@strawberry.input(name="updateAppointmentTypeInput")
class UpdateAppointmentTypeInput(CreateAppointmentTypeInput):
    id: strawberry.ID | None = UNSET


@strawberry.input(name="deleteAppointmentTypeInput")
class DeleteAppointmentTypeInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createAppointmentSettingInput")
class CreateAppointmentSettingInput(AppointmentTypeAppointmentSettingInput):
    provider_id: strawberry.ID | None = UNSET


@strawberry.input(name="updateAppointmentSettingInput")
class UpdateAppointmentSettingInput(AppointmentTypeAppointmentSettingInput):
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createAvailabilityInput")
class CreateAvailabilityInput:
    day_of_week: int | None = UNSET
    is_repeating: bool | None = UNSET
    range_start: str | None = UNSET
    range_end: str | None = UNSET
    time: str | None = UNSET
    end_time: str | None = UNSET
    user_id: str | None = UNSET


@strawberry.input(name="editAvailabilityInput")
class EditAvailabilityInput(CreateAvailabilityInput):
    id: str | None = UNSET


@strawberry.input(name="deleteAvailabilityInput")
class DeleteAvailabilityInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createAppointmentInput")
class CreateAppointmentInput:
    user_id: str | None = UNSET
    appointment_type_id: str | None = UNSET
    contact_type: str | None = UNSET
    other_party_id: str | None = UNSET
    datetime: str | None = UNSET
    date: str | None = UNSET
    time: str | None = UNSET
    timezone: str | None = UNSET
    attendee_ids: str | None = UNSET
    providers: str | None = UNSET
    location: str | None = UNSET
    notes: str | None = UNSET
    pm_status: str | None = UNSET
    is_repeating: bool | None = UNSET
    repeat_interval: str | None = UNSET
    repeat_times: int | None = UNSET


@strawberry.input(name="updateAppointmentInput")
class UpdateAppointmentInput:
    id: strawberry.ID | None = UNSET
    client_updating: bool | None = UNSET
    pm_status: str | None = UNSET
    datetime: str | None = UNSET
    date: str | None = UNSET
    time: str | None = UNSET
    timezone: str | None = UNSET
    user_id: str | None = UNSET
    appointment_type_id: str | None = UNSET
    contact_type: str | None = UNSET
    other_party_id: str | None = UNSET
    attendee_ids: str | None = UNSET
    providers: str | None = UNSET
    location: str | None = UNSET
    notes: str | None = UNSET


@strawberry.input(name="deleteAppointmentInput")
class DeleteAppointmentInput:
    id: strawberry.ID | None = UNSET
    deleteRecurring: bool | None = UNSET  # noqa: N815


@strawberry.input(name="CheckoutFormAnswerInput")
class CheckoutFormAnswerInput:
    answer: str | None = UNSET
    conditional_custom_module_id: strawberry.ID | None = UNSET
    custom_module_id: str | None = UNSET
    filter_type: str | None = UNSET
    mod_type: str | None = UNSET
    id: strawberry.ID | None = UNSET
    label: str | None = UNSET
    user_id: str | None = UNSET
    value_to_filter: str | None = UNSET


@strawberry.input(name="CheckoutFormAnswerGroupInput", description="The booking form's answers: saved as the "
                                                                  "appointment's filled_embed_form.")
class CheckoutFormAnswerGroupInput:
    custom_module_form_id: str | None = UNSET
    form_answers: list[CheckoutFormAnswerInput | None] | None = UNSET
    id: strawberry.ID | None = UNSET


@strawberry.input(name="completeCheckoutInput")
class CompleteCheckoutInput:
    appointment_type_id: str | None = UNSET
    contact_type: str | None = UNSET
    date: str | None = UNSET
    timezone: str | None = UNSET
    provider_id: str | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    phone_number: str | None = UNSET
    notes: str | None = UNSET
    form_answer_group: CheckoutFormAnswerGroupInput | None = UNSET
    offering_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Buy this package with the "
                                                        "booking (charged once the slot is taken).")
    token: str | None = strawberry.field(default=UNSET, description="A Stripe.js card token to pay with (stored "
                                         "as the patient's card); else their default card is charged.")
    coupon_code: str | None = UNSET
    requested_payment_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Pay this invoice's "
                                                                  "balance with the booking.")
    stripe_idempotency_key: strawberry.ID | None = UNSET


@strawberry.input(name="calendarFeedInput")
class CalendarFeedInput:
    provider_id: strawberry.ID | None = UNSET


# ---- builders ---------------------------------------------------------------------------


def setting_input(data: AppointmentTypeAppointmentSettingInput | None) -> service.SettingInput:
    return build(service.SettingInput, provided(data))


def appointment_type_input(data: CreateAppointmentTypeInput | None) -> service.AppointmentTypeInput:
    values = provided(data)
    if values.get("appointment_setting") is not None:
        values["appointment_setting"] = setting_input(values["appointment_setting"])
    return build(service.AppointmentTypeInput, values)


def availability_input(data: CreateAvailabilityInput | None) -> service.AvailabilityInput:
    return build(service.AvailabilityInput, provided(data))


def appointment_input(data: CreateAppointmentInput | UpdateAppointmentInput | None) -> service.AppointmentInput:
    return build(service.AppointmentInput, provided(data))


def checkout_form_input(data: CheckoutFormAnswerGroupInput | None) -> CheckoutFormInput | None:
    if data is None:
        return None
    values = provided(data)
    answers = [AnswerInput(**{k: v for k, v in provided(a).items()
                              if k in ("custom_module_id", "answer", "user_id", "id", "conditional_custom_module_id")})
               for a in values.pop("form_answers", None) or [] if a is not None]
    return build(CheckoutFormInput, values, form_answers=answers)


def checkout_input(data: CompleteCheckoutInput | None, client_address: str) -> service.CheckoutInput:
    values = provided(data)
    if "form_answer_group" in values:
        values["form_answer_group"] = checkout_form_input(values["form_answer_group"])
    return build(service.CheckoutInput, values, client_address=client_address)


def sent_field(data: object | None, name: str = "id") -> object:
    """What the client sent in ``name`` (an id by default); ``None`` when it sent nothing."""
    return provided(data).get(name)
