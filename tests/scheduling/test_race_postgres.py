"""Concurrent booking against PostgreSQL: real threads, each with its own connection."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.scheduling.models import Appointment
from tests import factories
from tests.scheduling.helpers import appointment, appt_type, weekly
from tests.scheduling.test_self_scheduling import CHECKOUT, RESCHEDULE

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serializes every write, so there is no race to test"),
    pytest.mark.django_db(transaction=True),
]
CODED_CHECKOUT = CHECKOUT.replace("messages { field message }", "messages { field message code }")
CODED_RESCHEDULE = RESCHEDULE.replace("messages { field message }", "messages { field message code }")
TAKEN = {"field": "date", "message": "This time slot is no longer available; please pick another one",
         "code": "SLOT_UNAVAILABLE"}
RACERS = 50
SLOT = "2030-10-07 09:00:00 -0400"


def _race(requests: list[tuple[dict, dict]]) -> list[dict]:
    """Sends every (variables, headers) request at once over HTTP; returns the JSON bodies."""
    barrier = threading.Barrier(len(requests))
    results: list[dict] = [{} for _ in requests]

    def run(index: int, body: dict, headers: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = client.post("/graphql", data=json.dumps(body), content_type="application/json",
                                   headers=headers)
            results[index] = response.json()
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(i, body, headers)) for i, (body, headers) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_concurrent_checkouts_for_one_slot_book_exactly_once():
    world = factories.world("Race Clinic", patients=0)
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    requests = []
    for n in range(RACERS):
        variables = {"appointment_type_id": str(kind.pk), "contact_type": "In Person", "date": SLOT,
                     "timezone": "America/New_York", "first_name": f"Racer{n}", "last_name": "Test",
                     "email": f"racer{n}@example.com", "provider_id": str(world.provider.pk)}
        requests.append(({"query": CODED_CHECKOUT, "variables": variables}, {}))
    results = _race(requests)
    payloads = [r["data"]["completeCheckout"] for r in results]
    winners = [p for p in payloads if p["appointment"]]
    losers = [p for p in payloads if not p["appointment"]]
    assert len(winners) == 1 and len(losers) == RACERS - 1
    assert all(p["messages"] == [TAKEN] for p in losers)
    assert Appointment.objects.count() == 1
    # Losers wrote nothing: only the winner's client exists.
    assert User.objects.filter(is_patient=True).count() == 1


def test_concurrent_reschedules_into_one_slot_move_exactly_one():
    world = factories.world("Race Clinic", patients=10)
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "17:00")
    requests = []
    for n, patient in enumerate(world.patients):
        item = appointment(world.provider, patient, dt.datetime(2030, 10, 14, 13 + n % 4, tzinfo=dt.UTC) +
                           dt.timedelta(days=7 * (n // 4)), kind=kind)
        key = factories.api_key(patient)
        requests.append(({"query": CODED_RESCHEDULE, "variables": {"client_updating": True, "datetime": SLOT,
                                                             "id": str(item.pk)}},
                         {"Authorization": f"Basic {key}", "AuthorizationSource": "API"}))
    results = _race(requests)
    moved = [r for r in results if r["data"]["updateAppointment"]["appointment"]]
    assert len(moved) == 1, results
    refused = [r["data"]["updateAppointment"] for r in results if not r["data"]["updateAppointment"]["appointment"]]
    assert refused and all(p["messages"] == [{**TAKEN, "field": "datetime"}] for p in refused), refused
    assert Appointment.objects.filter(start=dt.datetime(2030, 10, 7, 13, tzinfo=dt.UTC)).count() == 1
