"""Appointment types and appointment settings (provider-level and per-type overrides)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import UserGroup
from apps.accounts.selectors import parse_id
from apps.accounts.validation import clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, ErrorCode, ValidationFailed
from apps.core.inputs import UNSET, is_set, sent
from apps.core.timefmt import now
from apps.scheduling.inputs import AppointmentTypeInput, SettingInput
from apps.scheduling.models import CONTACT_TYPES, AppointmentSetting, AppointmentType
from apps.scheduling.selectors import appointment_setting_get, appointment_type_get, member_provider
from apps.scheduling.services.common import int_in_range

TYPE_FLAGS = ("is_group", "clients_can_book", "bookable_without_group", "specific_groups", "is_waitlist_enabled")
SETTING_FLAGS = (
    "allow_clients_to_cancel_appt", "allow_clients_to_reschedule_appt", "allow_past_appointment_rescheduling",
    "ask_clients_to_confirm", "confirm_by_default", "end_reminder_one_hour_before",
    "always_send_confirm_notification",
)
SETTING_NUMBERS = {  # field: (low, high)
    "buffer": (0, 1440),
    "calendar_interval": (5, 1440),
    "minimum_advance_schedule_time": (0, 8760),
    "minimum_advance_cancel_time": (0, 8760),
    "minimum_advance_reschedule_time": (0, 8760),
}
SETTING_TEXTS = ("cant_cancel_message", "cant_reschedule_message")
MAX_REMINDERS = 5


def clean_setting_values(errors: Collector, data: SettingInput, prefix: str = "") -> dict[str, Any]:
    """The fields of ``data`` that were sent with a value (null leaves a setting unchanged)."""
    cleaned: dict[str, Any] = {}
    for name, (low, high) in SETTING_NUMBERS.items():
        if sent(getattr(data, name)) is not None:
            number = int_in_range(errors, prefix + name, getattr(data, name), low, high)
            if number is not None:
                cleaned[name] = number
    for name in SETTING_FLAGS:
        if sent(getattr(data, name)) is not None:
            cleaned[name] = bool(getattr(data, name))
    for name in SETTING_TEXTS:
        if sent(getattr(data, name)) is not None:
            text = clean_text(errors, prefix + name, getattr(data, name))
            if text is not None:
                cleaned[name] = text[:500]
    if sent(data.reminder_minutes_before) is not None:
        minutes = list(data.reminder_minutes_before)
        if len(minutes) > MAX_REMINDERS or any(m is None or not 5 <= m <= 43200 for m in minutes):
            errors.add(prefix + "reminder_minutes_before",
                       f"give at most {MAX_REMINDERS} reminders, each 5 to 43200 minutes before the start")
        else:
            cleaned["reminder_minutes_before"] = sorted(set(minutes), reverse=True)
    return cleaned


def _clean_type(viewer: Viewer, errors: Collector, data: AppointmentTypeInput, *, creating: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if is_set(data.name) or creating:
        name = clean_text(errors, "name", sent(data.name), required=True)
        if name is not None:
            cleaned["name"] = name
    length = sent(data.length)
    if length is not None or creating:
        if length is None:
            errors.add("length", "Length can't be blank")
        elif not 5 <= length <= 1440:
            errors.add("length", "must be between 5 and 1440 minutes")
        else:
            cleaned["length"] = length
    for flag in TYPE_FLAGS:
        if sent(getattr(data, flag)) is not None:
            cleaned[flag] = bool(getattr(data, flag))
    if is_set(data.user_group_id):
        raw = data.user_group_id
        if raw in (None, ""):
            cleaned["user_group"] = None
        else:
            pk = parse_id(raw)
            group = UserGroup.objects.filter(organization_id=viewer.organization_id, pk=pk).first() if pk else None
            if group is None:
                errors.add("user_group_id", "User group not found", ErrorCode.NOT_FOUND)
            else:
                cleaned["user_group"] = group
    if sent(data.bookable_group_ids) is not None:
        raw = str(data.bookable_group_ids).strip()
        if raw.lower() in ("all", ""):
            cleaned["bookable_group_ids"] = None
        else:
            ids = [parse_id(p.strip()) for p in raw.split(",") if p.strip()]
            known = set(UserGroup.objects.filter(organization_id=viewer.organization_id,
                                                 pk__in=[i for i in ids if i]).values_list("pk", flat=True))
            if None in ids or len(known) != len(set(ids)):
                # A well-formed id of a group the caller cannot see is a missing id.
                code = ErrorCode.BAD_USER_INPUT if None in ids else ErrorCode.NOT_FOUND
                errors.add("bookable_group_ids", "must be \"all\" or comma-separated ids of your client groups", code)
            else:
                cleaned["bookable_group_ids"] = sorted(known)
    if sent(data.contact_type_overrides) is not None:
        keys = [str(k).strip() for k in data.contact_type_overrides if k is not None]
        unknown = [k for k in keys if k not in CONTACT_TYPES]
        if unknown or not keys:
            errors.add("contact_type_overrides", f"use one or more of {', '.join(CONTACT_TYPES)}")
        else:
            cleaned["contact_type_overrides"] = list(dict.fromkeys(keys))
    return cleaned


def _type_setting(data: SettingInput | None, errors: Collector) -> dict[str, Any] | None:
    if data is None or data is UNSET:
        return None
    return clean_setting_values(errors, data, prefix="appointment_setting.")


def _save_type_setting(appt_type: AppointmentType, cleaned: dict[str, Any] | None) -> None:
    if cleaned is None:
        return
    setting, _ = AppointmentSetting.objects.get_or_create(
        appointment_type=appt_type, defaults={"organization_id": appt_type.organization_id}
    )
    for name, value in cleaned.items():
        setattr(setting, name, value)
    setting.save()


@transaction.atomic
def appointment_type_create(viewer: Viewer, *, data: AppointmentTypeInput) -> AppointmentType:
    viewer.require(MEMBER)
    errors = Collector()
    cleaned = _clean_type(viewer, errors, data, creating=True)
    setting_values = _type_setting(data.appointment_setting, errors)
    errors.raise_if_any()
    appt_type = AppointmentType.objects.create(organization_id=viewer.organization_id, user=viewer.user, **cleaned)
    _save_type_setting(appt_type, setting_values)
    return appt_type


@transaction.atomic
def appointment_type_update(viewer: Viewer, *, type_id: object, data: AppointmentTypeInput) -> AppointmentType:
    viewer.require(MEMBER)
    if type_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    appt_type = appointment_type_get(viewer, type_id)
    if appt_type.deleted_at is not None:
        raise ValidationFailed("id", "This appointment type was deleted")
    errors = Collector()
    cleaned = _clean_type(viewer, errors, data, creating=False)
    setting_values = _type_setting(data.appointment_setting, errors)
    errors.raise_if_any()
    for name, value in cleaned.items():
        setattr(appt_type, name, value)
    appt_type.save()
    _save_type_setting(appt_type, setting_values)
    return appt_type


@transaction.atomic
def appointment_type_delete(viewer: Viewer, *, type_id: object) -> AppointmentType:
    """Soft delete: existing appointments keep their type; it stops being bookable."""
    viewer.require(MEMBER)
    if type_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    appt_type = appointment_type_get(viewer, type_id)
    if appt_type.deleted_at is None:
        appt_type.deleted_at = now()
        appt_type.save(update_fields=["deleted_at", "updated_at"])
    return appt_type


@transaction.atomic
def appointment_setting_create(viewer: Viewer, *, provider_id: object = None, data: SettingInput
                               ) -> AppointmentSetting:
    """A provider's settings; one per provider (``provider_id`` defaults to the caller)."""
    viewer.require(MEMBER)
    provider = member_provider(viewer, provider_id, field="provider_id") if provider_id else viewer.user
    errors = Collector()
    cleaned = clean_setting_values(errors, data)
    errors.raise_if_any()
    if AppointmentSetting.objects.select_for_update().filter(provider=provider).exists():
        raise ValidationFailed("provider_id", "This provider already has appointment settings; update them")
    return AppointmentSetting.objects.create(organization_id=viewer.organization_id, provider=provider, **cleaned)


@transaction.atomic
def appointment_setting_update(viewer: Viewer, *, setting_id: object, data: SettingInput) -> AppointmentSetting:
    viewer.require(MEMBER)
    if setting_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    setting = appointment_setting_get(viewer, setting_id=setting_id)
    errors = Collector()
    cleaned = clean_setting_values(errors, data)
    errors.raise_if_any()
    for name, value in cleaned.items():
        setattr(setting, name, value)
    setting.save()
    return setting
