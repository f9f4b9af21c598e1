"""Every scheduling mutation answers a missing or another organization's id the same way: a
``messages`` entry on the input field that carried it, code NOT_FOUND, and nothing written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from apps.accounts.models import User, UserGroup
from apps.events.models import Event
from apps.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentProvider,
    AppointmentSetting,
    AppointmentType,
    Availability,
    CalendarFeed,
)
from tests import factories
from tests.conftest import data_of
from tests.scheduling.helpers import appointment, appt_type, settings_for, weekly

UTC = dt.UTC
MISSING = "999999"


@dataclass(frozen=True)
class Ids:
    """One organization's rows, as the ids a client would send."""

    kind: str
    group: str
    setting: str
    availability: str
    appointment: str
    provider: str
    patient: str


def _rows(world) -> Ids:
    kind = appt_type(world.org, name="Intake")
    group = UserGroup.objects.create(organization=world.org, name="Group")
    setting = settings_for(world.staff, buffer=5)
    rule = weekly(world.provider, 1)
    item = appointment(world.provider, world.patients[0], dt.datetime(2030, 10, 7, 13, tzinfo=UTC), kind=kind)
    CalendarFeed.objects.create(organization=world.org, user=world.provider, token_hash=f"h{world.org.pk}")
    return Ids(kind=str(kind.pk), group=str(group.pk), setting=str(setting.pk), availability=str(rule.pk),
               appointment=str(item.pk), provider=str(world.provider.pk), patient=str(world.patients[1].pk))


MISSING_IDS = Ids(*([MISSING] * 7))
APPOINTMENT_FIELDS = ("appointment_type_id", "other_party_id", "user_id", "attendee_ids", "providers")


def _appointment_input(own: Ids, target: Ids, field: str) -> dict[str, Any]:
    """A valid createAppointment input whose ``field`` names ``target``'s row."""
    values = {"appointment_type_id": own.kind, "other_party_id": own.provider, "user_id": own.patient,
              "contact_type": "In Person", "datetime": "2030-10-08 10:00:00"}
    if field == "attendee_ids":
        values.pop("user_id")
    values[field] = {"appointment_type_id": target.kind, "other_party_id": target.provider,
                     "user_id": target.patient, "attendee_ids": target.patient,
                     "providers": target.provider}[field]
    return values


