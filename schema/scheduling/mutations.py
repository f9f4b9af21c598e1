"""Scheduling mutations: build the service's typed input, call one service, return the payload."""

from __future__ import annotations

import strawberry

from apps.scheduling.services import appointments, availability, checkout, feeds, types
from schema.context import Info
from schema.payloads import run
from schema.scheduling.inputs import (
    CalendarFeedInput,
    CompleteCheckoutInput,
    CreateAppointmentInput,
    CreateAppointmentSettingInput,
    CreateAppointmentTypeInput,
    CreateAvailabilityInput,
    DeleteAppointmentInput,
    DeleteAppointmentTypeInput,
    DeleteAvailabilityInput,
    EditAvailabilityInput,
    UpdateAppointmentInput,
    UpdateAppointmentSettingInput,
    UpdateAppointmentTypeInput,
    appointment_input,
    appointment_type_input,
    availability_input,
    checkout_input,
    sent_field,
    setting_input,
)
from schema.scheduling.payloads import (
    CalendarFeedPayload,
    CompleteCheckoutPayload,
    CreateAppointmentPayload,
    CreateAppointmentSettingPayload,
    CreateAppointmentTypePayload,
    CreateAvailabilityPayload,
    DeleteAppointmentPayload,
    DeleteAppointmentTypePayload,
    DeleteAvailabilityPayload,
    EditAvailabilityPayload,
    UpdateAppointmentPayload,
    UpdateAppointmentSettingPayload,
    UpdateAppointmentTypePayload,
)


def _client_address(info: Info) -> str:
    request = info.context.request
    return (request.META.get("REMOTE_ADDR") if request else None) or "unknown"


def _feed_url(info: Info, token: str) -> str:
    request = info.context.request
    path = f"/calendar/{token}.ics"
    return request.build_absolute_uri(path) if request else path


