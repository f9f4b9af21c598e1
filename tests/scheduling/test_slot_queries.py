"""availableSlotsForRange costs a fixed number of SQL queries, whatever the providers and days."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tests.conftest import data_of
from tests.scheduling.helpers import appointment, appt_type, settings_for, weekly
from tests.scheduling.test_self_scheduling import SLOTS


def test_query_count_does_not_grow_with_providers_or_days(gql, world, count_queries):
    kind = appt_type(world.org, length=30)
    providers = [world.provider, world.owner] + [factories.member(world.org) for _ in range(6)]
    for n, provider in enumerate(providers):
        settings_for(provider, buffer=5)
        for day in range(1, 6):
            weekly(provider, day, "09:00", "17:00")
        for week in range(4):
            appointment(provider, world.patients[n % 3],
                        dt.datetime(2030, 10, 7 + 7 * week, 14 + n % 5, tzinfo=dt.UTC), length=30)

    def run(ids, last_day):
        variables = {"provider_id": str(world.provider.pk), "appt_type_id": str(kind.pk), "org_level": True,
                     "provider_ids": [str(p.pk) for p in ids], "start_date": "2030-10-01", "end_date": last_day,
                     "timezone": "America/New_York"}
        return data_of(gql(SLOTS, variables))["availableSlotsForRange"]

    small, few = count_queries(lambda: run(providers[:2], "2030-10-03"))
    large, many = count_queries(lambda: run(providers, "2030-10-31"))
    assert len(large) > 10 * len(small) > 0
    assert few == many
