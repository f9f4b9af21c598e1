"""GraphQL types of scheduling, spelled as the published API spells them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Prefetch, Subquery
from strawberry import auto

from apps.accounts.models import User
from apps.core.timefmt import TimeFormatError, format_datetime, get_zone
from apps.scheduling import models
from apps.scheduling.selectors import availabilities_visible, next_appointment_start, next_appointment_start_subquery
from schema.accounts.types import (
    UserGroupType,
    UserType,
    register_user_fields,
    shown_prefetch,
    shown_user,
    shown_user_field,
    shown_users,
)

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType
    from schema.forms.charting_types import GeneratedFormAnswerGroupType


def _forms():
    """schema/forms/appointment_fields.py, imported on first use (schema.forms imports this module)."""
    from schema.forms import appointment_fields

    return appointment_fields


# The chart note's state as two annotations (names fixed here, expressions built on first use).
_CHART_STATE = {
    "_chart_note_state": lambda info: _forms().state_subquery(info.context.viewer),
    "_chart_note_signers": lambda info: _forms().signers_subquery(),
}


def _viewer_zone(info: strawberry.Info, fallback: str | None) -> str:
    """Times are shown in the signed-in user's timezone, else the record's own."""
    viewer = info.context.viewer
    for name in ((viewer.user.timezone if viewer.user else None), fallback):
        if name:
            try:
                get_zone(name)
                return name
            except TimeFormatError:
                continue
    return "UTC"


@strawberry_django.type(models.AppointmentSetting, name="AppointmentSetting")
class AppointmentSettingType:
    id: strawberry.ID
    minimum_advance_schedule_time: auto
    minimum_advance_cancel_time: auto
    minimum_advance_reschedule_time: auto
    allow_clients_to_cancel_appt: auto
    allow_clients_to_reschedule_appt: auto
    allow_past_appointment_rescheduling: auto
    ask_clients_to_confirm: auto
    confirm_by_default: auto
    end_reminder_one_hour_before: auto
    always_send_confirm_notification: auto
    cant_cancel_message: auto
    cant_reschedule_message: auto

    @strawberry_django.field(only=["buffer"], description="Minutes kept free around each appointment.")
    def buffer(self, root: models.AppointmentSetting) -> str:
        return str(root.buffer)

    @strawberry_django.field(only=["calendar_interval"], description="Minutes between offered slot starts.")
    def calendar_interval(self, root: models.AppointmentSetting) -> str:
        return str(root.calendar_interval)

    @strawberry_django.field(only=["reminder_minutes_before"])
    def reminder_minutes_before(self, root: models.AppointmentSetting) -> list[int]:
        return list(root.reminder_minutes_before or [])

    @strawberry_django.field(only=["provider_id"])
    def provider_id(self, root: models.AppointmentSetting) -> strawberry.ID | None:
        return strawberry.ID(str(root.provider_id)) if root.provider_id else None

    @strawberry_django.field(only=["appointment_type_id"])
    def appointment_type_id(self, root: models.AppointmentSetting) -> strawberry.ID | None:
        return strawberry.ID(str(root.appointment_type_id)) if root.appointment_type_id else None

    @strawberry_django.field(select_related=["appointment_type"],
                             description="For an appointment type's own setting: the type's name.")
    def name(self, root: models.AppointmentSetting) -> str | None:
        return root.appointment_type.name if root.appointment_type_id else None

    @strawberry_django.field(select_related=["appointment_type"],
                             description="The type's contact types; every contact type for a provider setting.")
    def available_contact_types(self, root: models.AppointmentSetting) -> list[str]:
        if root.appointment_type_id:
            return root.appointment_type.available_contact_types
        return list(models.CONTACT_TYPES.values())

    @strawberry_django.field(select_related=["appointment_type"],
                             description="For an appointment type's own setting: the type's length in minutes.")
    def length(self, root: models.AppointmentSetting) -> int | None:
        return root.appointment_type.length if root.appointment_type_id else None


@strawberry_django.type(models.AppointmentType, name="AppointmentType")
class AppointmentTypeType:
    id: strawberry.ID
    name: auto
    length: auto
    is_group: auto
    clients_can_book: auto
    bookable_without_group: auto
    specific_groups: auto
    is_waitlist_enabled: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.AppointmentType) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(select_related=["user_group"],
                             description="The client group joined after booking (staff only).")
    def user_group(self, root: models.AppointmentType, info: strawberry.Info) -> UserGroupType | None:
        return root.user_group if info.context.viewer.is_member else None

    @strawberry_django.field(only=["contact_type_overrides"])
    def available_contact_types(self, root: models.AppointmentType) -> list[str]:
        return root.available_contact_types

    @strawberry_django.field(only=["contact_type_overrides"])
    def contact_type_overrides(self, root: models.AppointmentType) -> list[str]:
        return list(root.contact_type_overrides or [])

    @strawberry_django.field(only=["bookable_group_ids", "specific_groups"],
                             description="Comma-separated client group ids, or \"all\".")
    def bookable_group_ids(self, root: models.AppointmentType) -> str | None:
        if not root.specific_groups:
            return None
        return "all" if root.bookable_group_ids is None else ",".join(str(i) for i in root.bookable_group_ids)

    @strawberry_django.field(only=["specific_groups", "bookable_without_group"])
    def bookable_by_groups(self, root: models.AppointmentType) -> bool:
        return root.specific_groups and not root.bookable_without_group

    @strawberry_django.field(only=["user_group_id"])
    def user_group_id(self, root: models.AppointmentType, info: strawberry.Info) -> strawberry.ID | None:
        if not info.context.viewer.is_member or not root.user_group_id:
            return None
        return strawberry.ID(str(root.user_group_id))

    @strawberry_django.field(only=["deleted_at"])
    def is_deleted(self, root: models.AppointmentType) -> bool:
        return root.deleted_at is not None

    @strawberry_django.field(select_related=["appointment_setting"])
    def appointment_setting(self, root: models.AppointmentType) -> AppointmentSettingType | None:
        return getattr(root, "appointment_setting", None)


@strawberry_django.type(models.AppointmentTypeCredit, name="AppointmentTypeCredit")
class AppointmentTypeCreditType:
    id: strawberry.ID
    total_credits: auto
    appointment_type: AppointmentTypeType

    @strawberry_django.field(only=["appointment_type_id"])
    def appointment_type_id(self, root: models.AppointmentTypeCredit) -> strawberry.ID:
        return strawberry.ID(str(root.appointment_type_id))


def _next_appointment_start(info: object = None) -> Subquery:
    # The optimizer calls annotate callables with the field's info; the subquery does not need it.
    return next_appointment_start_subquery()


class SchedulingUserFields:
    """Scheduling's fields of ``User`` (registered below; accounts composes ``User``)."""

    @strawberry_django.field(annotate={"_next_appt_start": _next_appointment_start}, only=["timezone"],
                             description="Start of the next active appointment, like 2021-10-10 10:00:00 -0400.")
    def next_appt_date(self, root: User) -> str | None:
        # A user loaded outside the optimizer (currentUser, user(id:)) costs one query.
        start = root._next_appt_start if hasattr(root, "_next_appt_start") else next_appointment_start(root)
        try:
            return format_datetime(start, root.timezone or "UTC")
        except TimeFormatError:
            return format_datetime(start)

    @strawberry_django.field(
        prefetch_related=[Prefetch("appointment_type_credits",
                                   queryset=models.AppointmentTypeCredit.objects.order_by("id"))]
    )
    def appointment_type_credits(self, root: User) -> list[AppointmentTypeCreditType]:
        return list(root.appointment_type_credits.all())


