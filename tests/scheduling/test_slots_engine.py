"""The pure slot engine: examples plus hypothesis properties (no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.scheduling.slots import ProviderCalendar, Window, days_with_slots, is_bookable, provider_slots, slots_for

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30
ADELAIDE = ZoneInfo("Australia/Adelaide")  # +09:30 / +10:30 with DST
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=UTC)


def weekly(day_of_week: int, start: str, end: str, since: dt.date = dt.date(2030, 1, 1)) -> Window:
    return Window(True, day_of_week, since, None, dt.time.fromisoformat(start), dt.time.fromisoformat(end))


def once(day: dt.date, start: str, end: str) -> Window:
    return Window(False, (day.weekday() + 1) % 7, day, None, dt.time.fromisoformat(start), dt.time.fromisoformat(end))


def local_day(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).replace(tzinfo=zone).astimezone(UTC)
    return start, end


def local_times(slots, zone) -> list[str]:
    return [s.start.astimezone(zone).strftime("%H:%M %z") for s in slots]


def test_buffer_and_interval():
    day = dt.date(2030, 10, 7)
    busy = (dt.datetime(2030, 10, 7, 14, tzinfo=UTC), dt.datetime(2030, 10, 7, 14, 30, tzinfo=UTC))  # 10:00 NY
    calendar = ProviderCalendar(1, NY, [once(day, "09:00", "12:00")], [busy], buffer_minutes=15, interval_minutes=15)
    start, end = local_day(day, NY)
    slots = provider_slots(calendar, length_minutes=30, range_start=start, range_end=end, now=LONG_AGO)
    # 10:00-10:30 busy, widened by 15 minutes each side: 09:45-10:45 is off limits.
    assert [t[:5] for t in local_times(slots, NY)] == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_spring_forward_day_new_york():
    day = dt.date(2030, 3, 10)  # clocks jump 02:00 -> 03:00
    calendar = ProviderCalendar(1, NY, [weekly(0, "01:00", "04:00")], interval_minutes=30)
    start, end = local_day(day, NY)
    slots = provider_slots(calendar, length_minutes=30, range_start=start, range_end=end, now=LONG_AGO)
    # Only two real hours exist between 01:00 EST and 04:00 EDT.
    assert local_times(slots, NY) == ["01:00 -0500", "01:30 -0500", "03:00 -0400", "03:30 -0400"]
    # The ordinary window the week after keeps its wall-clock hours in the new offset.
    week_later = local_day(day + dt.timedelta(days=7), NY)
    slots = provider_slots(calendar, length_minutes=30, range_start=week_later[0], range_end=week_later[1],
                           now=LONG_AGO)
    assert local_times(slots, NY)[0] == "01:00 -0400" and len(slots) == 6


def test_fall_back_day_new_york():
    day = dt.date(2030, 11, 3)  # 01:00-02:00 happens twice
    calendar = ProviderCalendar(1, NY, [weekly(0, "00:00", "03:00")], interval_minutes=60)
    start, end = local_day(day, NY)
    slots = provider_slots(calendar, length_minutes=60, range_start=start, range_end=end, now=LONG_AGO)
    # Four real hours fit between 00:00 EDT and 03:00 EST.
    assert local_times(slots, NY) == ["00:00 -0400", "01:00 -0400", "01:00 -0500", "02:00 -0500"]


def test_half_hour_zone():
    day = dt.date(2030, 10, 7)
    calendar = ProviderCalendar(1, KOLKATA, [weekly(1, "09:30", "11:00")], interval_minutes=30)
    start, end = local_day(day, KOLKATA)
    slots = provider_slots(calendar, length_minutes=30, range_start=start, range_end=end, now=LONG_AGO)
    assert [s.start for s in slots] == [dt.datetime(2030, 10, 7, 4, 0, tzinfo=UTC),
                                        dt.datetime(2030, 10, 7, 4, 30, tzinfo=UTC),
                                        dt.datetime(2030, 10, 7, 5, 0, tzinfo=UTC)]
    # Viewed from New York the same slots fall on the previous evening.
    assert days_with_slots(slots, NY) == [dt.date(2030, 10, 7)]
    assert days_with_slots(slots, ZoneInfo("Pacific/Honolulu")) == [dt.date(2030, 10, 6)]


def test_repeating_range_end_and_one_time_merge():
    calendar = ProviderCalendar(1, NY, [weekly(1, "09:00", "10:00", since=dt.date(2030, 10, 7)),
                                        once(dt.date(2030, 10, 7), "09:30", "11:00")], interval_minutes=30)
    calendar.windows[0] = Window(True, 1, dt.date(2030, 10, 7), dt.date(2030, 10, 14), dt.time(9), dt.time(10))
    start, _ = local_day(dt.date(2030, 10, 1), NY)
    _, end = local_day(dt.date(2030, 10, 31), NY)
    slots = provider_slots(calendar, length_minutes=60, range_start=start, range_end=end, now=LONG_AGO)
    # Overlapping windows merge (09:00-11:00 on the 7th); the weekly rule stops after the 14th.
    assert [s.start.astimezone(NY).strftime("%d %H:%M") for s in slots] == ["07 09:00", "07 09:30", "07 10:00",
                                                                           "14 09:00"]


def test_is_bookable_matches_the_step_grid():
    day = dt.date(2030, 10, 7)
    calendar = ProviderCalendar(1, NY, [once(day, "09:00", "12:00")], interval_minutes=30)
    on_grid = dt.datetime(2030, 10, 7, 13, 30, tzinfo=UTC)
    assert is_bookable(calendar, start=on_grid, length_minutes=60, now=LONG_AGO)
    assert not is_bookable(calendar, start=on_grid + dt.timedelta(minutes=10), length_minutes=60, now=LONG_AGO)
    assert not is_bookable(calendar, start=dt.datetime(2030, 10, 7, 15, 30, tzinfo=UTC), length_minutes=60,
                           now=LONG_AGO)


# ---- properties ---------------------------------------------------------------------------

ZONES = st.sampled_from([NY, KOLKATA, ADELAIDE, ZoneInfo("Europe/London"), ZoneInfo("UTC")])
# Days around the 2030 DST changes in both hemispheres plus ordinary ones.
DAYS = st.sampled_from([dt.date(2030, 3, 10), dt.date(2030, 3, 31), dt.date(2030, 4, 7), dt.date(2030, 10, 6),
                        dt.date(2030, 10, 27), dt.date(2030, 11, 3), dt.date(2030, 6, 18)])
CLOCK = st.integers(min_value=0, max_value=47).map(lambda h: dt.time(h // 2, 30 * (h % 2)))


@st.composite
def windows(draw):
    start = draw(CLOCK)
    end_half_hours = draw(st.integers(min_value=start.hour * 2 + start.minute // 30 + 1, max_value=48))
    end = dt.time(23, 59) if end_half_hours == 48 else dt.time(end_half_hours // 2, 30 * (end_half_hours % 2))
    repeating = draw(st.booleans())
    day = draw(DAYS)
    if repeating:
        return Window(True, draw(st.integers(0, 6)), dt.date(2030, 1, 1), None, start, end)
    return Window(False, (day.weekday() + 1) % 7, day, None, start, end)


@st.composite
def calendars(draw):
    zone = draw(ZONES)
    day = draw(DAYS)
    base = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(UTC)
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        start = base + dt.timedelta(minutes=15 * draw(st.integers(-8, 100)))
        busy.append((start, start + dt.timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90])))))
    calendar = ProviderCalendar(
        provider_id=draw(st.integers(1, 5)), zone=zone, windows=draw(st.lists(windows(), min_size=1, max_size=4)),
        busy=busy, buffer_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        interval_minutes=draw(st.sampled_from([10, 15, 30, 60])),
    )
    return calendar, day


def _inside_availability(calendar: ProviderCalendar, start: dt.datetime, end: dt.datetime) -> bool:
    """Independent check: the slot lies within one window occurrence on its local days."""
    for offset in (-1, 0, 1):
        day = start.astimezone(calendar.zone).date() + dt.timedelta(days=offset)
        for window in calendar.windows:
            if not window.applies_on(day):
                continue
            w_start = dt.datetime.combine(day, window.start_time).replace(tzinfo=calendar.zone).astimezone(UTC)
            w_end = dt.datetime.combine(day, window.end_time).replace(tzinfo=calendar.zone).astimezone(UTC)
            if w_start <= start and end <= w_end:
                return True
    # Windows may touch or overlap and merge; accept a chain of covering windows.
    covered = start
    for _ in range(10):
        progressed = False
        for offset in (-1, 0, 1):
            day = start.astimezone(calendar.zone).date() + dt.timedelta(days=offset)
            for window in calendar.windows:
                if window.applies_on(day):
                    w_start = dt.datetime.combine(day, window.start_time).replace(tzinfo=calendar.zone)
                    w_end = dt.datetime.combine(day, window.end_time).replace(tzinfo=calendar.zone)
                    if w_start.astimezone(UTC) <= covered < w_end.astimezone(UTC):
                        covered, progressed = w_end.astimezone(UTC), True
        if covered >= end:
            return True
        if not progressed:
            return False
    return covered >= end


@settings(max_examples=300, deadline=None)
@given(calendars(), st.sampled_from([15, 30, 45, 60, 90]))
def test_slots_never_overlap_busy_time_and_lie_inside_availability(drawn, length):
    calendar, day = drawn
    start, _ = local_day(day - dt.timedelta(days=1), calendar.zone)
    _, end = local_day(day + dt.timedelta(days=1), calendar.zone)
    span = dt.timedelta(minutes=length)
    pad = dt.timedelta(minutes=calendar.buffer_minutes)
    slots = provider_slots(calendar, length_minutes=length, range_start=start, range_end=end, now=LONG_AGO)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert start <= slot.start < end
        for busy_start, busy_end in calendar.busy:
            assert slot.start + span <= busy_start - pad or slot.start >= busy_end + pad
        assert _inside_availability(calendar, slot.start, slot.start + span)
        assert is_bookable(calendar, start=slot.start, length_minutes=length, now=LONG_AGO)


@settings(max_examples=100, deadline=None)
@given(calendars(), st.integers(0, 72))
def test_minimum_advance_and_now_trim_slots(drawn, hours_ahead):
    calendar, day = drawn
    calendar.minimum_advance_hours = hours_ahead % 5
    start, end = local_day(day, calendar.zone)
    moment = start + dt.timedelta(hours=hours_ahead % 24)
    for slot in slots_for([calendar], length_minutes=30, range_start=start, range_end=end, now=moment):
        assert slot.start >= moment + dt.timedelta(hours=calendar.minimum_advance_hours)


@settings(max_examples=200, deadline=None)
@given(ZONES, DAYS, st.integers(5, 12), st.integers(1, 8), st.sampled_from([15, 20, 30, 60]),
       st.sampled_from([15, 30, 60]))
def test_daytime_windows_keep_wall_clock_hours_on_dst_days(zone, day, start_hour, hours, interval, length):
    """Daytime rules (DST changes happen at night) give the same local times on transition days."""
    window = Window(True, (day.weekday() + 1) % 7, dt.date(2030, 1, 1), None, dt.time(start_hour),
                    dt.time(min(23, start_hour + hours)))
    calendar = ProviderCalendar(1, zone, [window], interval_minutes=interval)
    start, end = local_day(day, zone)
    slots = provider_slots(calendar, length_minutes=length, range_start=start, range_end=end, now=LONG_AGO)
    opening = dt.datetime.combine(day, window.start_time)
    closing = dt.datetime.combine(day, window.end_time)
    expected = []
    moment = opening
    while moment + dt.timedelta(minutes=length) <= closing:
        expected.append(moment)
        moment += dt.timedelta(minutes=interval)
    assert [s.start.astimezone(zone).replace(tzinfo=None) for s in slots] == expected
    # Each slot carries the offset that is in force at that local time.
    assert all(s.start.astimezone(zone).utcoffset() == e.replace(tzinfo=zone).utcoffset()
               for s, e in zip(slots, expected, strict=True))


def test_window_keeps_the_zone_it_was_created_in():
    day = dt.date(2030, 10, 7)
    window = Window(False, 1, day, None, dt.time(9), dt.time(10), zone=NY)
    calendar = ProviderCalendar(1, KOLKATA, [window], interval_minutes=60)
    start, end = local_day(day, NY)
    slots = provider_slots(calendar, length_minutes=60, range_start=start, range_end=end, now=LONG_AGO)
    assert [s.start for s in slots] == [dt.datetime(2030, 10, 7, 13, tzinfo=UTC)]
