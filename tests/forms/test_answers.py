"""Filled-out forms (FormAnswerGroup): validation per question type, isolation, events, documented operations."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.events.models import Event
from apps.forms import question_types as qt
from apps.forms.models import CustomModule, FormAnswer, FormAnswerGroup
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

CREATE = """
mutation($input: createFormAnswerGroupInput) {
  createFormAnswerGroup(input: $input) {
    form_answer_group { id finished name user { id } filler { id }
      form_answers { id label answer displayed_answer custom_module_id user_id custom_module { id mod_type } } }
    messages { field message }
  }
}"""
UPDATE = """
mutation($input: updateFormAnswerGroupInput) {
  updateFormAnswerGroup(input: $input) {
    form_answer_group { id finished form_answers { custom_module_id answer } }
    messages { field message }
  }
}"""
DELETE = """
mutation($id: ID) { deleteFormAnswerGroup(input: {id: $id}) { form_answer_group { id } messages { field message } } }"""
ONE = "query($id: ID) { formAnswerGroup(id: $id) { id finished user { id } form_answers { label answer } } }"
LIST = """
query($user_id: String, $filler_id: String, $custom_module_form_id: ID, $date: String, $page_size: Int,
      $offset: Int) {
  formAnswerGroups(user_id: $user_id, filler_id: $filler_id, custom_module_form_id: $custom_module_form_id,
                   date: $date, page_size: $page_size, offset: $offset) {
    id name created_at chart_note_status requested_form_completion { id status } user { id dietitian { id } }
    filler { id } custom_module_form { id name }
    form_answers { id label displayed_answer custom_module { id mod_type label required } }
  }
  formAnswerGroupsCount(user_id: $user_id, filler_id: $filler_id, custom_module_form_id: $custom_module_form_id,
                        date: $date)
}"""


def missing(result: dict) -> bool:
    return result["data"] == {"formAnswerGroup": None} and error_codes(result) == ["NOT_FOUND"]


def module(mod_type: str, options: str = "", required: bool = False) -> CustomModule:
    return CustomModule(mod_type=mod_type, options=options, required=required, label="Q")


@pytest.fixture
def intake(world):
    return factories.form_template(
        world.org,
        ("label", "Please tell us who referred you."),
        ("text", "Name", "", True),
        ("radio", "Smoker", "Yes\nNo"),
        ("checkbox", "Conditions", "Asthma\nDiabetes\nNone"),
        ("date", "Date of birth"),
        ("number", "Height", ""),
        ("matrix", "Meals"),
        ("height", "Height (in)"),
        ("weight", "Weight (lb)"),
        ("bmi(in.)", "BMI"),
        name="Referral intake",
    )


def questions(template) -> list[CustomModule]:
    return list(template.custom_modules.order_by("position"))


def create(gql, key, template, patient, answers, finished=True):
    qs = questions(template)
    form_answers = [{"custom_module_id": str(qs[i].pk), "answer": a, "user_id": str(patient.pk)}
                    for i, a in answers.items()]
    return gql(CREATE, {"input": {"finished": finished, "custom_module_form_id": str(template.pk),
                                  "user_id": str(patient.pk), "form_answers": form_answers}}, key=key)


# ---- question types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("mod_type", "options", "raw", "stored"), [
    ("text", "", "  Chris  ", "Chris"),
    ("textarea", "", "line 1\nline 2", "line 1\nline 2"),
    ("number", "", "1,234.50", "1234.5"),
    ("date", "", "10/29/2021", "2021-10-29"),
    ("date", "", "October 29, 2021", "2021-10-29"),
    ("time", "", "2:30 pm", "14:30"),
    ("radio", "Yes\nNo", "No", "No"),
    ("dropdown", "Red\nBlue", "Blue", "Blue"),
    ("checkbox", "A\nB\nC", "C\nA\nA", "A\nC"),
    ("yes_no", "", "true", "Yes"),
    ("agree_to_above", "", "yes", "true"),
    ("matrix", "", '[["a", 1], [true, null]]', '[["a",1],[true,null]]'),
    ("signature", "", "data:image/png;base64,AAAA", "data:image/png;base64,AAAA"),
    ("email", "", "a@b.co", "a@b.co"),
    ("label", "", "", ""),
    ("bmi(in.)", "", "", ""),
    ("text", "", None, ""),
])
def test_valid_answers_are_normalized(mod_type, options, raw, stored):
    assert qt.validate_answer(module(mod_type, options), raw) == stored


@pytest.mark.parametrize(("mod_type", "options", "raw", "required"), [
    ("text", "", "", True),
    ("text", "", "   ", True),
    ("text", "", "x" * 1001, False),
    ("textarea", "", "x" * 20_001, False),
    ("text", "", "a\x00b", False),
    ("number", "", "twelve", False),
    ("number", "", "NaN", False),
    ("number", "", "1e400", False),
    ("date", "", "2021-02-30", False),
    ("date", "", "yesterday", False),
    ("time", "", "25:00", False),
    ("radio", "Yes\nNo", "Maybe", False),
    ("dropdown", "Red\nBlue", "red", False),
    ("checkbox", "A\nB", "A\nZ", False),
    ("yes_no", "", "perhaps", False),
    ("agree_to_above", "", "no", True),
    ("matrix", "", "not json", False),
    ("matrix", "", '{"a": 1}', False),
    ("matrix", "", '[[{"nested": 1}]]', False),
    ("matrix", "", "[" * 5000 + "]" * 5000, False),
    ("label", "", "an answer to a read-only block", False),
    ("email", "", "not-an-email", False),
    ("phone", "", "call me", False),
])
def test_invalid_answers_are_refused(mod_type, options, raw, required):
    with pytest.raises(ValidationFailed) as caught:
        qt.validate_answer(module(mod_type, options, required), raw)
    assert caught.value.messages[0].field == "answer"


def test_every_catalogued_type_accepts_a_blank_optional_answer():
    for name in qt.MOD_TYPES:
        assert qt.validate_answer(module(name), "") == ""


def test_bmi_is_computed_from_height_and_weight():
    assert qt.compute_bmi("bmi(in.)", "70", "154") == "22.1"
    assert qt.compute_bmi("bmi(cm)", "180", "81") == "25.0"
    assert qt.compute_bmi("bmi(in.)", "0", "154") is None


# ---- create / update / delete ----------------------------------------------------------------------


def test_create_validates_stores_and_emits(gql, keys, world, intake):
    patient = world.patients[0]
    result = data_of(create(gql, keys["provider"], intake, patient, {
        1: "Chris", 2: "No", 3: "Diabetes\nAsthma", 4: "2021-10-29", 7: "70", 8: "154", 6: '[["x"]]'}))
    payload = result["createFormAnswerGroup"]
    assert payload["messages"] == []
    group = FormAnswerGroup.objects.get(pk=payload["form_answer_group"]["id"])
    assert group.finished and group.user_id == patient.pk and group.filler_id == world.provider.pk
    assert payload["form_answer_group"]["name"] == "Referral intake"
    answers = {a["label"]: a for a in payload["form_answer_group"]["form_answers"]}
    assert answers["Conditions"]["answer"] == "Asthma\nDiabetes"
    assert answers["Conditions"]["displayed_answer"] == "Asthma, Diabetes"
    assert answers["BMI"]["answer"] == "22.1"
    assert answers["Name"]["user_id"] == str(patient.pk)
    assert Event.objects.filter(event_type="form_answer_group.created", resource_id=str(group.pk)).count() == 1


def test_errors_name_each_answer_and_nothing_is_written(gql, keys, world, intake):
    patient = world.patients[0]
    result = data_of(create(gql, keys["provider"], intake, patient, {1: "Chris", 2: "Maybe", 4: "someday",
                                                                     6: "{}"}))
    messages = result["createFormAnswerGroup"]["messages"]
    assert {m["field"] for m in messages} == {"form_answers.1.answer", "form_answers.2.answer",
                                              "form_answers.3.answer"}
    assert result["createFormAnswerGroup"]["form_answer_group"] is None
    assert not FormAnswerGroup.objects.exists() and not FormAnswer.objects.exists() and not Event.objects.exists()


def test_required_question_missing_only_blocks_finished_forms(gql, keys, world, intake):
    patient = world.patients[0]
    refused = data_of(create(gql, keys["provider"], intake, patient, {2: "No"}))["createFormAnswerGroup"]
    assert [m["field"] for m in refused["messages"]] == ["form_answers"]
    draft = data_of(create(gql, keys["provider"], intake, patient, {2: "No"}, finished=False))
    assert draft["createFormAnswerGroup"]["messages"] == []


def test_answers_to_another_forms_questions_are_refused(gql, keys, world, intake):
    other = factories.form_template(world.org, ("text", "Elsewhere"))
    patient = world.patients[0]
    foreign = other.custom_modules.get()
    result = data_of(gql(CREATE, {"input": {
        "finished": True, "custom_module_form_id": str(intake.pk), "user_id": str(patient.pk),
        "form_answers": [{"custom_module_id": str(questions(intake)[1].pk), "answer": "Chris"},
                         {"custom_module_id": str(foreign.pk), "answer": "x"},
                         {"custom_module_id": "abc", "answer": "x"},
                         {"custom_module_id": str(questions(intake)[1].pk), "answer": "again"},
                         {"custom_module_id": str(questions(intake)[2].pk), "answer": "No",
                          "user_id": str(world.patients[1].pk)}]}}, key=keys["provider"]))
    fields = [m["field"] for m in result["createFormAnswerGroup"]["messages"]]
    assert fields == ["form_answers.1.custom_module_id", "form_answers.2.custom_module_id",
                      "form_answers.3.custom_module_id", "form_answers.4.user_id"]
    assert not FormAnswerGroup.objects.exists()


def test_update_changes_answers_and_locked_groups_refuse(gql, keys, world, intake):
    patient = world.patients[0]
    created = data_of(create(gql, keys["provider"], intake, patient, {1: "Chris"}))
    group_id = created["createFormAnswerGroup"]["form_answer_group"]["id"]
    smoker = questions(intake)[2]
    result = data_of(gql(UPDATE, {"input": {"id": group_id, "form_answers": [
        {"custom_module_id": str(smoker.pk), "answer": "Yes"}]}}, key=keys["provider"]))["updateFormAnswerGroup"]
    assert result["messages"] == []
    assert {a["custom_module_id"]: a["answer"] for a in result["form_answer_group"]["form_answers"]} == {
        str(questions(intake)[1].pk): "Chris", str(smoker.pk): "Yes"}
    bad = data_of(gql(UPDATE, {"input": {"id": group_id, "form_answers": [
        {"custom_module_id": str(smoker.pk), "answer": "Maybe"}]}}, key=keys["provider"]))["updateFormAnswerGroup"]
    assert [m["field"] for m in bad["messages"]] == ["form_answers.0.answer"]
    assert FormAnswer.objects.get(custom_module=smoker).answer == "Yes"
    FormAnswerGroup.objects.filter(pk=group_id).update(locked_at=timezone.now(), locked_by=world.provider)
    locked = data_of(gql(UPDATE, {"input": {"id": group_id, "form_answers": [
        {"custom_module_id": str(smoker.pk), "answer": "No"}]}}, key=keys["provider"]))["updateFormAnswerGroup"]
    assert locked["messages"][0]["field"] == "id" and "locked" in locked["messages"][0]["message"]
    assert FormAnswer.objects.get(custom_module=smoker).answer == "Yes"
    refused = data_of(gql(DELETE, {"id": group_id}, key=keys["provider"]))["deleteFormAnswerGroup"]
    assert refused["messages"] and FormAnswerGroup.objects.get(pk=group_id).deleted_at is None


def test_delete_is_soft_and_emits(gql, keys, world, intake):
    patient = world.patients[0]
    group_id = data_of(create(gql, keys["provider"], intake, patient, {1: "Chris"}))[
        "createFormAnswerGroup"]["form_answer_group"]["id"]
    result = data_of(gql(DELETE, {"id": group_id}, key=keys["provider"]))["deleteFormAnswerGroup"]
    assert result["messages"] == [] and result["form_answer_group"]["id"] == group_id
    assert FormAnswerGroup.objects.get(pk=group_id).deleted_at is not None
    assert missing(gql(ONE, {"id": group_id}, key=keys["provider"]))
    assert Event.objects.filter(event_type="form_answer_group.deleted", resource_id=group_id).exists()


@pytest.mark.parametrize("variables", [
    {"input": None},
    {"input": {}},
    {"input": {"custom_module_form_id": "1" * 40, "user_id": "x"}},
    {"input": {"custom_module_form_id": "-1", "form_answers": None}},
    {"input": {"custom_module_form_id": "FORM", "user_id": "PATIENT", "form_answers": [None], "finished": True}},
    {"input": {"custom_module_form_id": "FORM", "user_id": "PATIENT", "metadata": "[1,",
               "date": "not a date", "name": "x" * 300}},
    {"input": {"custom_module_form_id": "FORM", "user_id": "PATIENT",
               "form_answers": [{"custom_module_id": "\u0661"}, {"answer": "orphan"}, {}]}},
])
def test_ugly_input_answers_messages_and_writes_nothing(gql, keys, world, intake, variables):
    text = json.dumps(variables).replace("FORM", str(intake.pk)).replace("PATIENT", str(world.patients[0].pk))
    result = gql(CREATE, json.loads(text), key=keys["provider"])
    payload = data_of(result)["createFormAnswerGroup"]
    assert payload["messages"] and payload["form_answer_group"] is None
    assert not FormAnswerGroup.objects.exists()


# ---- isolation -------------------------------------------------------------------------------------


def test_other_org_restricted_provider_and_patients_see_only_what_they_may(
        gql, keys, other_keys, world, intake):
    mine, theirs = world.patients[0], world.patients[1]
    restricted = factories.member(world.org, first_name="Rita", can_see_all_clients=False)
    world.patients[1].dietitian = restricted
    world.patients[1].save(update_fields=["dietitian"])
    a = data_of(create(gql, keys["provider"], intake, mine, {1: "Chris"}))["createFormAnswerGroup"]
    b = data_of(create(gql, keys["provider"], intake, theirs, {1: "Alex"}))["createFormAnswerGroup"]
    a_id, b_id = a["form_answer_group"]["id"], b["form_answer_group"]["id"]
    rita = factories.api_key(restricted)
    # Another organization: the ids behave as missing everywhere.
    assert missing(gql(ONE, {"id": a_id}, key=other_keys["owner"]))
    assert data_of(gql(LIST, {}, key=other_keys["owner"]))["formAnswerGroups"] == []
    other = data_of(gql(UPDATE, {"input": {"id": a_id, "finished": False}}, key=other_keys["owner"]))
    assert other["updateFormAnswerGroup"]["messages"][0]["message"] == "Filled-out form not found."
    other_delete = data_of(gql(DELETE, {"id": a_id}, key=other_keys["owner"]))["deleteFormAnswerGroup"]
    assert other_delete["messages"][0]["field"] == "id"
    # A restricted provider sees only their own patient's form.
    assert missing(gql(ONE, {"id": a_id}, key=rita))
    assert [g["id"] for g in data_of(gql(LIST, {}, key=rita))["formAnswerGroups"]] == [b_id]
    hidden = data_of(create(gql, rita, intake, mine, {1: "x"}))["createFormAnswerGroup"]
    assert hidden["messages"] == [{"field": "user_id", "message": "Patient not found."}]
    # A patient sees only their own.
    assert [g["id"] for g in data_of(gql(LIST, {}, key=keys["patient"]))["formAnswerGroups"]] == [a_id]
    assert missing(gql(ONE, {"id": b_id}, key=keys["patient"]))
    foreign_template = factories.form_template(factories.organization(), ("text", "Elsewhere"))
    refused = data_of(gql(CREATE, {"input": {"custom_module_form_id": str(foreign_template.pk),
                                             "user_id": str(mine.pk)}}, key=keys["provider"]))
    assert refused["createFormAnswerGroup"]["messages"][0]["field"] == "custom_module_form_id"
    # Unauthenticated: a top-level error, never data.
    assert error_codes(gql(LIST, {})) == ["UNAUTHENTICATED"]


def test_patient_fills_out_their_own_intake_form(gql, keys, world, intake):
    patient = world.patients[0]
    result = data_of(gql(CREATE, {"input": {"finished": True, "custom_module_form_id": str(intake.pk),
                                            "form_answers": [{"custom_module_id": str(questions(intake)[1].pk),
                                                              "answer": "Chris"}]}}, key=keys["patient"]))
    payload = result["createFormAnswerGroup"]
    assert payload["messages"] == [] and payload["form_answer_group"]["user"]["id"] == str(patient.pk)
    other = data_of(create(gql, keys["patient"], intake, world.patients[1], {1: "x"}))["createFormAnswerGroup"]
    assert other["messages"] == [{"field": "user_id", "message": "Patient not found."}]


def test_unfinished_forms_are_read_by_id_only(gql, keys, world, intake):
    patient = world.patients[0]
    group_id = data_of(create(gql, keys["provider"], intake, patient, {1: "Chris"}, finished=False))[
        "createFormAnswerGroup"]["form_answer_group"]["id"]
    listed = data_of(gql(LIST, {"user_id": str(patient.pk)}, key=keys["provider"]))
    assert listed["formAnswerGroups"] == [] and listed["formAnswerGroupsCount"] == 0
    assert data_of(gql(ONE, {"id": group_id}, key=keys["provider"]))["formAnswerGroup"]["finished"] is False


def test_list_filters(gql, keys, world, intake):
    other = factories.form_template(world.org, ("text", "Other"), name="Other")
    first = data_of(create(gql, keys["provider"], intake, world.patients[0], {1: "A"}))
    data_of(create(gql, keys["owner"], intake, world.patients[1], {1: "B"}))
    data_of(gql(CREATE, {"input": {"finished": True, "custom_module_form_id": str(other.pk),
                                   "user_id": str(world.patients[0].pk)}}, key=keys["provider"]))
    first_id = first["createFormAnswerGroup"]["form_answer_group"]["id"]

    def ids(**variables):
        return [g["id"] for g in data_of(gql(LIST, variables, key=keys["owner"]))["formAnswerGroups"]]

    assert len(ids()) == 3
    assert ids(custom_module_form_id=str(intake.pk), filler_id=str(world.provider.pk)) == [first_id]
    assert len(ids(user_id=str(world.patients[0].pk))) == 2
    today = timezone.now().date().isoformat()
    assert len(ids(date=today)) == 3 and ids(date="2001-01-01") == []
    bad = gql(LIST, {"date": "someday"}, key=keys["owner"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert error_codes(gql(LIST, {"user_id": "not-an-id"}, key=keys["owner"])) == ["BAD_USER_INPUT"]


def test_list_sql_count_is_flat(gql, keys, world, intake, count_queries):
    for i in range(12):
        create(gql, keys["provider"], intake, world.patients[i % 3], {1: f"P{i}", 2: "No", 3: "None"})

    def run(size):
        return count_queries(lambda: data_of(gql(LIST, {"page_size": size}, key=keys["owner"])))

    run(1)  # the key's first use of the run records last_used_at: not part of the list's cost
    (small, n_small), (large, n_large) = run(2), run(10)
    assert len(small["formAnswerGroups"]) == 2 and len(large["formAnswerGroups"]) == 10
    assert n_small == n_large


# ---- documented operations ---------------------------------------------------------------------------


def test_documented_create_and_list(gql, keys, world, intake):
    patient = world.patients[0]
    qs = questions(intake)
    variables = {"finished": True, "custom_module_form_id": str(intake.pk), "user_id": str(patient.pk),
                 "form_answers": [{"custom_module_id": str(qs[1].pk), "answer": "Chris", "user_id": str(patient.pk)},
                                  {"custom_module_id": str(qs[2].pk), "answer": "No", "user_id": str(patient.pk)}]}
    created = data_of(gql(documented_operation("2212_createFormAnswerGroup.graphql"), variables,
                          key=keys["provider"]))["createFormAnswerGroup"]
    assert created["messages"] == []
    group_id = created["form_answer_group"]["id"]
    listed = data_of(gql(documented_operation("2276_formAnswerGroups.graphql"), {
        "date": timezone.now().date().isoformat(), "custom_module_form_id": str(intake.pk)}, key=keys["provider"]))
    [group] = listed["formAnswerGroups"]
    assert group["id"] == group_id and group["name"] == "Referral intake"
    assert [(a["label"], a["displayed_answer"]) for a in group["form_answers"]] == [("Name", "Chris"),
                                                                                    ("Smoker", "No")]
    assert group["form_answers"][0]["custom_module"] == {"required": True, "id": str(qs[1].pk),
                                                         "mod_type": "text", "label": "Name"}


def test_documented_automation_intake_completed_webhook_then_read(gql, keys, world, intake):
    """Seed automation example: form_answer_group.created → read the group → find the referrer's name."""
    patient = world.patients[0]
    data_of(create(gql, keys["patient"], intake, patient, {0: "", 1: "Chris"}))
    event = Event.objects.get(event_type="form_answer_group.created")
    assert event.resource_id_type == "FormAnswerGroup"
    read = data_of(gql(documented_operation("7304_getFormAnswerGroups.graphql"), {"id": event.resource_id},
                       key=keys["provider"]))["formAnswerGroup"]
    assert read["finished"] is True and read["custom_module_form"] == {"id": str(intake.pk)}
    assert read["user"] == {"id": str(patient.pk), "dietitian_id": str(world.provider.pk)}
    name = next(a["answer"] for a in read["form_answers"] if a["label"] == "Name")
    assert name == "Chris"
    locked = data_of(gql(documented_operation("7403_getFormAnswerGroups.graphql"), {"id": event.resource_id},
                         key=keys["provider"]))["formAnswerGroup"]
    assert locked == {"id": event.resource_id, "user": {"id": str(patient.pk)}}