register_user_fields(SchedulingUserFields)


@strawberry.input(name="AppointmentTypeCreditInput")
class AppointmentTypeCreditInput:
    """One entry of ``appointment_type_credits_attributes`` (omitted fields stay as they are)."""

    id: strawberry.ID | None = None
    appointment_type_id: strawberry.ID | None = None
    total_credits: int | None = None
    destroy: bool | None = strawberry.field(name="_destroy", default=None)


def _local(day: dt.date, clock: dt.time, zone_name: str) -> dt.datetime:
    return dt.datetime.combine(day, clock).replace(tzinfo=get_zone(zone_name))


@strawberry_django.type(models.Availability, name="Availability")
class AvailabilityType:
    id: strawberry.ID
    day_of_week: auto
    is_repeating: auto
    timezone: auto

    @strawberry_django.field(only=["user_id"], prefetch_related=[shown_prefetch("user")])
    def user(self, root: models.Availability, info: strawberry.Info) -> UserType:
        return shown_user(root, "user", info)

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.Availability) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["start_time", "end_time"])
    def duration_string(self, root: models.Availability) -> str:
        end, start = root.end_time, root.start_time
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        hours, rest = divmod(minutes, 60)
        return " ".join(part for part in (f"{hours}h" if hours else "", f"{rest}m" if rest else "") if part) or "0m"

    @strawberry_django.field(only=["range_start", "start_time", "timezone"],
                             description="The (first) start, in the availability's timezone.")
    def range_start(self, root: models.Availability) -> str:
        return format_datetime(_local(root.range_start, root.start_time, root.timezone), root.timezone)

    @strawberry_django.field(only=["range_start", "range_end", "end_time", "timezone", "is_repeating"],
                             description="The end; for a repeating availability the last day's end, if any.")
    def range_end(self, root: models.Availability) -> str | None:
        day = root.range_end if root.is_repeating else root.range_start
        if day is None:
            return None
        return format_datetime(_local(day, root.end_time, root.timezone), root.timezone)

    @strawberry_django.field(only=["start_time"])
    def time(self, root: models.Availability) -> str:
        return root.start_time.strftime("%H %M")

    @strawberry_django.field(only=["end_time"])
    def end_time(self, root: models.Availability) -> str:
        return root.end_time.strftime("%H %M")

    @strawberry_django.field(only=["user_id"])
    def resourceId(self, root: models.Availability) -> strawberry.ID:  # noqa: N802
        return strawberry.ID(str(root.user_id))

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.Availability) -> strawberry.ID:
        return strawberry.ID(str(root.user_id))

    @strawberry_django.field(only=["range_start", "start_time", "timezone"])
    def timezone_abbr(self, root: models.Availability) -> str:
        return _local(root.range_start, root.start_time, root.timezone).tzname() or root.timezone

    @strawberry_django.field(
        disable_optimization=True,
        description="The windows that make up this availability's day for the provider: the "
        "availabilities on the same weekday (repeating) or date (one-time), this one included.",
    )
    def custom_modules(self, root: models.Availability, info: strawberry.Info) -> list[AvailabilityType]:
        qs = availabilities_visible(info.context.viewer).filter(user_id=root.user_id, is_repeating=root.is_repeating)
        qs = qs.filter(day_of_week=root.day_of_week) if root.is_repeating else qs.filter(range_start=root.range_start)
        return list(qs.order_by("start_time", "id"))


