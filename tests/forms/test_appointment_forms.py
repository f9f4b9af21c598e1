"""Forms on appointments: the booking form of completeCheckout (filled_embed_form), the session's chart note
(create/deleteAppointmentFormAnswerGroupConnection), the Appointment form fields, isolation and SQL counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.events.models import Event
from apps.forms.models import FormAnswer, FormAnswerGroup, FormAnswerGroupSigning
from apps.scheduling.models import Appointment
from tests import factories
from tests.conftest import data_of, error_codes
from tests.scheduling.helpers import appointment, appt_type, weekly

pytestmark = pytest.mark.django_db

NY = "America/New_York"
SLOT = "2030-10-07 09:00:00 -0400"  # a Monday inside the provider's weekly window

CONNECT = """
mutation($input: createAppointmentFormAnswerGroupConnectionInput) {
  createAppointmentFormAnswerGroupConnection(input: $input) {
    appointment { id form_answer_group { id } connected_chart_note_locked connected_chart_note_string
                  form_answer_groups { id } }
    form_answer_group { id appointment { id } }
    messages { field message code }
  }
}"""
DISCONNECT = """
mutation($input: deleteAppointmentFormAnswerGroupConnectionInput) {
  deleteAppointmentFormAnswerGroupConnection(input: $input) {
    form_answer_group { id appointment { id } }
    messages { field message code }
  }
}"""
APPOINTMENT = """
query($id: ID) {
  appointment(id: $id) {
    id connected_chart_note_locked connected_chart_note_string
    filled_embed_form { id finished custom_module_form { id } user { id } form_answers { label answer } }
    form_answer_group { id name }
    form_answer_groups { id }
  }
}"""
CHECKOUT = """
mutation completeCheckout($input: completeCheckoutInput) {
  completeCheckout(input: $input) {
    appointment { id date filled_embed_form { id } }
    formAnswerGroupSaved
    messages { field message code }
  }
}"""
LIST = """
query($page_size: Int) {
  appointments(should_paginate: true, page_size: $page_size, filter: "all", is_org: true) {
    id connected_chart_note_locked connected_chart_note_string
    filled_embed_form { id form_answers { label answer } }
    form_answer_group { id chart_note_status }
    form_answer_groups { id name }
  }
}"""


@pytest.fixture
def intake(world):
    return factories.form_template(world.org, ("label", "Before your visit"), ("text", "Name", "", True),
                                   ("radio", "Smoker", "Yes\nNo"), name="Booking intake")


@pytest.fixture
def chart(world):
    return factories.form_template(world.org, ("textarea", "Assessment"), name="SOAP note", use_for_charting=True)


@pytest.fixture
def visit(world):
    start = dt.datetime(2030, 10, 8, 14, tzinfo=dt.UTC)
    return appointment(world.provider, world.patients[0], start)


def note(template, patient, filler, **fields) -> FormAnswerGroup:
    fields.setdefault("finished", True)
    return FormAnswerGroup.objects.create(organization_id=template.organization_id, custom_module_form=template,
                                          user=patient, filler=filler, name=template.name, **fields)


def connect(gql, key, appointment_id, group_id) -> dict:
    variables = {"input": {"appointment_id": str(appointment_id), "form_answer_group_id": str(group_id)}}
    return data_of(gql(CONNECT, variables, key=key))["createAppointmentFormAnswerGroupConnection"]


def disconnect(gql, key, group_id) -> dict:
    variables = {"input": {"form_answer_group_id": str(group_id)}}
    return data_of(gql(DISCONNECT, variables, key=key))["deleteAppointmentFormAnswerGroupConnection"]


# ---- the chart note connection ---------------------------------------------------------------------


def test_connect_read_lock_and_disconnect(gql, keys, world, chart, visit):
    soap = note(chart, world.patients[0], world.provider)
    done = connect(gql, keys["provider"], visit.pk, soap.pk)
    assert done == {
        "appointment": {"id": str(visit.pk), "form_answer_group": {"id": str(soap.pk)},
                        "connected_chart_note_locked": False, "connected_chart_note_string": "CREATED",
                        "form_answer_groups": [{"id": str(soap.pk)}]},
        "form_answer_group": {"id": str(soap.pk), "appointment": {"id": str(visit.pk)}},
        "messages": [],
    }
    visit.refresh_from_db()
    soap.refresh_from_db()
    assert visit.form_answer_group_id == soap.pk and soap.appointment_id == visit.pk
    updated = Event.objects.filter(event_type="appointment.updated", resource_id=str(visit.pk)).get()
    assert updated.changed_fields == ["form_answer_group"]
    # Connecting again is a no-op; the appointment keeps one chart note.
    assert connect(gql, keys["provider"], visit.pk, soap.pk)["messages"] == []
    # Signed and locked: the appointment's fields follow; a locked note keeps its connection.
    FormAnswerGroupSigning.objects.create(form_answer_group=soap, user=world.provider)
    FormAnswerGroup.objects.filter(pk=soap.pk).update(locked_at=timezone.now(), locked_by=world.provider)
    read = data_of(gql(APPOINTMENT, {"id": str(visit.pk)}, key=keys["owner"]))["appointment"]
    assert read["connected_chart_note_locked"] is True
    assert read["connected_chart_note_string"] == "SIGNED_AND_LOCKED"
    assert read["form_answer_group"] == {"id": str(soap.pk), "name": "SOAP note"}
    refused = disconnect(gql, keys["provider"], soap.pk)
    assert refused["form_answer_group"] is None
    assert refused["messages"] == [{"field": "form_answer_group_id", "code": "BAD_USER_INPUT",
                                    "message": "This chart note is locked; unlock it before changing its "
                                               "appointment."}]
    FormAnswerGroup.objects.filter(pk=soap.pk).update(locked_at=None)
    gone = disconnect(gql, keys["provider"], soap.pk)
    assert gone == {"form_answer_group": {"id": str(soap.pk), "appointment": None}, "messages": []}
    read = data_of(gql(APPOINTMENT, {"id": str(visit.pk)}, key=keys["owner"]))["appointment"]
    assert read["form_answer_group"] is None and read["connected_chart_note_locked"] is None
    assert read["connected_chart_note_string"] is None and read["form_answer_groups"] == []
    assert FormAnswerGroup.objects.filter(pk=soap.pk, deleted_at__isnull=True).exists()  # the note stays
    again = disconnect(gql, keys["provider"], soap.pk)
    assert again["messages"][0]["message"] == "This form is not the chart note of an appointment."


def test_connection_rules(gql, keys, world, chart, visit):
    soap = note(chart, world.patients[0], world.provider)
    other_patient = note(chart, world.patients[1], world.provider)
    second = note(chart, world.patients[0], world.provider)
    blank = data_of(gql(CONNECT, {"input": {}}, key=keys["provider"]))["createAppointmentFormAnswerGroupConnection"]
    assert [m["field"] for m in blank["messages"]] == ["appointment_id", "form_answer_group_id"]
    wrong = connect(gql, keys["provider"], visit.pk, other_patient.pk)
    assert wrong["messages"] == [{"field": "form_answer_group_id", "code": "BAD_USER_INPUT",
                                  "message": "The form is not about a patient of this appointment."}]
    assert connect(gql, keys["provider"], visit.pk, soap.pk)["messages"] == []
    taken = connect(gql, keys["provider"], visit.pk, second.pk)
    assert taken["appointment"] is None
    assert taken["messages"][0]["field"] == "appointment_id"
    later = appointment(world.provider, world.patients[0], dt.datetime(2030, 10, 9, 14, tzinfo=dt.UTC))
    elsewhere = connect(gql, keys["provider"], later.pk, soap.pk)
    assert elsewhere["messages"][0]["message"] == "This form is already the chart note of another appointment."
    second.locked_at = timezone.now()
    second.save()
    locked = connect(gql, keys["provider"], later.pk, second.pk)
    assert locked["messages"][0]["message"].startswith("This chart note is locked")
    # A deleted chart note frees the appointment; a deleted appointment frees its chart note.
    FormAnswerGroup.objects.filter(pk=soap.pk).update(deleted_at=timezone.now())
    assert connect(gql, keys["provider"], visit.pk, third := note(chart, world.patients[0], world.provider).pk)[
        "messages"] == []
    Appointment.objects.filter(pk=visit.pk).update(deleted_at=timezone.now())
    assert connect(gql, keys["provider"], later.pk, third)["messages"] == []
    assert Appointment.objects.get(pk=visit.pk).form_answer_group_id is None
    Appointment.objects.filter(pk=later.pk).update(form_answer_group=None)
    # Patients do not chart: a top-level FORBIDDEN, nothing written.
    result = gql(CONNECT, {"input": {"appointment_id": str(later.pk), "form_answer_group_id": str(second.pk)}},
                 key=keys["patient"])
    assert error_codes(result) == ["FORBIDDEN"]
    assert Appointment.objects.get(pk=later.pk).form_answer_group_id is None


def test_ids_of_another_organization_or_a_hidden_patient_are_missing(gql, keys, world, other_world, chart, visit):
    soap = note(chart, world.patients[0], world.provider)
    foreign_chart = factories.form_template(other_world.org, ("textarea", "Assessment"), use_for_charting=True)
    foreign_note = note(foreign_chart, other_world.patients[0], other_world.provider)
    foreign_visit = appointment(other_world.provider, other_world.patients[0],
                                dt.datetime(2030, 10, 8, 14, tzinfo=dt.UTC))
    not_found_appt = [{"field": "appointment_id", "message": "Appointment not found", "code": "NOT_FOUND"}]
    not_found_group = [{"field": "form_answer_group_id", "message": "Filled-out form not found",
                        "code": "NOT_FOUND"}]

    def messages(result):
        return [{**m, "message": m["message"].rstrip(".")} for m in result["messages"]]

    assert messages(connect(gql, keys["provider"], foreign_visit.pk, soap.pk)) == not_found_appt
    assert messages(connect(gql, keys["provider"], visit.pk, foreign_note.pk)) == not_found_group
    assert messages(connect(gql, keys["provider"], 99999999, soap.pk)) == not_found_appt
    assert messages(disconnect(gql, keys["provider"], foreign_note.pk)) == not_found_group
    # A restricted provider who may not see patients[0]: the appointment and the note are missing.
    restricted = factories.member(world.org, can_see_all_clients=False)
    key = factories.api_key(restricted)
    assert messages(connect(gql, key, visit.pk, soap.pk)) == not_found_appt
    own = factories.patient(world.org, provider=restricted)
    own_visit = appointment(restricted, own, dt.datetime(2030, 10, 8, 16, tzinfo=dt.UTC))
    assert messages(connect(gql, key, own_visit.pk, soap.pk)) == not_found_group
    assert connect(gql, keys["provider"], visit.pk, soap.pk)["messages"] == []
    assert messages(disconnect(gql, key, soap.pk)) == not_found_group
    # ... and reading: the restricted member never sees the appointment; another org's owner neither.
    hidden = gql(APPOINTMENT, {"id": str(visit.pk)}, key=key)
    assert hidden["data"] == {"appointment": None} and error_codes(hidden) == ["NOT_FOUND"]
    assert Appointment.objects.get(pk=visit.pk).form_answer_group_id == soap.pk


def test_hidden_form_reads_null_on_a_visible_appointment(gql, keys, world, chart, intake, visit):
    """A draft is its filler's only: the appointment shows it to nobody else."""
    draft = note(chart, world.patients[0], world.owner, is_draft=True, finished=False)
    Appointment.objects.filter(pk=visit.pk).update(form_answer_group=draft)
    FormAnswerGroup.objects.filter(pk=draft.pk).update(appointment=visit)
    by_provider = data_of(gql(APPOINTMENT, {"id": str(visit.pk)}, key=keys["provider"]))["appointment"]
    assert by_provider["form_answer_group"] is None and by_provider["connected_chart_note_locked"] is None
    assert by_provider["form_answer_groups"] == []
    by_owner = data_of(gql(APPOINTMENT, {"id": str(visit.pk)}, key=keys["owner"]))["appointment"]
    assert by_owner["form_answer_group"] == {"id": str(draft.pk), "name": "SOAP note"}
    assert by_owner["connected_chart_note_string"] == "CREATED"