def test_appointment_link_is_scoped(gql, keys, world, intake):
    from tests.scheduling.helpers import appointment

    mine, other = world.patients[0], world.patients[1]
    visit = appointment(world.provider, mine, timezone.now())
    elsewhere = appointment(world.provider, other, timezone.now())
    foreign = factories.world("Elsewhere")
    foreign_visit = appointment(foreign.provider, foreign.patients[0], timezone.now())
    query = CREATE.replace("filler { id }", "filler { id } appointment { id }")
    base = {"finished": True, "custom_module_form_id": str(intake.pk), "user_id": str(mine.pk),
            "form_answers": [{"custom_module_id": str(questions(intake)[1].pk), "answer": "Chris"}]}
    linked = data_of(gql(query, {"input": {**base, "appointment_id": str(visit.pk)}}, key=keys["provider"]))
    assert linked["createFormAnswerGroup"]["form_answer_group"]["appointment"] == {"id": str(visit.pk)}
    for bad in (elsewhere, foreign_visit):
        refused = data_of(gql(query, {"input": {**base, "appointment_id": str(bad.pk)}}, key=keys["provider"]))
        assert [m["field"] for m in refused["createFormAnswerGroup"]["messages"]] == ["appointment_id"]
    assert FormAnswerGroup.objects.count() == 1


