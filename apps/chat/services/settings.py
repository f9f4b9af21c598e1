"""A provider's chat setting: auto-responses (a date range, or recurring weekly hours),
notification choices and the welcome message. One per provider; patients have none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from apps.accounts.viewer import MEMBER, Viewer
from apps.chat.models import ChatSetting
from apps.chat.selectors.conversations import chat_settings_visible, is_chat_admin
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.core.inputs import UNSET, Unset, given
from apps.core.lookup import get_visible, parse_id
from apps.core.timefmt import TimeFormatError, parse_datetime

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIME_RANGE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$")
MAX_TEXT = 10_000
MAX_RANGES = 14


@dataclass(frozen=True)
class DayRange:
    days: list[str] | None = None
    time_range: str | None = None


@dataclass(frozen=True)
class ChatSettingInput:
    is_active: bool | None | Unset = UNSET
    content: str | None | Unset = UNSET
    start_date: str | None | Unset = UNSET
    end_date: str | None | Unset = UNSET
    no_end_date: bool | None | Unset = UNSET
    scheduled_turned_on: bool | None | Unset = UNSET
    recurring_turned_on: bool | None | Unset = UNSET
    # The published alias of recurring_turned_on (used when recurring_turned_on is not sent).
    is_recurring_active: bool | None | Unset = UNSET
    recurring_content: str | None | Unset = UNSET
    recurring_days_data: list[DayRange] | None | Unset = UNSET
    recurring_days_id: object = UNSET
    receive_notifications: bool | None | Unset = UNSET
    receive_notifications_recurring: bool | None | Unset = UNSET
    send_auto_welcome: bool | None | Unset = UNSET
    auto_welcome_text: str | None | Unset = UNSET


BOOLEANS = ("is_active", "no_end_date", "scheduled_turned_on", "recurring_turned_on", "receive_notifications",
            "receive_notifications_recurring", "send_auto_welcome")
TEXTS = ("content", "recurring_content", "auto_welcome_text")


def _day_ranges(ranges: list[DayRange], errors: Collector) -> dict[str, Any]:
    if len(ranges) > MAX_RANGES:
        errors.add("recurring_days_data", f"At most {MAX_RANGES} day ranges.")
        return {}
    cleaned = []
    for item in ranges:
        days = [str(d).strip().lower() for d in (item.days or [])]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            errors.add("recurring_days_data", f"Unknown day: {unknown[0][:20]} (use monday ... sunday).")
            continue
        time_range = (item.time_range or "").strip()
        if time_range and not TIME_RANGE.match(time_range):
            errors.add("recurring_days_data", "time_range must look like 09:00-17:00.")
            continue
        cleaned.append({"days": list(dict.fromkeys(days)), "time_range": time_range or None})
    return {"day_ranges": cleaned}


def _apply(setting: ChatSetting, data: ChatSettingInput, tz: str | None) -> list[str]:
    values = given(data)
    errors = Collector()
    changed: list[str] = []
    for name in BOOLEANS:
        if values.get(name) is not None and name in values:
            setattr(setting, name, values[name])
            changed.append(name)
    if values.get("recurring_turned_on") is None and values.get("is_recurring_active") is not None:
        setting.recurring_turned_on = values["is_recurring_active"]
        changed.append("recurring_turned_on")
    for name in TEXTS:
        if name in values:
            text = values[name] or ""
            if len(text) > MAX_TEXT:
                errors.add(name, f"{name} is too long (at most {MAX_TEXT} characters).")
            setattr(setting, name, text)
            changed.append(name)
    for name in ("start_date", "end_date"):
        if name in values:
            raw = values[name]
            try:
                setattr(setting, name, parse_datetime(raw, tz) if raw not in (None, "") else None)
            except TimeFormatError as error:
                errors.add(name, str(error))
            changed.append(name)
    if "recurring_days_data" in values:
        if "recurring_days_id" in values and values["recurring_days_id"] not in (None, "") and (
                setting.pk is None or parse_id(values["recurring_days_id"]) != setting.pk):
            # The recurring days of a setting share its id; any other id names nothing of it.
            raise NotFound("recurring_days_data.id", "Recurring days not found.")
        setting.recurring_days = _day_ranges(values["recurring_days_data"] or [], errors)
        changed.append("recurring_days")
    if setting.start_date and setting.end_date and setting.end_date < setting.start_date:
        errors.add("end_date", "end_date must not be before start_date.")
    errors.raise_if_any()
    return changed


def _owner_of_setting(viewer: Viewer, user_id: object):
    if user_id in (None, "") or parse_id(user_id) == viewer.user_id:
        return viewer.user
    pk = parse_id(user_id)
    from apps.accounts.models import User

    user = User.objects.filter(pk=pk, organization_id=viewer.organization_id, is_patient=False).first() \
        if pk and is_chat_admin(viewer) else None
    if user is None:
        raise NotFound("user_id", "User not found.")
    return user


@transaction.atomic
def chat_setting_create(viewer: Viewer, *, user_id: object = None, data: ChatSettingInput) -> ChatSetting:
    """``createChatSetting`` for the caller (or, for an admin, another provider of the organization)."""
    viewer.require(MEMBER)
    user = _owner_of_setting(viewer, user_id)
    setting = ChatSetting(user=user)
    _apply(setting, data, user.timezone or None)
    if ChatSetting.objects.filter(user=user).exists():
        raise ValidationFailed("user_id", "This user already has a chat setting: use updateChatSetting.")
    try:
        with transaction.atomic():
            setting.save()
    except IntegrityError as error:  # a concurrent create won
        raise ValidationFailed("user_id", "This user already has a chat setting: use updateChatSetting.") from error
    return setting


@transaction.atomic
def chat_setting_update(viewer: Viewer, *, setting_id: object = None, user_id: object = None,
                        data: ChatSettingInput) -> ChatSetting:
    """``updateChatSetting`` by id, or the setting of ``user_id`` (default: the caller), created
    when the caller has none yet (a provider who never saved one has the defaults)."""
    viewer.require(MEMBER)
    if setting_id not in (None, ""):
        setting = get_visible(chat_settings_visible(viewer), setting_id, "Chat setting")
    else:
        user = _owner_of_setting(viewer, user_id)
        setting, _ = ChatSetting.objects.get_or_create(user=user)
    setting = ChatSetting.objects.select_for_update().select_related("user").get(pk=setting.pk)
    _apply(setting, data, setting.user.timezone or None)
    setting.save()
    return setting
