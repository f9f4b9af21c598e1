"""Another organization's ids answer exactly like ids that do not exist, and change nothing."""

from __future__ import annotations

import datetime as dt

from apps.scheduling.models import Appointment, AppointmentSetting, AppointmentType, Availability
from tests.conftest import data_of, error_codes
from tests.scheduling.helpers import appointment, appt_type, settings_for, weekly

UTC = dt.UTC


def test_foreign_ids_behave_like_missing_ones(gql, world, keys, other_world):
    kind = appt_type(other_world.org)
    rule = weekly(other_world.provider, 1)
    setting = settings_for(other_world.provider, buffer=5)
    item = appointment(other_world.provider, other_world.patients[0], dt.datetime(2030, 10, 7, 13, tzinfo=UTC),
                       kind=kind)
    key = keys["owner"]
    missing = "999999"
    for foreign, absent in ((str(item.pk), missing),):
        for query in ("query($id: ID) { appointment(id: $id) { id } }",
                      "query($id: ID) { appointment(id: $id, include_deleted: true) { id } }"):
            assert error_codes(gql(query, {"id": foreign}, key=key)) == error_codes(gql(query, {"id": absent},
                                                                                        key=key)) == ["NOT_FOUND"]
    reads = [
        ("query($id: ID) { appointmentType(id: $id) { id } }", {"id": str(kind.pk)}),
        ("query($id: ID) { availability(id: $id) { id } }", {"id": str(rule.pk)}),
        ("query($id: ID) { appointmentSetting(id: $id) { id } }", {"id": str(setting.pk)}),
        ("query($id: ID) { appointmentSetting(provider_id: $id) { id } }", {"id": str(other_world.provider.pk)}),
        ("query($id: ID) { appointments(user_id: $id) { id } }", {"id": str(other_world.patients[0].pk)}),
        ("""query($id: ID) { appointmentBookingWarnings(provider_id: $id, date: "October 7, 2030", time: "09 00",
            length_in_minutes: 30) { category } }""", {"id": str(other_world.provider.pk)}),
        ("""query($id: String, $t: String) { availableSlotsForRange(provider_id: $id, appt_type_id: $t,
            start_date: "2030-10-07", end_date: "2030-10-07") { date } }""",
         {"id": str(other_world.provider.pk), "t": str(kind.pk)}),
    ]
    for query, variables in reads:
        assert error_codes(gql(query, variables, key=key)) == ["NOT_FOUND"], query
    writes = [
        ("mutation($id: ID) { updateAppointmentType(input: {id: $id, name: \"x\"}) { messages { field message } } }",
         {"id": str(kind.pk)}, "Appointment type not found."),
        ("mutation($id: ID) { deleteAppointmentType(input: {id: $id}) { messages { field message } } }",
         {"id": str(kind.pk)}, "Appointment type not found."),
        ("mutation($id: String) { editAvailability(input: {id: $id, time: \"06 00\"}) { messages { field message } } }",
         {"id": str(rule.pk)}, "Availability not found."),
        ("mutation($id: ID) { deleteAvailability(input: {id: $id}) { messages { field message } } }",
         {"id": str(rule.pk)}, "Availability not found."),
        ("mutation($id: ID) { updateAppointmentSetting(input: {id: $id, buffer: \"0\"}) "
         "{ messages { field message } } }",
         {"id": str(setting.pk)}, "Appointment setting not found."),
        ("mutation($id: ID) { updateAppointment(input: {id: $id, pm_status: \"Cancelled\"}) "
         "{ messages { field message } } }",
         {"id": str(item.pk)}, "Appointment not found."),
        ("mutation($id: ID) { deleteAppointment(input: {id: $id}) { messages { field message } } }",
         {"id": str(item.pk)}, "Appointment not found."),
    ]
    for query, variables, message in writes:
        payload = next(iter(data_of(gql(query, variables, key=key)).values()))
        assert payload["messages"] == [{"field": "id", "message": message}], query
    assert AppointmentType.objects.get(pk=kind.pk).deleted_at is None
    assert Availability.objects.get(pk=rule.pk).deleted_at is None
    assert AppointmentSetting.objects.get(pk=setting.pk).buffer == 5
    item.refresh_from_db()
    assert item.deleted_at is None and item.pm_status == ""
    assert Appointment.objects.filter(organization=world.org).count() == 0