# ---- completeCheckout with the booking form -----------------------------------------------------------


@pytest.fixture
def bookable(world):
    kind = appt_type(world.org, name="Initial Consultation", length=60)
    weekly(world.provider, 1, "09:00", "12:00")
    return kind


def checkout_input(world, kind, form: dict | None = None, **extra) -> dict:
    values = {"appointment_type_id": str(kind.pk), "contact_type": "In Person", "date": SLOT, "timezone": NY,
              "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone_number": "555-0100",
              "provider_id": str(world.provider.pk), **extra}
    if form is not None:
        values["form_answer_group"] = form
    return {"input": values}


def answers(template, name: str, smoker: str) -> dict:
    _, name_q, smoker_q = template.custom_modules.order_by("position")
    return {"custom_module_form_id": str(template.pk), "form_answers": [
        {"custom_module_id": str(name_q.pk), "answer": name},
        {"custom_module_id": str(smoker_q.pk), "answer": smoker},
    ]}


def test_checkout_saves_the_booking_form(gql, keys, world, bookable, intake):
    booked = data_of(gql(CHECKOUT, checkout_input(world, bookable, answers(intake, "Ada L.", "No"))))[
        "completeCheckout"]
    assert booked["messages"] == [] and booked["formAnswerGroupSaved"] is True
    assert booked["appointment"]["date"] == SLOT
    # The unauthenticated caller gets no form back (it would reveal a matched client's answers).
    assert booked["appointment"]["filled_embed_form"] is None
    visit = Appointment.objects.get(pk=booked["appointment"]["id"])
    client = User.objects.get(email="ada@example.com")
    group = FormAnswerGroup.objects.get(pk=visit.filled_embed_form_id)
    assert (group.user_id, group.filler_id, group.appointment_id, group.finished) == (client.pk, client.pk,
                                                                                       visit.pk, True)
    assert Event.objects.filter(event_type="form_answer_group.created", resource_id=str(group.pk)).count() == 1
    read = data_of(gql(APPOINTMENT, {"id": str(visit.pk)}, key=keys["provider"]))["appointment"]
    assert read["filled_embed_form"] == {
        "id": str(group.pk), "finished": True, "custom_module_form": {"id": str(intake.pk)},
        "user": {"id": str(client.pk)},
        "form_answers": [{"label": "Name", "answer": "Ada L."}, {"label": "Smoker", "answer": "No"}],
    }
    assert read["form_answer_groups"] == [{"id": str(group.pk)}] and read["form_answer_group"] is None
    # The booking form is not a chart note.
    assert read["connected_chart_note_locked"] is None
    # Without a form the payload says so.
    plain = data_of(gql(CHECKOUT, checkout_input(world, bookable, date="2030-10-07 10:00:00 -0400")))[
        "completeCheckout"]
    assert plain["messages"] == [] and plain["formAnswerGroupSaved"] is False


