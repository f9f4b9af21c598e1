"""The slot engine: pure functions over in-memory data, no database access.

Slots are a provider's availability windows (one-time and weekly repeating, laid
out on the provider's local calendar) minus active appointments widened by the
buffer, stepped by the calendar interval from each window's start, trimmed by the
minimum advance time and the requested range. All instants are aware UTC datetimes;
wall-clock rules are converted day by day in the provider's zone, so DST changes
and half-hour offsets come out right without special cases.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC


@dataclass(frozen=True)
class Window:
    """An availability rule. ``day_of_week`` is 0 for Sunday (documented numbering)."""

    is_repeating: bool
    day_of_week: int
    range_start: dt.date
    range_end: dt.date | None
    start_time: dt.time
    end_time: dt.time
    # The zone the wall-clock times are in (fixed when the window was created); the
    # provider's current zone when None.
    zone: ZoneInfo | None = None

    def applies_on(self, day: dt.date) -> bool:
        if not self.is_repeating:
            return day == self.range_start
        if day < self.range_start or (self.range_end is not None and day > self.range_end):
            return False
        return sunday_based_weekday(day) == self.day_of_week


@dataclass
class ProviderCalendar:
    provider_id: int
    zone: ZoneInfo
    windows: list[Window] = field(default_factory=list)
    # Active appointments as (start, end), unwidened; the buffer is applied by the engine.
    busy: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    buffer_minutes: int = 0
    interval_minutes: int = 30
    minimum_advance_hours: int = 0


@dataclass(frozen=True, order=True)
class Slot:
    start: dt.datetime
    provider_id: int


def sunday_based_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7


def local_to_utc(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time on a local date as UTC.

    Ambiguous times (fall back) take the first occurrence; non-existent times
    (spring forward) map forward by the gap, the way wall clocks move.
    """
    local = dt.datetime.combine(day, clock).replace(tzinfo=zone, fold=0)
    return local.astimezone(UTC)


def _merge(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def windows_between(calendar: ProviderCalendar, start: dt.datetime, end: dt.datetime
                    ) -> list[tuple[dt.datetime, dt.datetime]]:
    """The provider's availability as merged UTC intervals overlapping [start, end)."""
    found: list[tuple[dt.datetime, dt.datetime]] = []
    for window in calendar.windows:
        zone = window.zone or calendar.zone
        day = start.astimezone(zone).date() - dt.timedelta(days=1)
        last = end.astimezone(zone).date() + dt.timedelta(days=1)
        while day <= last:
            if window.applies_on(day):
                found.append((local_to_utc(day, window.start_time, zone), local_to_utc(day, window.end_time, zone)))
            day += dt.timedelta(days=1)
    # Merge before filtering: a window touching one inside the range extends it, and the
    # result must not depend on how narrow the range is (the booking re-check uses 1 minute).
    return [(s, e) for s, e in _merge(found) if e > start and s < end]


def _busy_index(calendar: ProviderCalendar) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """Busy intervals widened by the buffer, merged, as parallel start/end lists for bisection."""
    pad = dt.timedelta(minutes=calendar.buffer_minutes)
    merged = _merge((s - pad, e + pad) for s, e in calendar.busy)
    return [s for s, _ in merged], [e for _, e in merged]


def _overlaps(starts: list[dt.datetime], ends: list[dt.datetime], start: dt.datetime, end: dt.datetime) -> bool:
    # The last busy interval beginning before ``end`` is the only one that can overlap
    # (merged intervals are disjoint and sorted).
    index = bisect.bisect_left(starts, end) - 1
    return index >= 0 and ends[index] > start


def provider_slots(
    calendar: ProviderCalendar,
    *,
    length_minutes: int,
    range_start: dt.datetime,
    range_end: dt.datetime,
    now: dt.datetime,
) -> list[Slot]:
    """Bookable start times in [range_start, range_end) for one provider."""
    if length_minutes <= 0:
        return []
    length = dt.timedelta(minutes=length_minutes)
    step = dt.timedelta(minutes=max(1, calendar.interval_minutes))
    earliest = max(range_start, now + dt.timedelta(hours=calendar.minimum_advance_hours))
    starts, ends = _busy_index(calendar)
    found: list[Slot] = []
    for w_start, w_end in windows_between(calendar, range_start, range_end):
        candidate = w_start
        if candidate < earliest:
            # Jump to the first step at or after ``earliest`` instead of walking there.
            steps = -(-(earliest - candidate) // step)
            candidate += step * steps
        while candidate + length <= w_end and candidate < range_end:
            if not _overlaps(starts, ends, candidate, candidate + length):
                found.append(Slot(candidate, calendar.provider_id))
            candidate += step
    return found


def slots_for(
    calendars: Sequence[ProviderCalendar],
    *,
    length_minutes: int,
    range_start: dt.datetime,
    range_end: dt.datetime,
    now: dt.datetime,
) -> list[Slot]:
    """Slots of several providers (org level), ordered by time then provider."""
    # Each provider's slots come out sorted and unique, so a k-way merge orders them all
    # (much cheaper than sorting dataclasses by their generated comparisons).
    per_provider = [
        provider_slots(calendar, length_minutes=length_minutes, range_start=range_start, range_end=range_end,
                       now=now)
        for calendar in calendars
    ]
    return list(heapq.merge(*per_provider, key=_slot_key))


def _slot_key(slot: Slot) -> tuple[dt.datetime, int]:
    return slot.start, slot.provider_id


def is_bookable(calendar: ProviderCalendar, *, start: dt.datetime, length_minutes: int, now: dt.datetime) -> bool:
    """Whether ``start`` is one of the provider's slots right now (the booking re-check)."""
    slots = provider_slots(calendar, length_minutes=length_minutes, range_start=start,
                           range_end=start + dt.timedelta(minutes=1), now=now)
    return any(slot.start == start for slot in slots)


def days_with_slots(slots: Iterable[Slot], zone: ZoneInfo) -> list[dt.date]:
    return sorted({slot.start.astimezone(zone).date() for slot in slots})
