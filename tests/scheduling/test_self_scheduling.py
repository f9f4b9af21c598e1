"""The documented four-step self-scheduling flow (unauthenticated) and patient rescheduling, over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.events.models import Event
from apps.scheduling.models import Appointment
from tests.conftest import data_of, error_codes
from tests.scheduling.helpers import appointment, appt_type, settings_for, weekly

MONDAY = dt.date(2030, 10, 7)
NY = "America/New_York"

TYPES = """query appointmentTypes($clients_can_book: Boolean, $provider_id: String) {
  appointmentTypes(provider_id: $provider_id, clients_can_book: $clients_can_book) {
    id name length available_contact_types is_group
  }
}"""
DAYS = """query daysAvailableForRange($provider_id: String, $date_from_month: String, $org_level: Boolean,
  $timezone: String, $provider_ids: [String], $appt_type_id: String, $appointment_to_reschedule_id: ID) {
  daysAvailableForRange(provider_id: $provider_id, date_from_month: $date_from_month, org_level: $org_level,
    timezone: $timezone, provider_ids: $provider_ids, appt_type_id: $appt_type_id,
    appointment_to_reschedule_id: $appointment_to_reschedule_id)
}"""
SLOTS = """query availableSlotsForRange($provider_id: String, $start_date: String, $end_date: String,
  $org_level: Boolean, $timezone: String, $provider_ids: [String], $appt_type_id: String,
  $appointment_to_reschedule_id: ID, $start_date_boundary: String, $end_date_boundary: String) {
  availableSlotsForRange(provider_id: $provider_id, start_date: $start_date, end_date: $end_date,
    timezone: $timezone, org_level: $org_level, provider_ids: $provider_ids, appt_type_id: $appt_type_id,
    appointment_to_reschedule_id: $appointment_to_reschedule_id, start_date_boundary: $start_date_boundary,
    end_date_boundary: $end_date_boundary) { user_id date }
}"""
CHECKOUT = """mutation completeCheckout($appointment_type_id: String, $contact_type: String, $date: String,
  $first_name: String, $last_name: String, $email: String, $phone_number: String, $provider_id: String,
  $timezone: String) {
  completeCheckout(input: {appointment_type_id: $appointment_type_id, contact_type: $contact_type, date: $date,
    timezone: $timezone, first_name: $first_name, last_name: $last_name, email: $email,
    phone_number: $phone_number, provider_id: $provider_id}) {
    appointment { provider { id full_name } id date contact_type appointment_type { id name length } }
    messages { field message }
  }
}"""
UPCOMING = """query appointments($filter: String, $should_paginate: Boolean, $is_active: Boolean) {
  appointmentsCount(filter: $filter, is_active: $is_active)
  appointments(is_active: $is_active, filter: $filter, should_paginate: $should_paginate) {
    id date other_party_id appointment_type_id
  }
}"""
RESCHEDULE = """mutation updateAppointment($client_updating: Boolean, $datetime: String, $id: ID) {
  updateAppointment(input: {client_updating: $client_updating, datetime: $datetime, id: $id}) {
    appointment { id date }
    messages { field message }
  }
}"""
NEXT = """query($provider_id: String, $appt_type_id: String, $timezone: String, $start_date: String) {
  nextAvailableSlot(provider_id: $provider_id, appt_type_id: $appt_type_id, timezone: $timezone,
    start_date: $start_date) { user_id date }
}"""


@pytest.fixture
def booking(world):
    kind = appt_type(world.org, name="Initial Consultation", length=60, contact_type_overrides=["video_chat",
                                                                                                "in_person"])
    hidden = appt_type(world.org, name="Staff only", clients_can_book=False)
    weekly(world.provider, 1, "09:00", "12:00")  # Mondays
    return kind, hidden


def checkout_vars(world, kind, date, **extra):
    return {"appointment_type_id": str(kind.pk), "contact_type": "In Person", "date": date, "timezone": NY,
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
            "phone_number": "555-0100", "provider_id": str(world.provider.pk), **extra}


def test_four_step_flow_unauthenticated(gql, world, booking):
    kind, hidden = booking
    types = data_of(gql(TYPES, {"provider_id": str(world.provider.pk), "clients_can_book": True}))
    assert types["appointmentTypes"] == [{"id": str(kind.pk), "name": "Initial Consultation", "length": 60,
                                          "available_contact_types": ["Healthie Video Call", "In Person"],
                                          "is_group": False}]
    days = data_of(gql(DAYS, {"provider_id": str(world.provider.pk), "date_from_month": "2030-10-20",
                              "appt_type_id": str(kind.pk), "timezone": NY}))
    assert days["daysAvailableForRange"] == ["2030-10-07", "2030-10-14", "2030-10-21", "2030-10-28"]
    slot_vars = {"provider_id": str(world.provider.pk), "start_date": "2030-10-07", "end_date": "2030-10-07",
                 "appt_type_id": str(kind.pk), "timezone": NY}
    slots = data_of(gql(SLOTS, slot_vars))["availableSlotsForRange"]
    assert [s["date"] for s in slots] == [f"2030-10-07 {t}:00 -0400" for t in ("09:00", "09:30", "10:00", "10:30",
                                                                                 "11:00")]
    assert {s["user_id"] for s in slots} == {str(world.provider.pk)}
    booked = data_of(gql(CHECKOUT, checkout_vars(world, kind, slots[0]["date"])))["completeCheckout"]
    assert booked["messages"] == []
    assert booked["appointment"]["date"] == "2030-10-07 09:00:00 -0400"
    assert booked["appointment"]["contact_type"] == "In Person"
    assert booked["appointment"]["appointment_type"] == {"id": str(kind.pk), "name": "Initial Consultation",
                                                         "length": 60}
    assert booked["appointment"]["provider"]["id"] == str(world.provider.pk)
    client = User.objects.get(email="ada@example.com")
    assert client.is_patient and client.organization_id == world.org.pk and client.dietitian_id == world.provider.pk
    after = [s["date"][11:16] for s in data_of(gql(SLOTS, slot_vars))["availableSlotsForRange"]]
    assert after == ["10:00", "10:30", "11:00"]
    # Booking the same slot again: the documented messages entry, nothing written.
    again = data_of(gql(CHECKOUT, checkout_vars(world, kind, slots[0]["date"], email="bob@example.com",
                                                first_name="Bob")))["completeCheckout"]
    assert again["appointment"] is None
    assert again["messages"] == [{"field": "date",
                                  "message": "This time slot is no longer available; please pick another one"}]
    assert not User.objects.filter(email="bob@example.com").exists()
    # Same e-mail and name (any case) matches the existing client instead of creating one.
    third = data_of(gql(CHECKOUT, checkout_vars(world, kind, slots[2]["date"], email="ADA@example.com",
                                                first_name="ada")))["completeCheckout"]
    assert third["messages"] == []
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    assert Appointment.objects.filter(user=client).count() == 2
    assert Event.objects.filter(event_type="appointment.created").count() == 2
    assert Event.objects.filter(event_type="patient.created").count() == 1


def test_public_callers_see_only_bookable_data(gql, world, other_world, booking):
    kind, hidden = booking
    provider = str(world.provider.pk)
    assert error_codes(gql(TYPES, {})) == ["BAD_USER_INPUT"]
    # A type that clients cannot book is unknown to public slot queries.
    result = gql(SLOTS, {"provider_id": provider, "start_date": "2030-10-07", "end_date": "2030-10-07",
                         "appt_type_id": str(hidden.pk)})
    assert error_codes(result) == ["NOT_FOUND"]
    # Another organization's type with this provider behaves like a missing one.
    foreign = appt_type(other_world.org, name="Foreign")
    result = gql(SLOTS, {"provider_id": provider, "start_date": "2030-10-07", "end_date": "2030-10-07",
                         "appt_type_id": str(foreign.pk)})
    assert error_codes(result) == ["NOT_FOUND"]
    # Patients cannot be named as providers.
    result = gql(DAYS, {"provider_id": str(world.patients[0].pk), "date_from_month": "2030-10-01",
                        "appt_type_id": str(kind.pk)})
    assert error_codes(result) == ["NOT_FOUND"]
    # Staff-only operations stay closed to anonymous callers.
    assert error_codes(gql("{ appointments { id } }")) == ["UNAUTHENTICATED"]


def test_bad_booking_inputs_get_clear_errors(gql, world, booking):
    kind, _ = booking
    base = {"provider_id": str(world.provider.pk), "appt_type_id": str(kind.pk)}
    cases = [
        ({**base, "start_date": "2030-13-01", "end_date": "2030-10-07"}, "start_date", "BAD_USER_INPUT"),
        ({**base, "start_date": "2030-10-07", "end_date": "2030-10-01"}, "end_date", "BAD_USER_INPUT"),
        ({**base, "start_date": "2030-10-07", "end_date": "2030-10-07", "timezone": "Mars/Olympus"}, "timezone",
         "BAD_USER_INPUT"),
        ({**base, "start_date": "2030-01-01", "end_date": "2030-12-31"}, "at most", "BAD_USER_INPUT"),
        # Not an id: it names no provider (queries answer a missing id with NOT_FOUND).
        ({**base, "provider_id": "abc", "start_date": "2030-10-07", "end_date": "2030-10-07"}, "Provider",
         "NOT_FOUND"),
    ]
    for variables, fragment, code in cases:
        result = gql(SLOTS, variables)
        assert error_codes(result) == [code], result
        assert fragment in result["errors"][0]["message"]
    bad = data_of(gql(CHECKOUT, checkout_vars(world, kind, "next tuesday")))["completeCheckout"]
    assert bad["appointment"] is None and bad["messages"][0]["field"] == "date"
    bad = data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 09:00:00", contact_type="Carrier pigeon",
                                              email="not-an-email")))["completeCheckout"]
    assert {m["field"] for m in bad["messages"]} == {"contact_type"}
    bad = data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 09:00:00",
                                              provider_id="999999")))["completeCheckout"]
    assert bad["messages"] == [{"field": "provider_id", "message": "Provider not found"}]
    # Outside availability (Tuesday) is refused: completeCheckout enforces availability.
    bad = data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-08 09:00:00")))["completeCheckout"]
    assert bad["messages"][0]["field"] == "date"
    assert Appointment.objects.count() == 0 and not User.objects.filter(email="ada@example.com").exists()


def test_invalid_email_on_checkout_writes_nothing(gql, world, booking):
    kind, _ = booking
    bad = data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 09:00:00", email="not-an-email")))
    assert [m["field"] for m in bad["completeCheckout"]["messages"]] == ["email"]
    assert Appointment.objects.count() == 0


def test_signed_in_patient_books_and_reschedules(gql, world, keys, booking):
    kind, _ = booking
    patient = world.patients[0]
    settings_for(world.provider, minimum_advance_reschedule_time=24)
    booked = data_of(gql(CHECKOUT, {"appointment_type_id": str(kind.pk), "contact_type": "video_chat",
                                    "date": "2030-10-07 10:00:00", "timezone": NY,
                                    "provider_id": str(world.provider.pk)}, key=keys["patient"]))
    appt_id = booked["completeCheckout"]["appointment"]["id"]
    assert Appointment.objects.get(pk=appt_id).user_id == patient.pk
    # Step 1: the patient's upcoming active appointments.
    listed = data_of(gql(UPCOMING, {"filter": "upcoming", "should_paginate": True, "is_active": True},
                         key=keys["patient"]))
    assert listed["appointmentsCount"] == 1
    assert listed["appointments"] == [{"id": appt_id, "date": "2030-10-07 10:00:00 -0400",
                                       "other_party_id": str(world.provider.pk),
                                       "appointment_type_id": str(kind.pk)}]
    common = {"provider_id": str(world.provider.pk), "appt_type_id": str(kind.pk), "timezone": NY,
              "appointment_to_reschedule_id": appt_id}
    # Step 2 and 3: the appointment's own time counts as free while rescheduling it.
    days = data_of(gql(DAYS, {**common, "date_from_month": "2030-10-01"}, key=keys["patient"]))
    assert "2030-10-07" in days["daysAvailableForRange"]
    slots = data_of(gql(SLOTS, {**common, "start_date": "2030-10-07", "end_date": "2030-10-07"},
                        key=keys["patient"]))["availableSlotsForRange"]
    assert [s["date"][11:16] for s in slots] == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    # Step 4: move it.
    moved = data_of(gql(RESCHEDULE, {"client_updating": True, "datetime": slots[4]["date"], "id": appt_id},
                        key=keys["patient"]))["updateAppointment"]
    assert moved == {"appointment": {"id": appt_id, "date": "2030-10-07 11:00:00 -0400"}, "messages": []}
    event = Event.objects.filter(event_type="appointment.updated").get()
    assert event.changed_fields == ["date"]
    # A slot outside availability is refused with a message and nothing changes.
    refused = data_of(gql(RESCHEDULE, {"client_updating": True, "datetime": "2030-10-08 11:00:00 -0400",
                                       "id": appt_id}, key=keys["patient"]))["updateAppointment"]
    assert refused["appointment"] is None and refused["messages"][0]["field"] == "datetime"
    assert Appointment.objects.get(pk=appt_id).start == dt.datetime(2030, 10, 7, 15, tzinfo=dt.UTC)


def test_reschedule_honours_provider_settings(gql, world, keys, booking):
    kind, _ = booking
    patient = world.patients[0]
    settings_for(world.provider, allow_clients_to_reschedule_appt=False,
                 cant_reschedule_message="Call the front desk to reschedule")
    item = appointment(world.provider, patient, dt.datetime(2030, 10, 7, 13, tzinfo=dt.UTC), kind=kind)
    result = data_of(gql(RESCHEDULE, {"client_updating": True, "datetime": "2030-10-14 09:00:00 -0400",
                                      "id": str(item.pk)}, key=keys["patient"]))["updateAppointment"]
    assert result["messages"] == [{"field": "id", "message": "Call the front desk to reschedule"}]
    # Without client_updating a patient cannot use updateAppointment.
    result = data_of(gql(RESCHEDULE, {"datetime": "2030-10-14 09:00:00 -0400", "id": str(item.pk)},
                         key=keys["patient"]))["updateAppointment"]
    assert result["messages"][0]["field"] == "client_updating"
    # Another patient's appointment is not found for this patient.
    other = appointment(world.provider, world.patients[1], dt.datetime(2030, 10, 14, 13, tzinfo=dt.UTC), kind=kind)
    result = gql(RESCHEDULE, {"client_updating": True, "datetime": "2030-10-21 09:00:00 -0400", "id": str(other.pk)},
                 key=keys["patient"])
    assert data_of(result)["updateAppointment"] == {"appointment": None, "messages": [
        {"field": "id", "message": "Appointment not found."}]}


def test_next_available_slot_and_minimum_advance(gql, world, booking, time_machine):
    kind, _ = booking
    time_machine.move_to(dt.datetime(2030, 10, 7, 12, 0, tzinfo=dt.UTC), tick=False)  # 08:00 in New York
    settings_for(world.provider, minimum_advance_schedule_time=2, calendar_interval=60)
    slot = data_of(gql(NEXT, {"provider_id": str(world.provider.pk), "appt_type_id": str(kind.pk),
                              "timezone": NY}))["nextAvailableSlot"]
    # 08:00 + 2 hours of notice: the first hourly slot is 10:00.
    assert slot == {"user_id": str(world.provider.pk), "date": "2030-10-07 10:00:00 -0400"}
    appointment(world.provider, world.patients[0], dt.datetime(2030, 10, 7, 14, tzinfo=dt.UTC), length=120)
    slot = data_of(gql(NEXT, {"provider_id": str(world.provider.pk), "appt_type_id": str(kind.pk),
                              "timezone": NY}))["nextAvailableSlot"]
    assert slot["date"] == "2030-10-14 09:00:00 -0400"


def test_org_level_merges_providers_and_boundaries(gql, world, booking):
    kind, _ = booking
    weekly(world.owner, 1, "11:00", "13:00")
    variables = {"provider_id": str(world.provider.pk), "start_date": "2030-10-07", "end_date": "2030-10-08",
                 "appt_type_id": str(kind.pk), "timezone": NY, "org_level": True}
    slots = data_of(gql(SLOTS, variables))["availableSlotsForRange"]
    by_provider = {}
    for s in slots:
        by_provider.setdefault(s["user_id"], []).append(s["date"][11:16])
    assert by_provider == {str(world.provider.pk): ["09:00", "09:30", "10:00", "10:30", "11:00"],
                           str(world.owner.pk): ["11:00", "11:30", "12:00"]}
    assert [s["date"] for s in slots] == sorted(s["date"] for s in slots)
    only_owner = data_of(gql(SLOTS, {**variables, "provider_ids": [str(world.owner.pk)]}))["availableSlotsForRange"]
    assert {s["user_id"] for s in only_owner} == {str(world.owner.pk)}
    bounded = data_of(gql(SLOTS, {**variables, "start_date": "2030-10-01", "end_date": "2030-10-31",
                                  "start_date_boundary": "2030-10-14", "end_date_boundary": "2030-10-14"}))
    assert {s["date"][:10] for s in bounded["availableSlotsForRange"]} == {"2030-10-14"}


def test_checkout_confirmation_email_is_sent_by_the_worker(gql, world, booking):
    from apps.core import jobs

    kind, _ = booking
    settings_for(world.provider, reminder_minutes_before=[1440, 30], end_reminder_one_hour_before=True)
    data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 09:00:00")))
    assert mail.outbox == []  # nothing is sent inside the request
    # The queues run_worker drives (called directly: the command's connection housekeeping
    # would close the test transaction's connection).
    assert jobs.drain() == 2  # the new client's welcome e-mail and the confirmation
    assert sorted(m.subject for m in mail.outbox) == ["Appointment confirmed: Initial Consultation",
                                                      f"Welcome to {world.org.name}"]
    assert [m.to for m in mail.outbox] == [["ada@example.com"], ["ada@example.com"]]


def test_public_checkout_is_rate_limited_per_address(gql, world, booking, settings):
    kind, _ = booking
    settings.RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE = 2
    for hour in ("09:00", "10:00"):
        assert data_of(gql(CHECKOUT, checkout_vars(world, kind, f"2030-10-07 {hour}:00")))["completeCheckout"][
            "messages"] == []
    result = gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 11:00:00"))
    assert error_codes(result) == ["RATE_LIMITED"]
    assert Appointment.objects.count() == 2


def test_a_failing_checkout_step_rolls_the_whole_booking_back(gql, world, booking, monkeypatch):
    from apps.core.errors import ValidationFailed
    from apps.scheduling.services import checkout

    kind, _ = booking
    seen = []

    def decline_card(viewer, appointment, values):
        seen.append(appointment.pk)
        raise ValidationFailed("payment", "The card was declined")

    monkeypatch.setattr(checkout, "_steps", [decline_card])
    result = data_of(gql(CHECKOUT, checkout_vars(world, kind, "2030-10-07 09:00:00")))["completeCheckout"]
    assert result == {"appointment": None, "messages": [{"field": "payment", "message": "The card was declined"}]}
    assert seen and not Appointment.objects.exists()
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Event.objects.exists()


def test_anonymous_answers_reveal_no_client_or_group_details(gql, world, booking):
    from apps.accounts.models import UserGroup

    kind, _ = booking
    group = UserGroup.objects.create(organization=world.org, name="VIP")
    kind.user_group = group
    kind.save()
    existing = world.patients[0]
    existing.dob = dt.date(1950, 1, 2)
    existing.save()
    # Knowing a client's e-mail and name books for them, but reads nothing about them.
    query = """mutation($appointment_type_id: String, $contact_type: String, $date: String, $first_name: String,
      $last_name: String, $email: String, $provider_id: String) {
      completeCheckout(input: {appointment_type_id: $appointment_type_id, contact_type: $contact_type, date: $date,
        first_name: $first_name, last_name: $last_name, email: $email, provider_id: $provider_id}) {
        appointment { id user { id dob email } attendees { id dob } appointment_type { user_group { invite_code } } }
        messages { field message }
      }
    }"""
    variables = {"appointment_type_id": str(kind.pk), "contact_type": "In Person", "date": "2030-10-07 09:00:00",
                 "first_name": existing.first_name, "last_name": existing.last_name, "email": existing.email,
                 "provider_id": str(world.provider.pk)}
    booked = data_of(gql(query, variables))["completeCheckout"]
    assert booked["messages"] == []
    assert booked["appointment"]["user"] is None and booked["appointment"]["attendees"] == []
    assert booked["appointment"]["appointment_type"]["user_group"] is None
    assert Appointment.objects.get(pk=booked["appointment"]["id"]).user_id == existing.pk
    existing.refresh_from_db()
    assert existing.user_group_id == group.pk  # joined the type's group after booking
    listed = data_of(gql("query($p: String) { appointmentTypes(provider_id: $p) { id user_group_id "
                         "user_group { invite_code } } }", {"p": str(world.provider.pk)}))["appointmentTypes"]
    assert listed == [{"id": str(kind.pk), "user_group_id": None, "user_group": None}]
