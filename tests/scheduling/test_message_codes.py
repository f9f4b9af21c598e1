"""``messages { field message code }``: SLOT_UNAVAILABLE is machine-readable, other problems carry
BAD_USER_INPUT (or NOT_FOUND for ids); the documented field/message selection is unchanged."""

from __future__ import annotations

import datetime as dt

from apps.scheduling.models import Appointment
from tests.conftest import data_of
from tests.scheduling.helpers import appointment, appt_type, weekly
from tests.scheduling.test_self_scheduling import CHECKOUT, RESCHEDULE, checkout_vars

CODED_CHECKOUT = CHECKOUT.replace("messages { field message }", "messages { field message code }")
CODED_RESCHEDULE = RESCHEDULE.replace("messages { field message }", "messages { field message code }")
TAKEN = "This time slot is no longer available; please pick another one"
SLOT = "2030-10-07 09:00:00 -0400"


def test_taken_slot_is_slot_unavailable_in_messages(gql, world):
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    first = data_of(gql(CODED_CHECKOUT, checkout_vars(world, kind, SLOT)))["completeCheckout"]
    assert first["messages"] == [] and first["appointment"]
    again = data_of(gql(CODED_CHECKOUT, checkout_vars(world, kind, SLOT, email="bob@example.com")))
    assert again["completeCheckout"] == {"appointment": None, "messages": [
        {"field": "date", "message": TAKEN, "code": "SLOT_UNAVAILABLE"}]}
    # The documented selection gets exactly the documented shape.
    plain = data_of(gql(CHECKOUT, checkout_vars(world, kind, SLOT, email="cy@example.com")))["completeCheckout"]
    assert plain["messages"] == [{"field": "date", "message": TAKEN}]
    assert Appointment.objects.count() == 1


def test_reschedule_into_a_taken_slot_is_slot_unavailable(gql, world, keys):
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    appointment(world.provider, world.patients[1], dt.datetime(2030, 10, 7, 13, tzinfo=dt.UTC), kind=kind)
    mine = appointment(world.provider, world.patients[0], dt.datetime(2030, 10, 14, 13, tzinfo=dt.UTC), kind=kind)
    result = data_of(gql(CODED_RESCHEDULE, {"client_updating": True, "datetime": SLOT, "id": str(mine.pk)},
                         key=keys["patient"]))["updateAppointment"]
    # The message names the input the time was sent in.
    assert result == {"appointment": None, "messages": [{"field": "datetime", "message": TAKEN,
                                                         "code": "SLOT_UNAVAILABLE"}]}
    assert Appointment.objects.get(pk=mine.pk).start == dt.datetime(2030, 10, 14, 13, tzinfo=dt.UTC)


def test_other_problems_carry_bad_user_input_or_not_found(gql, world, other_world, keys):
    kind = appt_type(world.org, length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    bad = data_of(gql(CODED_CHECKOUT, checkout_vars(world, kind, "next tuesday", email="not-an-email")))
    messages = bad["completeCheckout"]["messages"]
    assert messages and {m["code"] for m in messages} == {"BAD_USER_INPUT"}
    foreign = appointment(other_world.provider, other_world.patients[0],
                          dt.datetime(2030, 10, 14, 13, tzinfo=dt.UTC))
    missing = data_of(gql("""mutation($id: ID) { deleteAppointment(input: {id: $id}) {
        appointment { id } messages { field message code } } }""", {"id": str(foreign.pk)}, key=keys["provider"]))
    assert missing["deleteAppointment"] == {"appointment": None, "messages": [
        {"field": "id", "message": "Appointment not found.", "code": "NOT_FOUND"}]}
    assert Appointment.objects.filter(pk=foreign.pk, deleted_at__isnull=True).exists()