# (name, payload field, input field, who calls, input(own, target))
CASES: list[tuple[str, str, str, str, Any]] = [
    ("createAppointmentType", "appointmentType", "user_group_id", "owner",
     lambda own, t: {"name": "New", "length": 30, "user_group_id": t.group}),
    ("createAppointmentType", "appointmentType", "bookable_group_ids", "owner",
     lambda own, t: {"name": "New", "length": 30, "bookable_group_ids": t.group}),
    ("updateAppointmentType", "appointmentType", "id", "owner", lambda own, t: {"id": t.kind, "name": "Hacked"}),
    ("updateAppointmentType", "appointmentType", "user_group_id", "owner",
     lambda own, t: {"id": own.kind, "user_group_id": t.group}),
    ("deleteAppointmentType", "appointmentType", "id", "owner", lambda own, t: {"id": t.kind}),
    ("createAppointmentSetting", "appointmentSetting", "provider_id", "owner",
     lambda own, t: {"provider_id": t.provider, "buffer": "10"}),
    ("updateAppointmentSetting", "appointmentSetting", "id", "owner", lambda own, t: {"id": t.setting, "buffer": "0"}),
    ("createAvailability", "availability", "user_id", "owner",
     lambda own, t: {"user_id": t.provider, "range_start": "2030-10-07", "time": "09 00", "end_time": "10 00"}),
    ("editAvailability", "availability", "id", "owner", lambda own, t: {"id": t.availability, "time": "06 00"}),
    ("editAvailability", "availability", "user_id", "owner",
     lambda own, t: {"id": own.availability, "user_id": t.provider}),
    ("deleteAvailability", "availability", "id", "owner", lambda own, t: {"id": t.availability}),
    *[("createAppointment", "appointment", field, "owner",
       lambda own, t, field=field: _appointment_input(own, t, field)) for field in APPOINTMENT_FIELDS],
    ("updateAppointment", "appointment", "id", "owner", lambda own, t: {"id": t.appointment, "pm_status": "Cancelled"}),
    *[("updateAppointment", "appointment", field, "owner",
       lambda own, t, field=field: {"id": own.appointment,
                                    field: _appointment_input(own, t, field)[field]}) for field in APPOINTMENT_FIELDS],
    ("updateAppointment", "appointment", "id", "patient",
     lambda own, t: {"id": t.appointment, "client_updating": True, "datetime": "2030-10-14 09:00:00"}),
    ("deleteAppointment", "appointment", "id", "owner", lambda own, t: {"id": t.appointment}),
    ("deleteAppointment", "appointment", "id", "patient", lambda own, t: {"id": t.appointment}),
    ("completeCheckout", "appointment", "provider_id", "patient",
     lambda own, t: {"provider_id": t.provider, "appointment_type_id": own.kind, "contact_type": "In Person",
                     "date": "2030-10-07 09:00:00"}),
    ("completeCheckout", "appointment", "appointment_type_id", "patient",
     lambda own, t: {"provider_id": own.provider, "appointment_type_id": t.kind, "contact_type": "In Person",
                     "date": "2030-10-07 09:00:00"}),
    ("createCalendarFeed", "url", "provider_id", "owner", lambda own, t: {"provider_id": t.provider}),
    ("revokeCalendarFeeds", "revoked_count", "provider_id", "owner", lambda own, t: {"provider_id": t.provider}),
]
INPUT_TYPES = {"completeCheckout": "completeCheckoutInput", "createCalendarFeed": "calendarFeedInput",
               "revokeCalendarFeeds": "calendarFeedInput"}


def _operation(name: str, payload_field: str) -> str:
    input_type = INPUT_TYPES.get(name, name + "Input")
    selection = payload_field if payload_field in ("url", "revoked_count") else f"{payload_field} {{ id }}"
    return (f"mutation($input: {input_type}) {{ {name}(input: $input) {{ {selection} "
            f"messages {{ field message code }} }} }}")


def _snapshot() -> dict[str, object]:
    """Everything these mutations could write."""
    return {
        "types": sorted(AppointmentType.objects.values_list("pk", "name", "deleted_at", "user_group_id",
                                                            "bookable_group_ids")),
        "settings": sorted(AppointmentSetting.objects.values_list("pk", "provider_id", "buffer")),
        "availability": sorted(Availability.objects.values_list("pk", "user_id", "start_time", "deleted_at")),
        "appointments": sorted(Appointment.objects.values_list("pk", "provider_id", "appointment_type_id", "start",
                                                               "pm_status", "deleted_at", "user_id")),
        "attendees": sorted(AppointmentAttendee.objects.values_list("appointment_id", "user_id")),
        "providers": sorted(AppointmentProvider.objects.values_list("appointment_id", "user_id")),
        "feeds": sorted(CalendarFeed.objects.values_list("pk", "revoked_at")),
        "users": sorted(User.objects.values_list("pk", "user_group_id")),
        "events": Event.objects.count(),
    }


@pytest.mark.parametrize(("name", "payload_field", "field", "who", "make_input"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_missing_and_foreign_ids_are_not_found_messages(gql, world, other_world, name, payload_field, field, who,
                                                        make_input):
    own, foreign = _rows(world), _rows(other_world)
    key = factories.api_key(world.owner if who == "owner" else world.patients[0])
    operation = _operation(name, payload_field)
    before = _snapshot()
    answers = [data_of(gql(operation, {"input": make_input(own, target)}, key=key))[name]
               for target in (foreign, MISSING_IDS)]
    assert answers[0] == answers[1]  # another organization's id reveals nothing more than a missing one
    payload = answers[0]
    assert payload[payload_field] is None
    assert [(m["field"], m["code"]) for m in payload["messages"]] == [(field, "NOT_FOUND")], payload
    assert _snapshot() == before
