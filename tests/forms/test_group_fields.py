"""The remaining FormAnswerGroup fields (audit trail from the event log, the fields of features
this product does not have yet), UserGroup.onboarding_flow / recurring_forms, and flat SQL
counts of the lists that select them."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.accounts.models import User, UserGroup
from apps.accounts.viewer import Viewer
from apps.forms.models import FormAnswerGroup
from apps.forms.services import charting
from apps.forms.services.answers import AnswerGroupInput, AnswerInput, form_answer_group_create
from apps.forms.services.requests import RequestCreate, request_create
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

GROUPS = """query G($user_id: String) { formAnswerGroups(user_id: $user_id, should_paginate: false) {
  id
  form_answer_group_audit_events { id action description committed_by { id } form_answer_group { id }
    related_object { __typename ... on ChartingNoteAddendumType { id } ... on FormAnswerGroupSigning { id } } }
  current_summary { id } form_answer_group_users_connections { id } individual_client_notes { id }
  documents { id } form_answer_group_prescriptions { id } lab_orders { id } narx_checks { id } cms1500 { id }
  offering_with_recommended_products { id }
} }"""
# The audit trail next to the fields that prefetch the same relations without it.
GROUPS_WITH_RELATIONS = GROUPS.replace(
    "  current_summary", "  charting_note_addendums { id } form_answer_group_signings { id }\n  current_summary")
USER_GROUPS = """{ userGroups(should_paginate: false) { id onboarding_flow { id name } recurring_forms { id }
                                                          recurring_forms_count } }"""


def _note(world, patient, name="Visit note"):
    form = factories.form_template(world.org, ("text", "Assessment"), name=name, use_for_charting=True)
    return form_answer_group_create(Viewer(user=world.owner), AnswerGroupInput(
        custom_module_form_id=form.pk, user_id=patient.pk, finished=True,
        form_answers=[AnswerInput(custom_module_id=form.custom_modules.get().pk, answer="stable")]))


def _history(world, group):
    owner = Viewer(user=world.owner)
    with transaction.atomic():
        charting.lock(owner, group.pk)
    with transaction.atomic():
        charting.unlock(owner, group.pk, "Typo in the assessment")
    with transaction.atomic():
        signed = charting.sign(owner, group.pk)
    with transaction.atomic():
        addendum = charting.create_addendum(owner, group.pk, "Called the family.")
    return signed.form_answer_group_signing, addendum


def test_audit_events_come_from_the_event_log_and_the_note(gql, world, keys):
    patient = world.patients[0]
    group = _note(world, patient)
    signing, addendum = _history(world, group)
    [row] = data_of(gql(GROUPS, {"user_id": str(patient.pk)}, key=keys["provider"]))["formAnswerGroups"]
    events = row["form_answer_group_audit_events"]
    assert [(e["action"], e["description"]) for e in events] == [
        ("LOCKED", None), ("UNLOCKED", "Typo in the assessment"), ("SIGNED", None), ("LOCKED", None),
        ("ADDENDUM_CREATED", "Called the family.")]
    assert {e["committed_by"]["id"] for e in events} == {str(world.owner.pk)}
    assert all(e["form_answer_group"] == {"id": str(group.pk)} for e in events)
    assert events[2]["related_object"] == {"__typename": "FormAnswerGroupSigning", "id": str(signing.pk)}
    assert events[4]["related_object"] == {"__typename": "ChartingNoteAddendumType", "id": str(addendum.pk)}
    assert len({e["id"] for e in events}) == 5
    # Features that come later answer empty or null.
    assert {k: v for k, v in row.items() if k not in ("id", "form_answer_group_audit_events")} == {
        "current_summary": None, "form_answer_group_users_connections": [], "individual_client_notes": [],
        "documents": [], "form_answer_group_prescriptions": [], "lab_orders": [], "narx_checks": [],
        "cms1500": None, "offering_with_recommended_products": None}
    # Patients read their notes without the internal audit trail.
    mine = data_of(gql(GROUPS, {}, key=keys["patient"]))["formAnswerGroups"]
    assert [g["form_answer_group_audit_events"] for g in mine] == [[]]


def test_audit_events_hidden_patient_and_other_organization(gql, world, keys, other_keys):
    patient = world.patients[0]
    group = _note(world, patient)
    _history(world, group)
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False))
    query = "query G($id: ID) { formAnswerGroup(id: $id) { form_answer_group_audit_events { id } } }"
    for key in (restricted, other_keys["owner"]):
        result = gql(query, {"id": str(group.pk)}, key=key)
        assert result["data"] == {"formAnswerGroup": None} and error_codes(result) == ["NOT_FOUND"]
        assert data_of(gql(GROUPS, {"user_id": str(patient.pk)}, key=key))["formAnswerGroups"] == []


def test_form_answer_group_list_with_audit_events_is_flat_in_sql(gql, world, keys, count_queries):
    patient = world.patients[0]

    def run():
        return data_of(gql(GROUPS_WITH_RELATIONS, {"user_id": str(patient.pk)},
                           key=keys["provider"]))["formAnswerGroups"]

    _history(world, _note(world, patient, "Note 0"))
    run()
    rows, few = count_queries(run)
    for n in range(1, 5):
        _history(world, _note(world, patient, f"Note {n}"))
    rows, many = count_queries(run)
    assert len(rows) == 5 and all(len(r["form_answer_group_audit_events"]) == 5 for r in rows)
    assert all(len(r["charting_note_addendums"]) == 1 and len(r["form_answer_group_signings"]) == 1 for r in rows)
    assert many == few


def test_charting_item_document_and_generated_type_answer_null(gql, world, keys):
    group = _note(world, world.patients[0])
    query = """query C($user_id: ID) { chartingItems(user_id: $user_id) { id document { id }
      generated_form_answer_group { id kind feedback rejection_reason generated_form_answers { id } } } }"""
    items = data_of(gql(query, {"user_id": str(world.patients[0].pk)}, key=keys["provider"]))["chartingItems"]
    assert items == [{"id": str(group.pk), "document": None, "generated_form_answer_group": None}]


def test_user_group_onboarding_flow_and_recurring_forms(gql, world, keys, other_world, count_queries):
    seniors = UserGroup.objects.create(organization=world.org, name="Seniors")
    juniors = UserGroup.objects.create(organization=world.org, name="Juniors")
    flow = factories.onboarding_flow(world.org, "Intake flow", seniors)
    a, b, c = world.patients
    User.objects.filter(pk__in=[a.pk, b.pk]).update(user_group=seniors)
    form = factories.requestable_form(world.org)
    with transaction.atomic():
        request_create(Viewer(user=world.provider), RequestCreate(
            recipient_ids=f"{a.pk},{b.pk}", form=form.pk, is_recurring=True, frequency="Daily"))
    recurring = {r.recipient_id: r.pk for r in a.recurring_forms.model.objects.all()}
    result = {g["id"]: g for g in data_of(gql(USER_GROUPS, key=keys["provider"]))["userGroups"]}
    assert result[str(seniors.pk)] == {"id": str(seniors.pk), "onboarding_flow": {"id": str(flow.pk),
                                                                                  "name": "Intake flow"},
                                       "recurring_forms": [{"id": str(recurring[a.pk])},
                                                           {"id": str(recurring[b.pk])}],
                                       "recurring_forms_count": 2}
    assert result[str(juniors.pk)]["onboarding_flow"] is None and result[str(juniors.pk)]["recurring_forms"] == []

    # A restricted provider only counts the recurring forms of patients they see.
    restricted = factories.member(world.org, can_see_all_clients=False)
    User.objects.filter(pk=a.pk).update(dietitian=restricted)
    seen = data_of(gql(USER_GROUPS, key=factories.api_key(restricted)))["userGroups"]
    assert {g["id"]: g["recurring_forms_count"] for g in seen}[str(seniors.pk)] == 1

    # More groups with flows and recurring forms cost no more queries.
    _, few = count_queries(lambda: data_of(gql(USER_GROUPS, key=keys["provider"])))
    for n in range(4):
        group = UserGroup.objects.create(organization=world.org, name=f"G{n}", onboarding_flow_id=flow.pk)
        patient = factories.patient(world.org, provider=world.provider, group=group)
        with transaction.atomic():
            request_create(Viewer(user=world.provider), RequestCreate(
                recipient_ids=str(patient.pk), form=form.pk, is_recurring=True, frequency="Daily"))
    rows, many = count_queries(lambda: data_of(gql(USER_GROUPS, key=keys["provider"])))
    assert len(rows["userGroups"]) == 6 and many == few
    assert FormAnswerGroup.objects.count() == 0
