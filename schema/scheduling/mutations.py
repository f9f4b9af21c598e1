"""Scheduling mutations: parse the input, call one service, return the payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry
from django.conf import settings
from strawberry import UNSET

from apps.core import ratelimit
from apps.core.errors import NotFound, RateLimited
from apps.scheduling.services import appointments, availability, checkout, feeds, types
from schema.context import Info
from schema.errors import FieldErrorType
from schema.payloads import attempt, provided
from schema.permissions import require_member, require_viewer
from schema.scheduling.types import AppointmentObjectType, AppointmentSettingType, AppointmentTypeType, AvailabilityType

T = TypeVar("T")

# ---- inputs -----------------------------------------------------------------------------


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


@strawberry.input(name="calendarFeedInput")
class CalendarFeedInput:
    provider_id: strawberry.ID | None = UNSET


# ---- payloads ---------------------------------------------------------------------------


def _payload(name: str, field: str, kind: type) -> type:
    namespace = {"__annotations__": {field: kind | None, "messages": list[FieldErrorType] | None},
                 field: None, "messages": None}
    return strawberry.type(type(name, (), namespace), name=name)


CreateAppointmentTypePayload = _payload("createAppointmentTypePayload", "appointmentType", AppointmentTypeType)
UpdateAppointmentTypePayload = _payload("updateAppointmentTypePayload", "appointmentType", AppointmentTypeType)
DeleteAppointmentTypePayload = _payload("deleteAppointmentTypePayload", "appointmentType", AppointmentTypeType)
CreateAppointmentSettingPayload = _payload("createAppointmentSettingPayload", "appointmentSetting",
                                           AppointmentSettingType)
UpdateAppointmentSettingPayload = _payload("updateAppointmentSettingPayload", "appointmentSetting",
                                           AppointmentSettingType)
CreateAvailabilityPayload = _payload("createAvailabilityPayload", "availability", AvailabilityType)
EditAvailabilityPayload = _payload("editAvailabilityPayload", "availability", AvailabilityType)
DeleteAvailabilityPayload = _payload("deleteAvailabilityPayload", "availability", AvailabilityType)
CreateAppointmentPayload = _payload("createAppointmentPayload", "appointment", AppointmentObjectType)
UpdateAppointmentPayload = _payload("updateAppointmentPayload", "appointment", AppointmentObjectType)
DeleteAppointmentPayload = _payload("deleteAppointmentPayload", "appointment", AppointmentObjectType)
CompleteCheckoutPayload = _payload("completeCheckoutPayload", "appointment", AppointmentObjectType)


@strawberry.type(name="calendarFeedPayload")
class CalendarFeedPayload:
    url: str | None = None
    revoked_count: int | None = None
    messages: list[FieldErrorType] | None = None


def _attempt(call: Callable[[], T]) -> tuple[T | None, list[FieldErrorType]]:
    """Like ``attempt``; an id that is missing or outside the caller's organization also
    becomes a ``messages`` entry on ``id`` (mutations report bad ids in the payload)."""
    try:
        return attempt(call)
    except NotFound as error:
        return None, [FieldErrorType(field="id", message=str(error), code=error.code)]


def _limit_public_checkout(info: Info) -> None:
    """Unauthenticated checkouts create patients, so each client address gets a budget per minute."""
    request = info.context.request
    address = (request.META.get("REMOTE_ADDR") if request else None) or "unknown"
    limit = settings.RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE
    decision = ratelimit.hit("public_checkout", address, limit=limit, window_seconds=60)
    if not decision.allowed:
        raise RateLimited(decision.retry_after, "Too many bookings from this address; try again shortly.")


def _settings(values: dict) -> dict:
    nested = values.get("appointment_setting")
    if nested is not None:
        values["appointment_setting"] = provided(nested)
    return values


@strawberry.type
class Mutation:
    @strawberry.mutation
    def createAppointmentType(  # noqa: N802
        self, info: Info, input: CreateAppointmentTypeInput | None = None
    ) -> CreateAppointmentTypePayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: types.appointment_type_create(viewer, values=_settings(provided(input))))
        return CreateAppointmentTypePayload(appointmentType=item, messages=messages)

    @strawberry.mutation
    def updateAppointmentType(  # noqa: N802
        self, info: Info, input: UpdateAppointmentTypeInput | None = None
    ) -> UpdateAppointmentTypePayload:
        viewer = require_member(info)
        values = _settings(provided(input))
        item, messages = _attempt(lambda: types.appointment_type_update(viewer, type_id=values.pop("id", None),
                                                                       values=values))
        return UpdateAppointmentTypePayload(appointmentType=item, messages=messages)

    @strawberry.mutation
    def deleteAppointmentType(  # noqa: N802
        self, info: Info, input: DeleteAppointmentTypeInput | None = None
    ) -> DeleteAppointmentTypePayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: types.appointment_type_delete(viewer, type_id=provided(input).get("id")))
        return DeleteAppointmentTypePayload(appointmentType=item, messages=messages)

    @strawberry.mutation
    def createAppointmentSetting(  # noqa: N802
        self, info: Info, input: CreateAppointmentSettingInput | None = None
    ) -> CreateAppointmentSettingPayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: types.appointment_setting_create(viewer, values=provided(input)))
        return CreateAppointmentSettingPayload(appointmentSetting=item, messages=messages)

    @strawberry.mutation
    def updateAppointmentSetting(  # noqa: N802
        self, info: Info, input: UpdateAppointmentSettingInput | None = None
    ) -> UpdateAppointmentSettingPayload:
        viewer = require_member(info)
        values = provided(input)
        item, messages = _attempt(lambda: types.appointment_setting_update(viewer, setting_id=values.pop("id", None),
                                                                          values=values))
        return UpdateAppointmentSettingPayload(appointmentSetting=item, messages=messages)

    @strawberry.mutation
    def createAvailability(  # noqa: N802
        self, info: Info, input: CreateAvailabilityInput | None = None
    ) -> CreateAvailabilityPayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: availability.availability_create(viewer, values=provided(input)))
        return CreateAvailabilityPayload(availability=item, messages=messages)

    @strawberry.mutation
    def editAvailability(  # noqa: N802
        self, info: Info, input: EditAvailabilityInput | None = None
    ) -> EditAvailabilityPayload:
        viewer = require_member(info)
        values = provided(input)
        item, messages = _attempt(lambda: availability.availability_edit(
            viewer, availability_id=values.pop("id", None), values=values))
        return EditAvailabilityPayload(availability=item, messages=messages)

    @strawberry.mutation
    def deleteAvailability(  # noqa: N802
        self, info: Info, input: DeleteAvailabilityInput | None = None
    ) -> DeleteAvailabilityPayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: availability.availability_delete(
            viewer, availability_id=provided(input).get("id")))
        return DeleteAvailabilityPayload(availability=item, messages=messages)

    @strawberry.mutation
    def createAppointment(  # noqa: N802
        self, info: Info, input: CreateAppointmentInput | None = None
    ) -> CreateAppointmentPayload:
        viewer = require_member(info)
        item, messages = _attempt(lambda: appointments.appointment_create(viewer, values=provided(input)))
        return CreateAppointmentPayload(appointment=item, messages=messages)

    @strawberry.mutation(description="Staff change any field; a patient reschedules with client_updating: true.")
    def updateAppointment(  # noqa: N802
        self, info: Info, input: UpdateAppointmentInput | None = None
    ) -> UpdateAppointmentPayload:
        viewer = require_viewer(info)
        values = provided(input)
        item, messages = _attempt(lambda: appointments.appointment_update(
            viewer, appointment_id=values.pop("id", None), values=values))
        return UpdateAppointmentPayload(appointment=item, messages=messages)

    @strawberry.mutation(description="Staff: soft delete. Patients: cancels, and it stays visible.")
    def deleteAppointment(  # noqa: N802
        self, info: Info, input: DeleteAppointmentInput | None = None
    ) -> DeleteAppointmentPayload:
        viewer = require_viewer(info)
        values = provided(input)
        item, messages = _attempt(lambda: appointments.appointment_delete(
            viewer, appointment_id=values.get("id"), delete_recurring=values.get("deleteRecurring")))
        return DeleteAppointmentPayload(appointment=item, messages=messages)

    @strawberry.mutation(description="Books an open slot as the signed-in patient or, unauthenticated, as the "
                         "client matched (or created) by e-mail and name.")
    def completeCheckout(  # noqa: N802
        self, info: Info, input: CompleteCheckoutInput | None = None
    ) -> CompleteCheckoutPayload:
        viewer = info.context.viewer
        if not viewer.is_authenticated:
            _limit_public_checkout(info)
        item, messages = _attempt(lambda: checkout.complete_checkout(viewer, values=provided(input)))
        return CompleteCheckoutPayload(appointment=item, messages=messages)

    @strawberry.mutation(description="A secret iCalendar URL for a provider's appointments (shown once).")
    def createCalendarFeed(  # noqa: N802
        self, info: Info, input: CalendarFeedInput | None = None
    ) -> CalendarFeedPayload:
        viewer = require_member(info)
        result, messages = _attempt(lambda: feeds.calendar_feed_create(viewer,
                                                                      provider_id=provided(input).get("provider_id")))
        if result is None:
            return CalendarFeedPayload(messages=messages)
        request = info.context.request
        path = f"/calendar/{result[1]}.ics"
        return CalendarFeedPayload(url=request.build_absolute_uri(path) if request else path, messages=[])

    @strawberry.mutation(description="Revokes every calendar feed URL of a provider.")
    def revokeCalendarFeeds(  # noqa: N802
        self, info: Info, input: CalendarFeedInput | None = None
    ) -> CalendarFeedPayload:
        viewer = require_member(info)
        count, messages = _attempt(lambda: feeds.calendar_feeds_revoke(viewer,
                                                                      provider_id=provided(input).get("provider_id")))
        return CalendarFeedPayload(revoked_count=count, messages=messages)