def test_checkout_as_signed_in_patient_reads_own_form(gql, keys, world, bookable, intake):
    booked = data_of(gql(CHECKOUT, checkout_input(world, bookable, answers(intake, "Me", "Yes")),
                         key=keys["patient"]))["completeCheckout"]
    assert booked["messages"] == [] and booked["formAnswerGroupSaved"] is True
    group = FormAnswerGroup.objects.get()
    assert group.user_id == world.patients[0].pk
    assert booked["appointment"]["filled_embed_form"] == {"id": str(group.pk)}


@pytest.mark.parametrize(("form", "field", "message"), [
    ("bad_radio", "form_answer_group.form_answers.1.answer", None),
    ("missing_required", "form_answer_group.form_answers", None),
    ("unknown_question", "form_answer_group.form_answers.0.custom_module_id", "Question not found on this form."),
    ("foreign_template", "form_answer_group.custom_module_form_id", "Form not found"),
    ("chart_template", "form_answer_group.custom_module_form_id", "Form not found"),
    ("no_template", "form_answer_group.custom_module_form_id", None),
    ("saved_form_id", "form_answer_group.id", None),
])
def test_bad_booking_form_books_nothing(gql, world, other_world, bookable, intake, chart, form, field, message):
    _, name_q, smoker_q = intake.custom_modules.order_by("position")
    foreign = factories.form_template(other_world.org, ("text", "Name"))
    payload = {
        "bad_radio": answers(intake, "Ada", "Sometimes"),
        "missing_required": {"custom_module_form_id": str(intake.pk),
                             "form_answers": [{"custom_module_id": str(smoker_q.pk), "answer": "No"}]},
        "unknown_question": {"custom_module_form_id": str(intake.pk),
                             "form_answers": [{"custom_module_id": str(foreign.custom_modules.get().pk),
                                               "answer": "x"}]},
        "foreign_template": {"custom_module_form_id": str(foreign.pk), "form_answers": []},
        "chart_template": {"custom_module_form_id": str(chart.pk), "form_answers": []},
        "no_template": {"form_answers": [{"custom_module_id": str(name_q.pk), "answer": "Ada"}]},
        "saved_form_id": {"id": "1", **answers(intake, "Ada", "No")},
    }[form]
    result = data_of(gql(CHECKOUT, checkout_input(world, bookable, payload)))["completeCheckout"]
    assert result["appointment"] is None and result["formAnswerGroupSaved"] is False
    assert [m["field"] for m in result["messages"]] == [field]
    if message:
        assert result["messages"][0]["message"].rstrip(".") == message.rstrip(".")
    # Nothing written: no appointment, no client, no form, no event.
    assert not Appointment.objects.exists()
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not FormAnswerGroup.objects.exists() and not FormAnswer.objects.exists()
    assert not Event.objects.filter(event_type__in=["appointment.created", "form_answer_group.created",
                                                    "patient.created"]).exists()


