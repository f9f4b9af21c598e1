"""Benchmark: availableSlotsForRange for 20 providers over 31 days.

Compares the slot engine's loader (a fixed number of queries) with a straightforward
per-provider, per-day implementation in the same run, on a throwaway test database
(SQLite in memory by default; PostgreSQL when DATABASE_URL points at it).

    python bench/slots.py [--providers 20] [--days 31] [--appointments 400] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

UTC = dt.UTC
START = dt.date(2031, 3, 1)  # includes the US DST change on 2031-03-09


def build(providers: int, appointments: int):
    from apps.accounts.models import Organization, OrganizationMembership, User
    from apps.scheduling.models import Appointment, AppointmentSetting, AppointmentType, Availability

    org = Organization.objects.create(name="Bench Clinic")
    people = []
    for n in range(providers):
        user = User.objects.create(organization=org, is_patient=False, first_name="P", last_name=str(n),
                                   email=f"p{n}@bench.test", timezone="America/New_York")
        OrganizationMembership.objects.create(organization=org, user=user)
        AppointmentSetting.objects.create(organization=org, provider=user, buffer=10, calendar_interval=15)
        people.append(user)
    rules = [Availability(organization=org, user=user, is_repeating=True, day_of_week=day, range_start=START,
                          start_time=dt.time(9), end_time=dt.time(17), timezone="America/New_York")
             for user in people for day in range(1, 6)]
    Availability.objects.bulk_create(rules)
    kind = AppointmentType.objects.create(organization=org, name="Visit", length=30)
    rng = random.Random(7)
    rows = []
    for _ in range(appointments):
        start = dt.datetime.combine(START + dt.timedelta(days=rng.randrange(31)), dt.time(13 + rng.randrange(8),
                                    15 * rng.randrange(4)), tzinfo=UTC)
        rows.append(Appointment(organization=org, provider=rng.choice(people), appointment_type=kind, start=start,
                                end=start + dt.timedelta(minutes=30), timezone="America/New_York"))
    Appointment.objects.bulk_create(rows)
    return people, kind


def engine(providers, kind, days: int):
    from apps.scheduling.booking import BookingScope, slots_in_range
    from apps.scheduling.calendars import provider_zone

    kind = type(kind).objects.select_related("appointment_setting").get(pk=kind.pk)
    scope = BookingScope(list(providers), kind, provider_zone(providers[0]), None)
    return slots_in_range(scope, START, START + dt.timedelta(days=days - 1))


def per_day(providers, kind, days: int):
    """The obvious implementation: for each provider and day, query rules and appointments."""
    from apps.core.timefmt import now
    from apps.scheduling.calendars import provider_zone
    from apps.scheduling.models import Appointment, AppointmentSetting, Availability, active_q
    from apps.scheduling.slots import ProviderCalendar, Window, provider_slots

    found = []
    for provider in providers:
        setting = AppointmentSetting.objects.filter(provider=provider).first()
        zone = provider_zone(provider)
        for offset in range(days):
            day = START + dt.timedelta(days=offset)
            weekday = (day.weekday() + 1) % 7
            rules = Availability.objects.filter(user=provider, deleted_at__isnull=True, range_start__lte=day)
            windows = [Window(r.is_repeating, r.day_of_week, r.range_start, r.range_end, r.start_time, r.end_time)
                       for r in rules if (r.is_repeating and r.day_of_week == weekday) or r.range_start == day]
            start = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(UTC)
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).replace(tzinfo=zone).astimezone(UTC)
            pad = dt.timedelta(minutes=setting.buffer)
            busy = list(Appointment.objects.filter(active_q(), provider=provider, start__lt=end + pad,
                                                   end__gt=start - pad).values_list("start", "end"))
            calendar = ProviderCalendar(provider.pk, zone, windows, busy, setting.buffer,
                                        setting.calendar_interval, setting.minimum_advance_schedule_time)
            found.extend(provider_slots(calendar, length_minutes=kind.length, range_start=start, range_end=end,
                                        now=now()))
    return sorted(set(found))


def measure(fn, repeat: int):
    best = float("inf")
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - began)
    return result, best, len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--appointments", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        providers, kind = build(args.providers, args.appointments)
        fast, fast_time, fast_queries = measure(lambda: engine(providers, kind, args.days), args.repeat)
        slow, slow_time, slow_queries = measure(lambda: per_day(providers, kind, args.days), args.repeat)
        # Same answer both ways, so the comparison is fair.
        assert fast == slow, "the two implementations disagree"
        print(f"database: {connection.vendor}; {args.providers} providers x {args.days} days, "
              f"{args.appointments} appointments, {len(fast)} slots (best of {args.repeat})")
        print(f"  slot engine : {fast_time * 1000:8.1f} ms  {fast_queries:5d} queries")
        print(f"  per-day     : {slow_time * 1000:8.1f} ms  {slow_queries:5d} queries")
        print(f"  speed-up    : {slow_time / fast_time:8.1f}x  query ratio {slow_queries / fast_queries:.0f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
