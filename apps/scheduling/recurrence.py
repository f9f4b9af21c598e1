"""Repeating bookings: the starts of a series, stepped in local wall time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from apps.core.errors import ValidationFailed
from apps.scheduling.models import RecurringAppointment

INTERVAL_STEPS = {
    RecurringAppointment.WEEKLY: relativedelta(weeks=1),
    RecurringAppointment.BIWEEKLY: relativedelta(weeks=2),
    RecurringAppointment.EVERY_4_WEEKS: relativedelta(weeks=4),
    RecurringAppointment.MONTHLY: relativedelta(months=1),
}
MAX_REPEAT_TIMES = 52


def occurrences(start: dt.datetime, zone: ZoneInfo, *, is_repeating: bool | None, repeat_interval: str | None,
                repeat_times: int | None) -> list[dt.datetime]:
    """The first start plus its repetitions, stepped in local wall time so DST keeps the hour."""
    if not is_repeating:
        return [start]
    interval = next((k for k in INTERVAL_STEPS if k.lower() == (repeat_interval or "").strip().lower()), None)
    if interval is None:
        raise ValidationFailed("repeat_interval", f"'repeat_interval' must be one of: {', '.join(INTERVAL_STEPS)}.")
    times = repeat_times or 1
    if not 1 <= times <= MAX_REPEAT_TIMES:
        raise ValidationFailed("repeat_times", f"'repeat_times' must be between 1 and {MAX_REPEAT_TIMES}.")
    local = start.astimezone(zone).replace(tzinfo=None)
    return [
        (local + INTERVAL_STEPS[interval] * i).replace(tzinfo=zone).astimezone(dt.UTC) for i in range(times)
    ]