def test_answering_a_form_request_completes_it(gql, keys, world):
    from apps.forms.models import RequestedFormCompletion

    template = factories.form_template(world.org, ("text", "Goal", "", True))
    patient = world.patients[0]
    request = RequestedFormCompletion.objects.create(organization=world.org, sender=world.provider,
                                                     recipient=patient, custom_module_form=template)
    question = str(template.custom_modules.get().pk)
    started = data_of(gql(CREATE, {"input": {
        "custom_module_form_id": str(template.pk), "user_id": str(patient.pk), "finished": False,
        "requested_form_completion_id": str(request.pk), "form_answers": []}}, key=keys["patient"]))
    assert started["createFormAnswerGroup"]["messages"] == []
    request.refresh_from_db()
    assert request.status == RequestedFormCompletion.INCOMPLETE
    group_id = started["createFormAnswerGroup"]["form_answer_group"]["id"]
    assert request.form_answer_group_id == int(group_id)

    done = data_of(gql(UPDATE, {"input": {"id": group_id, "finished": True, "form_answers": [
        {"custom_module_id": question, "answer": "Walk daily", "user_id": str(patient.pk)}]}}, key=keys["patient"]))
    assert done["updateFormAnswerGroup"]["messages"] == []
    request.refresh_from_db()
    assert request.status == RequestedFormCompletion.COMPLETE
    assert Event.objects.filter(event_type="requested_form_completion.updated",
                                resource_id=str(request.pk)).count() == 2
    read = data_of(gql("query($id: ID) { formAnswerGroup(id: $id) { chart_note_status "
                       "requested_form_completion { id status } } }", {"id": group_id}, key=keys["provider"]))
    assert read["formAnswerGroup"] == {"chart_note_status": "CREATED",
                                       "requested_form_completion": {"id": str(request.pk), "status": "Complete"}}