# ---- lists stay flat ----------------------------------------------------------------------------------


def test_appointment_list_with_forms_is_flat_in_sql(gql, keys, world, chart, intake, count_queries):
    for i in range(12):
        patient = world.patients[i % 3]
        visit = appointment(world.provider, patient, dt.datetime(2030, 11, 1 + i, 14, tzinfo=dt.UTC))
        booking = note(intake, patient, patient, appointment=visit)
        FormAnswer.objects.create(form_answer_group=booking, custom_module=intake.custom_modules.get(label="Name"),
                                  user=patient, answer=f"P{i}")
        soap = note(chart, patient, world.provider, appointment=visit)
        FormAnswerGroupSigning.objects.create(form_answer_group=soap, user=world.provider)
        Appointment.objects.filter(pk=visit.pk).update(filled_embed_form=booking, form_answer_group=soap)

    def run(size):
        return count_queries(lambda: data_of(gql(LIST, {"page_size": size}, key=keys["owner"])))

    run(1)
    (small, n_small), (large, n_large) = run(2), run(10)
    assert len(small["appointments"]) == 2 and len(large["appointments"]) == 10
    first = large["appointments"][0]
    assert first["connected_chart_note_string"] == "SIGNED" and first["connected_chart_note_locked"] is False
    assert first["form_answer_group"]["chart_note_status"] == "SIGNED"
    assert len(first["form_answer_groups"]) == 2
    assert first["filled_embed_form"]["form_answers"][0]["label"] == "Name"
    assert n_small == n_large
