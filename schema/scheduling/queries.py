"""Scheduling queries: thin resolvers over selectors and the booking reads."""

from __future__ import annotations

import strawberry

from apps.core.timefmt import format_datetime
from apps.scheduling import booking, booking_warnings, selectors
from apps.scheduling.models import CONTACT_TYPES
from apps.scheduling.slots import Slot
from schema.context import Info
from schema.pagination import paginate
from schema.scheduling.types import (
    AppointmentBookingWarningType,
    AppointmentObjectType,
    AppointmentSettingType,
    AppointmentTypeType,
    AvailabilityType,
    PotentialAppointmentSlot,
)


def _slot_out(slot: Slot, scope: booking.BookingScope) -> PotentialAppointmentSlot:
    return PotentialAppointmentSlot(user_id=strawberry.ID(str(slot.provider_id)),
                                    date=format_datetime(slot.start, scope.zone),
                                    has_waitlist_enabled=scope.appointment_type.is_waitlist_enabled)


@strawberry.type
class Query:
    @strawberry.field(description="An appointment type of the caller's organization.")
    def appointmentType(self, info: Info, id: strawberry.ID | None = None) -> AppointmentTypeType | None:  # noqa: N802
        return selectors.appointment_type_get(info.context.viewer, id)

    @strawberry.field(description="Appointment types. Without credentials, pass provider_id: only that "
                      "provider's clients-bookable types are listed.")
    def appointmentTypes(  # noqa: N802
        self,
        info: Info,
        offset: int | None = None,
        should_paginate: bool | None = None,
        page_size: int | None = None,
        after: str | None = None,
        keywords: str | None = None,
        show_group: bool | None = None,
        provider_id: str | None = None,
        clients_can_book: bool | None = None,
        appointment_type_ids: str | None = None,
        with_deleted_appt_types: bool | None = None,
    ) -> list[AppointmentTypeType]:
        qs = selectors.appointment_types_filter(
            info.context.viewer, provider_id=provider_id, clients_can_book=clients_can_book, keywords=keywords,
            show_group=show_group, appointment_type_ids=appointment_type_ids,
            with_deleted_appt_types=with_deleted_appt_types,
        )
        return paginate(qs, info, sort=selectors.APPOINTMENT_TYPE_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def appointmentTypesCount(  # noqa: N802
        self,
        info: Info,
        keywords: str | None = None,
        show_group: bool | None = None,
        provider_id: str | None = None,
        clients_can_book: bool | None = None,
        appointment_type_ids: str | None = None,
        with_deleted_appt_types: bool | None = None,
    ) -> int:
        return selectors.appointment_types_filter(
            info.context.viewer, provider_id=provider_id, clients_can_book=clients_can_book, keywords=keywords,
            show_group=show_group, appointment_type_ids=appointment_type_ids,
            with_deleted_appt_types=with_deleted_appt_types,
        ).count()

    @strawberry.field(description="The contact types appointments can use.")
    def contactTypes(self, info: Info) -> list[str]:  # noqa: N802
        return list(CONTACT_TYPES.values())

    @strawberry.field(description="Settings by id, by provider_id, or the caller's own.")
    def appointmentSetting(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, provider_id: strawberry.ID | None = None
    ) -> AppointmentSettingType | None:
        return selectors.appointment_setting_get(info.context.viewer, setting_id=id, provider_id=provider_id)

    @strawberry.field(description="Availability windows (the caller's own unless is_org or user_id).")
    def availabilities(
        self,
        info: Info,
        show_availability: bool | None = None,
        one_time: bool | None = None,
        is_repeating: bool | None = None,
        includeRepeating: bool | None = None,  # noqa: N803
        day_of_week: int | None = None,
        startDate: str | None = None,  # noqa: N803
        endDate: str | None = None,  # noqa: N803
        is_org: bool | None = None,
        provider_ids: list[str | None] | None = None,
        user_id: str | None = None,
        offset: int | None = None,
        page_size: int | None = None,
        should_paginate: bool | None = False,
        after: str | None = None,
    ) -> list[AvailabilityType]:
        qs = selectors.availabilities_filter(
            info.context.viewer, show_availability=show_availability, one_time=one_time, is_repeating=is_repeating,
            include_repeating=includeRepeating, day_of_week=day_of_week, start_date=startDate, end_date=endDate,
            is_org=is_org, provider_ids=provider_ids, user_id=user_id,
        )
        return paginate(qs, info, sort=selectors.AVAILABILITY_SORT,
                        offset=offset, page_size=page_size, should_paginate=bool(should_paginate), after=after)

    @strawberry.field
    def availability(self, info: Info, id: strawberry.ID | None = None) -> AvailabilityType | None:
        return selectors.availability_get(info.context.viewer, id)

    @strawberry.field(description="An appointment; include_deleted also finds deleted ones (staff only).")
    def appointment(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, include_deleted: bool | None = None
    ) -> AppointmentObjectType | None:
        return selectors.appointment_get(info.context.viewer, id, include_deleted=bool(include_deleted))

    @strawberry.field(description="Appointments; not paginated unless should_paginate is true.")
    def appointments(
        self,
        info: Info,
        user_id: strawberry.ID | None = None,
        provider_id: str | None = None,
        filter: str | None = None,
        order_by: str | None = None,
        is_org: bool | None = None,
        is_active: bool | None = None,
        with_all_statuses: bool | None = None,
        should_paginate: bool | None = False,
        offset: int | None = None,
        page_size: int | None = None,
        after: str | None = None,
    ) -> list[AppointmentObjectType]:
        qs = selectors.appointments_filter(info.context.viewer, filter=filter, is_org=is_org, is_active=is_active,
                                           with_all_statuses=with_all_statuses, user_id=user_id,
                                           provider_id=provider_id)
        return paginate(qs, info, sort=selectors.appointment_sort(order_by, filter), offset=offset,
                        page_size=page_size,
                        should_paginate=bool(should_paginate), after=after)

    @strawberry.field
    def appointmentsCount(  # noqa: N802
        self,
        info: Info,
        user_id: strawberry.ID | None = None,
        provider_id: str | None = None,
        filter: str | None = None,
        is_org: bool | None = None,
        is_active: bool | None = None,
        with_all_statuses: bool | None = None,
    ) -> int:
        return selectors.appointments_filter(info.context.viewer, filter=filter, is_org=is_org, is_active=is_active,
                                             with_all_statuses=with_all_statuses, user_id=user_id,
                                             provider_id=provider_id).count()

    @strawberry.field(description="Event conflicts and credit deficits for a proposed booking.")
    def appointmentBookingWarnings(  # noqa: N802
        self,
        info: Info,
        appointment_type_id: strawberry.ID | None = None,
        provider_id: strawberry.ID | None = None,
        date: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        length_in_minutes: int | None = None,
        attendee_ids: str | None = None,
        additional_provider_ids: str | None = None,
        recurring_appt_id: strawberry.ID | None = None,
        current_appt_id: strawberry.ID | None = None,
        is_repeating: bool | None = None,
        repeat_interval: str | None = None,
        repeat_times: int | None = None,
    ) -> list[AppointmentBookingWarningType]:
        warnings = booking_warnings.booking_warnings(
            info.context.viewer, provider_id=provider_id, date=date, time=time, timezone=timezone,
            appointment_type_id=appointment_type_id, length_in_minutes=length_in_minutes,
            attendee_ids=attendee_ids, additional_provider_ids=additional_provider_ids,
            recurring_appt_id=recurring_appt_id, current_appt_id=current_appt_id, is_repeating=is_repeating,
            repeat_interval=repeat_interval, repeat_times=repeat_times,
        )
        return [AppointmentBookingWarningType(
            category=w.category, subtitle=w.subtitle, potential_issues=w.potential_issues,
            potential_issue_ids=[strawberry.ID(i) for i in w.potential_issue_ids],
        ) for w in warnings]

    @strawberry.field(description="Days (YYYY-MM-DD) of the month of date_from_month with an open slot.")
    def daysAvailableForRange(  # noqa: N802
        self,
        info: Info,
        provider_id: str | None = None,
        date_from_month: str | None = None,
        appt_type_id: str | None = None,
        org_level: bool | None = None,
        provider_ids: list[str | None] | None = None,
        timezone: str | None = None,
        appointment_to_reschedule_id: strawberry.ID | None = None,
    ) -> list[str]:
        scope = booking.booking_scope(
            info.context.viewer, provider_id=provider_id, appt_type_id=appt_type_id, timezone=timezone,
            org_level=org_level, provider_ids=provider_ids, appointment_to_reschedule_id=appointment_to_reschedule_id,
        )
        return [day.isoformat() for day in booking.days_available(scope, date_from_month=date_from_month)]

    @strawberry.field(description="Open slots from start_date to the end of end_date in timezone.")
    def availableSlotsForRange(  # noqa: N802
        self,
        info: Info,
        provider_id: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        start_date_boundary: str | None = None,
        end_date_boundary: str | None = None,
        appt_type_id: str | None = None,
        org_level: bool | None = None,
        provider_ids: list[str | None] | None = None,
        timezone: str | None = None,
        appointment_to_reschedule_id: strawberry.ID | None = None,
    ) -> list[PotentialAppointmentSlot]:
        scope = booking.booking_scope(
            info.context.viewer, provider_id=provider_id, appt_type_id=appt_type_id, timezone=timezone,
            org_level=org_level, provider_ids=provider_ids, appointment_to_reschedule_id=appointment_to_reschedule_id,
        )
        slots = booking.available_slots(scope, start_date=start_date, end_date=end_date,
                                        start_date_boundary=start_date_boundary, end_date_boundary=end_date_boundary)
        return [_slot_out(slot, scope) for slot in slots]

    @strawberry.field(description="The first open slot from start_date (default today), within three months.")
    def nextAvailableSlot(  # noqa: N802
        self,
        info: Info,
        provider_id: str | None = None,
        appt_type_id: str | None = None,
        start_date: str | None = None,
        org_level: bool | None = None,
        provider_ids: list[str | None] | None = None,
        timezone: str | None = None,
        appointment_to_reschedule_id: strawberry.ID | None = None,
    ) -> PotentialAppointmentSlot | None:
        scope = booking.booking_scope(
            info.context.viewer, provider_id=provider_id, appt_type_id=appt_type_id, timezone=timezone,
            org_level=org_level, provider_ids=provider_ids, appointment_to_reschedule_id=appointment_to_reschedule_id,
        )
        slot = booking.next_available_slot(scope, start_date=start_date)
        return _slot_out(slot, scope) if slot else None