# The GraphQL ``Appointment``; the Python name keeps it apart from ``AppointmentTypeType``.
@strawberry_django.type(models.Appointment, name="Appointment")
class AppointmentObjectType:
    id: strawberry.ID
    contact_type: auto
    location: auto
    is_group: auto
    provider: UserType = shown_user_field("provider")
    appointment_type: AppointmentTypeType | None

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.Appointment) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["start", "timezone"], description="Start, like 2021-10-10 10:00:00 -0400.")
    def date(self, root: models.Appointment, info: strawberry.Info) -> str:
        return format_datetime(root.start, _viewer_zone(info, root.timezone))

    @strawberry_django.field(only=["end", "timezone"])
    def end(self, root: models.Appointment, info: strawberry.Info) -> str:
        return format_datetime(root.end, _viewer_zone(info, root.timezone))

    @strawberry_django.field(only=["start", "end"])
    def length(self, root: models.Appointment) -> int:
        return root.length

    @strawberry_django.field(only=["pm_status"])
    def pm_status(self, root: models.Appointment) -> str | None:
        return root.pm_status or None

    @strawberry_django.field(only=["timezone"])
    def timezone(self, root: models.Appointment) -> str | None:
        return root.timezone or None

    @strawberry_django.field(only=["notes"], description="Provider notes; not shown to patients.")
    def notes(self, root: models.Appointment, info: strawberry.Info) -> str | None:
        return root.notes if info.context.viewer.is_member else None

    @strawberry_django.field(only=["provider_id"])
    def other_party_id(self, root: models.Appointment) -> strawberry.ID:
        return strawberry.ID(str(root.provider_id))

    @strawberry_django.field(only=["appointment_type_id"])
    def appointment_type_id(self, root: models.Appointment) -> strawberry.ID | None:
        return strawberry.ID(str(root.appointment_type_id)) if root.appointment_type_id else None

    @strawberry_django.field(only=["recurring_appointment_id"])
    def recurring_appt_id(self, root: models.Appointment) -> strawberry.ID | None:
        rid = root.recurring_appointment_id
        return strawberry.ID(str(rid)) if rid else None

    @strawberry_django.field(only=["deleted_at", "pm_status"])
    def is_active(self, root: models.Appointment) -> bool:
        return root.is_active

    @strawberry_django.field(only=["deleted_at"])
    def deleted_at(self, root: models.Appointment) -> str | None:
        return format_datetime(root.deleted_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Appointment) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.Appointment) -> str:
        return format_datetime(root.updated_at)

    # Users are read through the viewer's ``shown_users``: a patient hidden from a restricted
    # member never appears; a patient in a group appointment sees only themselves among the
    # attendees; an unauthenticated checkout (which matches clients by e-mail and name, so its
    # answer must not reveal who the client is) gets no user or attendees back.
    @strawberry_django.field(only=["user_id"], prefetch_related=[shown_prefetch("user")])
    def user(self, root: models.Appointment, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "user", info)

    @strawberry_django.field(prefetch_related=[shown_prefetch("attendees")])
    def attendees(self, root: models.Appointment, info: strawberry.Info) -> list[UserType]:
        return shown_users(root, "attendees", info)

    @strawberry_django.field(prefetch_related=[shown_prefetch("additional_providers")],
                             description="Additional providers (the primary one is provider).")
    def providers(self, root: models.Appointment, info: strawberry.Info) -> list[UserType]:
        return shown_users(root, "additional_providers", info)

    # Forms of the appointment (issue 10): read through the viewer's visible forms; see
    # schema/forms/appointment_fields.py.
    @strawberry_django.field(only=["filled_embed_form_id"], prefetch_related=[
        lambda info: _forms().filled_embed_form_prefetch(info)],
                             description="The form the patient filled out when booking (completeCheckout).")
    def filled_embed_form(self, root: models.Appointment, info: strawberry.Info) -> Annotated[
            FormAnswerGroupType, strawberry.lazy("schema.forms.answer_types")] | None:
        return _forms().filled_embed_form(root, info)

    @strawberry_django.field(only=["form_answer_group_id"], prefetch_related=[
        lambda info: _forms().chart_note_prefetch(info)],
                             description="The chart note of the session "
                                         "(createAppointmentFormAnswerGroupConnection).")
    def form_answer_group(self, root: models.Appointment, info: strawberry.Info) -> Annotated[
            FormAnswerGroupType, strawberry.lazy("schema.forms.answer_types")] | None:
        return _forms().chart_note(root, info)

    @strawberry_django.field(prefetch_related=[
        lambda info: _forms().form_answer_groups_prefetch(info)],
                             description="Every form filled out for this appointment, oldest first.")
    def form_answer_groups(self, root: models.Appointment, info: strawberry.Info) -> list[Annotated[
            FormAnswerGroupType, strawberry.lazy("schema.forms.answer_types")]] | None:
        return _forms().form_answer_groups(root, info)

    @strawberry_django.field(only=["form_answer_group_id"], annotate=_CHART_STATE,
                             description="Whether the chart note (form_answer_group) is locked; null without one.")
    def connected_chart_note_locked(self, root: models.Appointment, info: strawberry.Info) -> bool | None:
        return _forms().connected_chart_note_locked(root, info)

    @strawberry_django.field(only=["form_answer_group_id"], annotate=_CHART_STATE,
                             description="The chart note's status, as FormAnswerGroup.chart_note_status spells it "
                                         "(CREATED, SIGNED, LOCKED, SIGNED_AND_LOCKED, ...); null without one.")
    def connected_chart_note_string(self, root: models.Appointment, info: strawberry.Info) -> str | None:
        return _forms().connected_chart_note_string(root, info)

    @strawberry_django.field(description="AI-generated chart notes are not part of this product: always null "
                                         "(docs/compatibility.md).")
    def generated_form_answer_group(self) -> Annotated[
            GeneratedFormAnswerGroupType, strawberry.lazy("schema.forms.charting_types")] | None:
        return None


@strawberry.type(name="PotentialAppointmentSlot")
class PotentialAppointmentSlot:
    user_id: strawberry.ID
    date: str
    has_waitlist_enabled: bool = False


@strawberry.type(name="AppointmentBookingWarning")
class AppointmentBookingWarningType:
    category: str
    subtitle: str
    potential_issues: list[str]
    potential_issue_ids: list[strawberry.ID]