@strawberry.type
class Mutation:
    @strawberry.mutation
    def createAppointmentType(  # noqa: N802
        self, info: Info, input: CreateAppointmentTypeInput | None = None
    ) -> CreateAppointmentTypePayload:
        return run(CreateAppointmentTypePayload, lambda: types.appointment_type_create(
            info.context.viewer, data=appointment_type_input(input)), "appointmentType")

    @strawberry.mutation
    def updateAppointmentType(  # noqa: N802
        self, info: Info, input: UpdateAppointmentTypeInput | None = None
    ) -> UpdateAppointmentTypePayload:
        return run(UpdateAppointmentTypePayload, lambda: types.appointment_type_update(
            info.context.viewer, type_id=sent_field(input), data=appointment_type_input(input)), "appointmentType")

    @strawberry.mutation
    def deleteAppointmentType(  # noqa: N802
        self, info: Info, input: DeleteAppointmentTypeInput | None = None
    ) -> DeleteAppointmentTypePayload:
        return run(DeleteAppointmentTypePayload, lambda: types.appointment_type_delete(
            info.context.viewer, type_id=sent_field(input)), "appointmentType")

    @strawberry.mutation
    def createAppointmentSetting(  # noqa: N802
        self, info: Info, input: CreateAppointmentSettingInput | None = None
    ) -> CreateAppointmentSettingPayload:
        return run(CreateAppointmentSettingPayload, lambda: types.appointment_setting_create(
            info.context.viewer, provider_id=sent_field(input, "provider_id"), data=setting_input(input)),
            "appointmentSetting")

    @strawberry.mutation
    def updateAppointmentSetting(  # noqa: N802
        self, info: Info, input: UpdateAppointmentSettingInput | None = None
    ) -> UpdateAppointmentSettingPayload:
        return run(UpdateAppointmentSettingPayload, lambda: types.appointment_setting_update(
            info.context.viewer, setting_id=sent_field(input), data=setting_input(input)), "appointmentSetting")

    @strawberry.mutation
    def createAvailability(  # noqa: N802
        self, info: Info, input: CreateAvailabilityInput | None = None
    ) -> CreateAvailabilityPayload:
        return run(CreateAvailabilityPayload, lambda: availability.availability_create(
            info.context.viewer, data=availability_input(input)), "availability")

    @strawberry.mutation
    def editAvailability(  # noqa: N802
        self, info: Info, input: EditAvailabilityInput | None = None
    ) -> EditAvailabilityPayload:
        return run(EditAvailabilityPayload, lambda: availability.availability_edit(
            info.context.viewer, availability_id=sent_field(input), data=availability_input(input)), "availability")

    @strawberry.mutation
    def deleteAvailability(  # noqa: N802
        self, info: Info, input: DeleteAvailabilityInput | None = None
    ) -> DeleteAvailabilityPayload:
        return run(DeleteAvailabilityPayload, lambda: availability.availability_delete(
            info.context.viewer, availability_id=sent_field(input)), "availability")

    @strawberry.mutation
    def createAppointment(  # noqa: N802
        self, info: Info, input: CreateAppointmentInput | None = None
    ) -> CreateAppointmentPayload:
        return run(CreateAppointmentPayload, lambda: appointments.appointment_create(
            info.context.viewer, data=appointment_input(input)), "appointment")

    @strawberry.mutation(description="Staff change any field; a patient reschedules with client_updating: true.")
    def updateAppointment(  # noqa: N802
        self, info: Info, input: UpdateAppointmentInput | None = None
    ) -> UpdateAppointmentPayload:
        return run(UpdateAppointmentPayload, lambda: appointments.appointment_update(
            info.context.viewer, appointment_id=sent_field(input), data=appointment_input(input)), "appointment")

    @strawberry.mutation(description="Staff: soft delete. Patients: cancels, and it stays visible.")
    def deleteAppointment(  # noqa: N802
        self, info: Info, input: DeleteAppointmentInput | None = None
    ) -> DeleteAppointmentPayload:
        return run(DeleteAppointmentPayload, lambda: appointments.appointment_delete(
            info.context.viewer, appointment_id=sent_field(input),
            delete_recurring=sent_field(input, "deleteRecurring")), "appointment")

    @strawberry.mutation(description="Books an open slot as the signed-in patient or, unauthenticated, as the "
                         "client matched (or created) by e-mail and name; form_answer_group saves the booking "
                         "form (filled_embed_form) in the same transaction.")
    def completeCheckout(  # noqa: N802
        self, info: Info, input: CompleteCheckoutInput | None = None
    ) -> CompleteCheckoutPayload:
        def book() -> dict:
            appointment = checkout.complete_checkout(info.context.viewer, data=checkout_input(
                input, _client_address(info)))
            # The payment and the package bought with the booking, when billing's checkout step made them.
            item = getattr(appointment, "checkout_billing_item", None)
            return {"appointment": appointment, "formAnswerGroupSaved": appointment.filled_embed_form_id is not None,
                    "billingItem": item, "userPackageSelection": item.user_package_selection if item else None}

        return run(CompleteCheckoutPayload, book, failed={"formAnswerGroupSaved": False})

    @strawberry.mutation(description="A secret iCalendar URL for a provider's appointments (shown once).")
    def createCalendarFeed(  # noqa: N802
        self, info: Info, input: CalendarFeedInput | None = None
    ) -> CalendarFeedPayload:
        def create() -> str:
            _, token = feeds.calendar_feed_create(info.context.viewer, provider_id=sent_field(input, "provider_id"))
            return _feed_url(info, token)

        return run(CalendarFeedPayload, create, "url")

    @strawberry.mutation(description="Revokes every calendar feed URL of a provider.")
    def revokeCalendarFeeds(  # noqa: N802
        self, info: Info, input: CalendarFeedInput | None = None
    ) -> CalendarFeedPayload:
        return run(CalendarFeedPayload, lambda: feeds.calendar_feeds_revoke(
            info.context.viewer, provider_id=sent_field(input, "provider_id")), "revoked_count")
