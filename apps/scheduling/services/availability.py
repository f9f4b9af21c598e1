"""Availability windows: create, edit, delete (each emits the documented event)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, ValidationFailed
from apps.core.inputs import is_set, sent
from apps.core.timefmt import now
from apps.events.bus import emit
from apps.scheduling.calendars import provider_zone
from apps.scheduling.inputs import AvailabilityInput
from apps.scheduling.models import Availability
from apps.scheduling.selectors import availability_get
from apps.scheduling.services.common import clock_or_error, date_or_error, org_provider
from apps.scheduling.slots import sunday_based_weekday

FIELDS = ("is_repeating", "day_of_week", "range_start", "range_end", "start_time", "end_time", "user_id")


def _clean(viewer: Viewer, data: AvailabilityInput, current: Availability | None) -> dict[str, Any]:
    """Validated fields; on edit, missing inputs keep their current values."""
    errors = Collector()
    creating = current is None
    cleaned: dict[str, Any] = {}
    if creating or sent(data.user_id) not in (None, ""):
        provider = org_provider(viewer, errors, "user_id", sent(data.user_id))
        if provider is not None:
            cleaned["user"] = provider
    range_start = date_or_error(errors, "range_start", sent(data.range_start), required=creating)
    start_time = clock_or_error(errors, "time", sent(data.time), required=creating)
    end_time = clock_or_error(errors, "end_time", sent(data.end_time), required=creating)
    range_end = date_or_error(errors, "range_end", sent(data.range_end))
    errors.raise_if_any()
    is_repeating = sent(data.is_repeating)
    is_repeating = current.is_repeating if is_repeating is None and current else bool(is_repeating)
    range_start = range_start or current.range_start
    start_time = start_time or current.start_time
    end_time = end_time or current.end_time
    day_of_week = sent(data.day_of_week)
    if day_of_week is not None and not 0 <= day_of_week <= 6:
        errors.add("day_of_week", "must be between 0 (Sunday) and 6 (Saturday)")
    if end_time <= start_time:
        errors.add("end_time", "must be after time")
    if is_repeating:
        if day_of_week is None:
            day_of_week = current.day_of_week if current and not is_set(data.range_start) else None
        if day_of_week is None:
            day_of_week = sunday_based_weekday(range_start)
        if range_end is not None and range_end < range_start:
            errors.add("range_end", "must not be before range_start")
    else:
        weekday = sunday_based_weekday(range_start)
        if day_of_week is not None and day_of_week != weekday:
            errors.add("day_of_week", "does not match the weekday of range_start for a one-time availability")
        day_of_week, range_end = weekday, None
    errors.raise_if_any()
    provider = cleaned.get("user") or current.user
    cleaned.update(is_repeating=is_repeating, day_of_week=day_of_week, range_start=range_start,
                   range_end=range_end, start_time=start_time, end_time=end_time,
                   timezone=provider_zone(provider).key)
    return cleaned


@transaction.atomic
def availability_create(viewer: Viewer, *, data: AvailabilityInput) -> Availability:
    viewer.require(MEMBER)
    cleaned = _clean(viewer, data, None)
    item = Availability.objects.create(organization_id=viewer.organization_id, **cleaned)
    emit("availability.created", item, organization_id=item.organization_id, actor_id=viewer.user_id)
    return item


@transaction.atomic
def availability_edit(viewer: Viewer, *, availability_id: object, data: AvailabilityInput) -> Availability:
    viewer.require(MEMBER)
    if availability_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    item = availability_get(viewer, availability_id)
    before = {name: getattr(item, name) for name in FIELDS}
    cleaned = _clean(viewer, data, item)
    for name, value in cleaned.items():
        setattr(item, name, value)
    changed = [name for name in FIELDS if getattr(item, name) != before[name]]
    if changed:
        item.save()
        emit("availability.updated", item, organization_id=item.organization_id, actor_id=viewer.user_id,
             changed_fields=changed)
    return item


@transaction.atomic
def availability_delete(viewer: Viewer, *, availability_id: object) -> Availability:
    viewer.require(MEMBER)
    if availability_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    item = availability_get(viewer, availability_id)
    item.deleted_at = now()
    item.save(update_fields=["deleted_at", "updated_at"])
    emit("availability.deleted", item, organization_id=item.organization_id, actor_id=viewer.user_id)
    return item
