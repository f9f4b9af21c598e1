"""intakeFlow, hasFormsToComplete, initialFormAnswers, hasConditionalQuestionEditing and
createClientViaForm over HTTP: data, statuses and filters, visibility (another organization, a
restricted provider, patients), ugly input, nothing written on failure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from apps.accounts.models import User, UserGroup
from apps.accounts.viewer import Viewer
from apps.core.jobs.models import Job
from apps.events.models import Event
from apps.forms.models import CompletedOnboardingItem, CustomModule, FormAnswer, FormAnswerGroup
from apps.forms.selectors.onboarding import FORM_ITEM_TYPE
from apps.forms.services.answers import AnswerGroupInput, AnswerInput, form_answer_group_create
from apps.forms.services.requests import RequestCreate, request_create
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

FLOW = """query F($user_id: ID, $statuses: [FormStatus], $form_types: [FormType], $keywords: String,
                  $order_by: IntakeFlowOrderKeys) {
  intakeFlow(user_id: $user_id, statuses: $statuses, form_types: $form_types, keywords: $keywords,
             order_by: $order_by) {
    all_forms { id typename form_type status display_name skipped form_answer_group_id incomplete_form_id
                custom_module_form { id } onboarding_item { id } recurring_form { id }
                request_info { requested_by { id } completed_by { id } request_date complete_date } }
    intake_flows { id } requested { id } forms { id } not_started_incomplete { id } completed_skipped { id }
  }
}"""
HAS = "query H($user_id: ID!) { hasFormsToComplete(user_id: $user_id) }"
INITIAL = """query I($f: ID, $i: ID, $u: ID) {
  initialFormAnswers(custom_module_form_id: $f, incomplete_form_id: $i, user_id: $u) {
    id answer custom_module_id } }"""
CREATE_CLIENT = """mutation C($input: CreateClientViaFormInput) {
  createClientViaForm(input: $input) { form_answer_group { id finished user { id email } form_answers { answer } }
                                       messages { field message code } } }"""


def _viewer(user):
    return Viewer(user=user)


def _fill(user, patient, form, answers, finished=True):
    return form_answer_group_create(_viewer(user), AnswerGroupInput(
        custom_module_form_id=form.pk, user_id=patient.pk, finished=finished,
        form_answers=[AnswerInput(custom_module_id=m.pk, answer=a) for m, a in answers]))


def _setup(world):
    """The first patient's group asks for a consent form and a built-in step; they also have a
    one-off request (intake, not started) and a request they completed (history)."""
    patient = world.patients[0]
    group = UserGroup.objects.create(organization=world.org, name="Seniors")
    User.objects.filter(pk=patient.pk).update(user_group=group)
    consent = factories.form_template(world.org, ("text", "Signature"), name="Consent")
    intake = factories.form_template(world.org, ("text", "Allergies"), name="Intake questionnaire")
    history = factories.form_template(world.org, ("text", "Past illnesses"), name="History")
    flow = factories.onboarding_flow(world.org, "Flow", group)
    form_item = factories.onboarding_item(flow, FORM_ITEM_TYPE, item_id=consent.pk, row_order=1)
    step = factories.onboarding_item(flow, "Insurance Form", row_order=2)
    provider = _viewer(world.provider)
    request_create(provider, RequestCreate(recipient_ids=str(patient.pk), form=intake.pk))
    request_create(provider, RequestCreate(recipient_ids=str(patient.pk), form=history.pk))
    history_request = patient.requested_form_completions.get(custom_module_form=history)
    done = form_answer_group_create(provider, AnswerGroupInput(
        custom_module_form_id=history.pk, user_id=patient.pk, finished=True,
        requested_form_completion_id=history_request.pk,
        form_answers=[AnswerInput(custom_module_id=history.custom_modules.get().pk, answer="none")]))
    return patient, consent, intake, history, form_item, step, done


def test_intake_flow_lists_items_and_requests_with_statuses(gql, world, keys):
    patient, consent, intake, history, form_item, step, done = _setup(world)
    # The patient starts the consent form (unfinished) and skips the built-in step.
    draft = _fill(patient, patient, consent, [(consent.custom_modules.get(), "Jane")], finished=False)
    CompletedOnboardingItem.objects.create(user=patient, onboarding_item=step, item_type=step.item_type, skipped=True)
    flow = data_of(gql(FLOW, {"user_id": str(patient.pk)}, key=keys["provider"]))["intakeFlow"]
    rows = {(r["typename"], r["display_name"]): r for r in flow["all_forms"]}
    assert list(rows) == [("OnboardingItem", "Module Form"), ("OnboardingItem", "Insurance Form"),
                          ("RequestedFormCompletion", "History"), ("RequestedFormCompletion", "Intake questionnaire")]
    consent_row = rows[("OnboardingItem", "Module Form")]
    assert (consent_row["status"], consent_row["incomplete_form_id"], consent_row["custom_module_form"]) == (
        "incomplete", str(draft.pk), {"id": str(consent.pk)})
    step_row = rows[("OnboardingItem", "Insurance Form")]
    assert (step_row["status"], step_row["skipped"], step_row["custom_module_form"]) == ("completed", True, None)
    history_row = rows[("RequestedFormCompletion", "History")]
    assert (history_row["status"], history_row["form_answer_group_id"], history_row["form_type"]) == (
        "completed", str(done.pk), "requested_forms")
    assert history_row["request_info"]["requested_by"] == {"id": str(world.provider.pk)}
    assert history_row["request_info"]["completed_by"] == {"id": str(world.provider.pk)}
    assert history_row["request_info"]["complete_date"] is not None
    assert rows[("RequestedFormCompletion", "Intake questionnaire")]["status"] == "not_started"
    assert [r["id"] for r in flow["intake_flows"]] == [str(form_item.pk), str(step.pk)]
    assert len(flow["requested"]) == 2 and len(flow["forms"]) == 3
    assert len(flow["not_started_incomplete"]) == 2 and len(flow["completed_skipped"]) == 2

    # Filters and order.
    only_open = data_of(gql(FLOW, {"user_id": str(patient.pk), "statuses": ["not_started"]},
                            key=keys["provider"]))["intakeFlow"]["all_forms"]
    assert [r["display_name"] for r in only_open] == ["Intake questionnaire"]
    intake_only = data_of(gql(FLOW, {"user_id": str(patient.pk), "form_types": ["intake_forms"],
                                     "order_by": "NAME_DESC"}, key=keys["provider"]))["intakeFlow"]["all_forms"]
    assert [r["display_name"] for r in intake_only] == ["Module Form", "Insurance Form"]
    words = data_of(gql(FLOW, {"user_id": str(patient.pk), "keywords": "HIST"},
                         key=keys["provider"]))["intakeFlow"]["all_forms"]
    assert [r["display_name"] for r in words] == ["History"]

    # The patient reads their own flow without user_id; hasFormsToComplete follows the statuses.
    own = data_of(gql(FLOW, {}, key=keys["patient"]))["intakeFlow"]["all_forms"]
    assert [r["id"] for r in own] == [r["id"] for r in flow["all_forms"]]
    assert data_of(gql(HAS, {"user_id": str(patient.pk)}, key=keys["patient"])) == {"hasFormsToComplete": True}
    for request in patient.requested_form_completions.exclude(status="Complete"):
        request.status = "Complete"
        request.save()
    CompletedOnboardingItem.objects.create(user=patient, onboarding_item=form_item, item_type=FORM_ITEM_TYPE)
    assert data_of(gql(HAS, {"user_id": str(patient.pk)}, key=keys["staff"])) == {"hasFormsToComplete": False}


def test_intake_flow_costs_the_same_queries_for_more_items(gql, world, keys, count_queries):
    patient, consent, intake, *_ = _setup(world)
    provider = _viewer(world.provider)

    def run():
        return data_of(gql(FLOW, {"user_id": str(patient.pk)}, key=keys["provider"]))

    run()  # warm caches that are not per request
    _, few = count_queries(run)
    for n in range(6):
        form = factories.form_template(world.org, ("text", "Q"), name=f"Extra {n}")
        request_create(provider, RequestCreate(recipient_ids=str(patient.pk), form=form.pk))
    result, many = count_queries(run)
    assert len(result["intakeFlow"]["all_forms"]) == 10
    assert many == few


def test_other_organization_restricted_provider_and_other_patient_see_nothing(gql, world, keys, other_keys):
    patient, *_ = _setup(world)
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False))
    for key in (other_keys["owner"], restricted):
        for query in (FLOW, HAS):
            result = gql(query, {"user_id": str(patient.pk)}, key=key)
            assert error_codes(result) == ["NOT_FOUND"], result
    other_patient = factories.api_key(world.patients[1])
    assert error_codes(gql(HAS, {"user_id": str(patient.pk)}, key=other_patient)) == ["NOT_FOUND"]
    # A missing id, and ugly input, are answered in the documented forms.
    assert error_codes(gql(FLOW, {"user_id": "999999"}, key=keys["provider"])) == ["NOT_FOUND"]
    assert error_codes(gql(FLOW, {}, key=keys["provider"])) == ["BAD_USER_INPUT"]
    assert error_codes(gql(FLOW, {"user_id": "1\x00"}, key=keys["provider"])) in (["NOT_FOUND"], ["BAD_USER_INPUT"])
    assert error_codes(gql(FLOW, {"statuses": ["finished"]}, key=keys["provider"])) == ["BAD_USER_INPUT"]
    assert error_codes(gql(HAS, {"user_id": str(patient.pk)})) == ["UNAUTHENTICATED"]


def test_initial_form_answers_prefill_order(gql, world, keys):
    patient = world.patients[0]
    User.objects.filter(pk=patient.pk).update(first_name="Ada", dob=dt.date(1950, 3, 1))
    form = factories.form_template(world.org, ("text", "First name"), ("date", "Birth date"), ("text", "Allergies"),
                                   name="Intake")
    first, birth, allergies = form.custom_modules.order_by("position")
    CustomModule.objects.filter(pk=first.pk).update(hipaa_name="first_name")
    CustomModule.objects.filter(pk=birth.pk).update(hipaa_name="dob")
    variables = {"f": str(form.pk), "u": str(patient.pk)}

    # Nothing filled out yet: the profile values, as unsaved answers.
    answers = data_of(gql(INITIAL, variables, key=keys["provider"]))["initialFormAnswers"]
    assert answers == [{"id": f"new-{first.pk}", "answer": "Ada", "custom_module_id": str(first.pk)},
                       {"id": f"new-{birth.pk}", "answer": "1950-03-01", "custom_module_id": str(birth.pk)}]

    # A finished form is not reused unless the template prefills.
    _fill(world.provider, patient, form, [(allergies, "peanuts")])
    answers = data_of(gql(INITIAL, variables, key=keys["provider"]))["initialFormAnswers"]
    assert [a["answer"] for a in answers] == ["Ada", "1950-03-01"]
    form.prefill = True
    form.save()
    answers = data_of(gql(INITIAL, variables, key=keys["patient"]))["initialFormAnswers"]
    kept = FormAnswer.objects.get(custom_module=allergies)
    assert answers == [{"id": f"new-{first.pk}", "answer": "Ada", "custom_module_id": str(first.pk)},
                       {"id": f"new-{birth.pk}", "answer": "1950-03-01", "custom_module_id": str(birth.pk)},
                       {"id": str(kept.pk), "answer": "peanuts", "custom_module_id": str(allergies.pk)}]

    # An unfinished form wins, by id or as the latest of the template.
    draft = _fill(world.provider, patient, form, [(first, "Adeline")], finished=False)
    by_id = data_of(gql(INITIAL, {"i": str(draft.pk)}, key=keys["provider"]))["initialFormAnswers"]
    latest = data_of(gql(INITIAL, variables, key=keys["provider"]))["initialFormAnswers"]
    assert [a["answer"] for a in by_id] == [a["answer"] for a in latest] == ["Adeline", "1950-03-01"]


def test_initial_form_answers_hidden_and_bad_ids(gql, world, keys, other_keys):
    patient = world.patients[0]
    form = factories.form_template(world.org, ("text", "Allergies"), name="Intake")
    draft = _fill(world.provider, patient, form, [(form.custom_modules.get(), "x")], finished=False)
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False))
    for key in (other_keys["owner"], restricted):
        assert error_codes(gql(INITIAL, {"i": str(draft.pk)}, key=key)) == ["NOT_FOUND"]
    assert error_codes(gql(INITIAL, {"f": str(form.pk), "u": str(patient.pk)}, key=restricted)) == ["NOT_FOUND"]
    assert error_codes(gql(INITIAL, {"f": str(form.pk)}, key=other_keys["owner"])) == ["NOT_FOUND"]
    assert error_codes(gql(INITIAL, {}, key=keys["provider"])) == ["BAD_USER_INPUT"]
    assert error_codes(gql(INITIAL, {"f": "abc"}, key=keys["provider"])) == ["NOT_FOUND"]
    # Without a patient: no stored answers, no profile values.
    assert data_of(gql(INITIAL, {"f": str(form.pk)}, key=keys["provider"])) == {"initialFormAnswers": []}


def test_has_conditional_question_editing(gql, keys):
    assert data_of(gql("{ hasConditionalQuestionEditing }", key=keys["provider"])) == {
        "hasConditionalQuestionEditing": True}


def test_create_client_via_form_writes_client_and_finished_form(gql, world, keys):
    form = factories.form_template(world.org, ("text", "Allergies", "", True), name="Intake")
    question = form.custom_modules.get()
    mail.outbox.clear()
    result = data_of(gql(CREATE_CLIENT, {"input": {
        "custom_module_form_id": str(form.pk), "first_name": "Nora", "last_name": "Quinn",
        "email": "nora@example.com", "phone_number": "555-0100", "provider_id": str(world.provider.pk),
        "form_answers": [{"custom_module_id": str(question.pk), "answer": "penicillin"}]}},
        key=keys["provider"]))["createClientViaForm"]
    assert result["messages"] == []
    client = User.objects.get(email="nora@example.com")
    group = FormAnswerGroup.objects.get(user=client)
    assert (client.is_patient, client.dietitian_id, client.organization_id) == (True, world.provider.pk, world.org.pk)
    assert result["form_answer_group"] == {"id": str(group.pk), "finished": True,
                                           "user": {"id": str(client.pk), "email": "nora@example.com"},
                                           "form_answers": [{"answer": "penicillin"}]}
    assert set(Event.objects.filter(resource_id__in=[str(client.pk), str(group.pk)]).values_list(
        "event_type", flat=True)) == {"patient.created", "form_answer_group.created"}


def test_create_client_via_form_writes_nothing_on_failure(gql, world, keys, other_world, other_keys):
    form = factories.form_template(world.org, ("text", "Allergies", "", True), name="Intake")
    question = form.custom_modules.get()
    existing = world.patients[0]
    users, groups, events, queued = (User.objects.count(), FormAnswerGroup.objects.count(), Event.objects.count(),
                                     Job.objects.count())

    def create(key=keys["provider"], **fields):
        data = {"custom_module_form_id": str(form.pk), "first_name": "Nora", "last_name": "Quinn",
                "email": "nora@example.com",
                "form_answers": [{"custom_module_id": str(question.pk), "answer": "none"}], **fields}
        return data_of(gql(CREATE_CLIENT, {"input": data}, key=key))["createClientViaForm"]

    duplicate = create(email=existing.email.upper())
    assert duplicate["form_answer_group"] is None
    assert [m["field"] for m in duplicate["messages"]] == ["email"]
    missing_answer = create(form_answers=[])  # the question is required to finish the form
    assert [m["field"] for m in missing_answer["messages"]] == ["form_answers"]
    bad_question = create(form_answers=[{"custom_module_id": "999999", "answer": "x"}])
    assert bad_question["messages"][0]["code"] == "NOT_FOUND"
    other_form = factories.form_template(other_world.org, ("text", "Q"), name="Theirs")
    assert create(custom_module_form_id=str(other_form.pk))["messages"][0] == {
        "field": "custom_module_form_id", "message": "Form not found.", "code": "NOT_FOUND"}
    assert create(provider_id=str(other_world.owner.pk))["messages"][0]["field"] == "provider_id"
    assert [m["field"] for m in create(first_name="")["messages"]] == ["first_name"]
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False))
    hidden = create(key=restricted, provider_id=str(world.provider.pk))  # the new client would be hidden from them
    assert [m["field"] for m in hidden["messages"]] == ["provider_id"]
    assert (User.objects.count() - 1, FormAnswerGroup.objects.count(), Event.objects.count(),
            Job.objects.count()) == (users, groups, events, queued)  # (- 1: the restricted member)
    # Patients may not add clients.
    assert error_codes(gql(CREATE_CLIENT, {"input": {"custom_module_form_id": str(form.pk)}},
                           key=keys["patient"])) == ["FORBIDDEN"]
