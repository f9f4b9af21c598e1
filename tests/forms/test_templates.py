"""Templates and questions: security, questions (types, conditions, order), ugly input, flat SQL."""

from __future__ import annotations

import pytest

from apps.forms.models import CustomModule, CustomModuleForm, FormAnswer, FormAnswerGroup
from tests import factories
from tests.conftest import data_of, error_codes
from tests.forms.test_templates_documented import make_form

pytestmark = pytest.mark.django_db

FORM = """query F($id: ID) { customModuleForm(id: $id) { id name form_answer_groups { id }
  custom_modules { id label options_array custom_module_condition { conditional_custom_module_id filter_type
  value_to_filter } controls_conditional_modules position_integer copied_from_form_name } } }"""
CREATE_MODULE = """mutation C($input: createCustomModuleInput) { createCustomModule(input: $input) {
  customModule { id mod_type label position_integer required } messages { field message } } }"""
UPDATE_MODULE = """mutation U($input: updateCustomModuleInput) { updateCustomModule(input: $input) {
  customModule { id label options options_array position_integer custom_module_condition { filter_type } }
  messages { field message } } }"""
DELETE_MODULE = """mutation D($id: ID) { deleteCustomModule(input: {id: $id}) { customModule { id }
  messages { field message } } }"""
UPDATE_FORM = """mutation U($id: ID, $name: String) { updateCustomModuleForm(input: {id: $id, name: $name}) {
  customModuleForm { id name } messages { field message } } }"""
LIST = """query L($page_size: Int) { customModuleForms(page_size: $page_size, should_paginate: true) { id name
  has_matrix_field has_non_readonly_modules user { id } custom_modules { id label custom_module_form { id }
  controls_conditional_modules copied_from_form_name } form_answer_groups { id } } customModuleFormsCount }"""
MODULES = """query M($page_size: Int) { customModules(page_size: $page_size) { id label custom_module_form { name }
  controls_conditional_modules copied_from_form_name custom_module_condition { id } } }"""


def labels(form: CustomModuleForm) -> list[str]:
    return list(form.custom_modules.order_by("position", "id").values_list("label", flat=True))


def answered(world, form: CustomModuleForm, patient) -> FormAnswerGroup:
    group = FormAnswerGroup.objects.create(organization=world.org, custom_module_form=form, user=patient,
                                           finished=True)
    FormAnswer.objects.create(form_answer_group=group, custom_module=form.custom_modules.first(), answer="peanuts")
    return group


def test_anonymous_reads_template_but_never_answers(gql, world, keys):
    form = make_form(world)
    group = answered(world, form, world.patients[0])
    anonymous = data_of(gql(FORM, {"id": str(form.pk)}))["customModuleForm"]
    assert anonymous["form_answer_groups"] == [] and len(anonymous["custom_modules"]) == 2
    assert data_of(gql(FORM, {"id": str(form.pk)}, key=keys["provider"]))["customModuleForm"][
        "form_answer_groups"] == [{"id": str(group.pk)}]
    # Another patient of the organization reads the template, not someone else's answers.
    assert data_of(gql(FORM, {"id": str(form.pk)}, key=factories.api_key(world.patients[1])))[
        "customModuleForm"]["form_answer_groups"] == []
    assert data_of(gql(FORM, {"id": str(form.pk)}, key=keys["patient"]))["customModuleForm"][
        "form_answer_groups"] == [{"id": str(group.pk)}]
    # The list and every mutation still need credentials.
    assert error_codes(gql(LIST, {})) == ["UNAUTHENTICATED"]
    assert error_codes(gql(UPDATE_FORM, {"id": str(form.pk), "name": "x"})) == ["UNAUTHENTICATED"]


def test_restricted_provider_sees_no_hidden_patients_answers(gql, world):
    form = make_form(world)
    answered(world, form, world.patients[0])
    restricted = factories.member(world.org, can_see_all_clients=False)
    result = data_of(gql(FORM, {"id": str(form.pk)}, key=factories.api_key(restricted)))["customModuleForm"]
    assert result["form_answer_groups"] == []


def test_other_organization_is_missing(gql, world, other_world, other_keys):
    form = make_form(world)
    hidden = gql(FORM, {"id": str(form.pk)}, key=other_keys["owner"])
    missing = gql(FORM, {"id": "99999999"}, key=other_keys["owner"])
    assert hidden == missing and hidden["data"] == {"customModuleForm": None}
    assert error_codes(hidden) == ["NOT_FOUND"]
    assert data_of(gql(LIST, {}, key=other_keys["owner"]))["customModuleForms"] == []
    result = data_of(gql(UPDATE_FORM, {"id": str(form.pk), "name": "stolen"}, key=other_keys["owner"]))
    missing = data_of(gql(UPDATE_FORM, {"id": "999999", "name": "stolen"}, key=other_keys["owner"]))
    assert result["updateCustomModuleForm"]["messages"] == missing["updateCustomModuleForm"]["messages"]
    assert result["updateCustomModuleForm"]["messages"][0]["field"] == "id"
    module = form.custom_modules.first()
    other = data_of(gql(DELETE_MODULE, {"id": str(module.pk)}, key=other_keys["owner"]))["deleteCustomModule"]
    assert other["customModule"] is None and CustomModule.objects.filter(pk=module.pk).exists()
    form.refresh_from_db()
    assert form.name == "Health History"


def test_patient_cannot_edit(gql, world, keys):
    form = make_form(world)
    result = gql(UPDATE_FORM, {"id": str(form.pk), "name": "mine"}, key=keys["patient"])
    assert error_codes(result) == ["FORBIDDEN"]
    result = gql(CREATE_MODULE, {"input": {"custom_module_form_id": str(form.pk), "mod_type": "text"}},
                 key=keys["patient"])
    assert error_codes(result) == ["FORBIDDEN"]
    form.refresh_from_db()
    assert form.name == "Health History" and form.custom_modules.count() == 2


def test_questions_create_place_reorder_and_delete(gql, world, keys):
    form = make_form(world)
    key = keys["provider"]
    first = data_of(gql(CREATE_MODULE, {"input": {"custom_module_form_id": str(form.pk), "mod_type": "radio",
                                                  "label": "Smoker?", "required": True, "index": 0}}, key=key))
    created = first["createCustomModule"]
    assert created["messages"] == [] and created["customModule"]["required"] is True
    assert labels(form) == ["Smoker?", "Allergies", "Symptoms"]
    data_of(gql(CREATE_MODULE, {"input": {"custom_module_form_id": str(form.pk), "mod_type": "label",
                                          "label": "Thanks"}}, key=key))
    assert labels(form)[-1] == "Thanks"
    smoker = created["customModule"]["id"]
    moved = data_of(gql(UPDATE_MODULE, {"input": {"id": smoker, "index": 2, "options_array": ["Yes", " No ", ""]}},
                        key=key))["updateCustomModule"]
    assert moved["messages"] == [] and moved["customModule"]["options"] == "Yes\nNo"
    assert moved["customModule"]["options_array"] == ["Yes", "No"]
    assert labels(form) == ["Allergies", "Symptoms", "Smoker?", "Thanks"]
    assert data_of(gql(DELETE_MODULE, {"id": smoker}, key=key))["deleteCustomModule"]["messages"] == []
    assert labels(form) == ["Allergies", "Symptoms", "Thanks"]
    assert list(form.custom_modules.order_by("position").values_list("position", flat=True)) == [0, 1, 2]


def test_conditional_display_and_copy_keeps_it_inside_the_copy(gql, world, keys):
    form = make_form(world)
    allergies, symptoms = form.custom_modules.order_by("position")
    result = data_of(gql(UPDATE_MODULE, {"input": {"id": str(symptoms.pk), "custom_module_condition": {
        "conditional_custom_module_id": str(allergies.pk), "filter_type": "equal", "value_to_filter": "yes"}}},
        key=keys["provider"]))["updateCustomModule"]
    assert result["messages"] == [] and result["customModule"]["custom_module_condition"] == {"filter_type": "equal"}
    read = data_of(gql(FORM, {"id": str(form.pk)}, key=keys["provider"]))["customModuleForm"]["custom_modules"]
    assert read[0]["controls_conditional_modules"] is True and read[1]["controls_conditional_modules"] is False
    assert read[1]["custom_module_condition"]["conditional_custom_module_id"] == str(allergies.pk)
    copied = data_of(gql("mutation($id: ID) { copyCustomModuleForm(input: {id: $id}) { customModuleForm { id } } }",
                         {"id": str(form.pk)}, key=keys["provider"]))["copyCustomModuleForm"]["customModuleForm"]
    copy = data_of(gql(FORM, {"id": copied["id"]}, key=keys["provider"]))["customModuleForm"]["custom_modules"]
    assert copy[1]["custom_module_condition"]["conditional_custom_module_id"] == copy[0]["id"]
    assert copy[0]["copied_from_form_name"] == "Health History"
    removed = data_of(gql(UPDATE_MODULE, {"input": {"id": str(symptoms.pk), "custom_module_condition": {
        "_destroy": True}}}, key=keys["provider"]))["updateCustomModule"]
    assert removed["customModule"]["custom_module_condition"] is None


@pytest.mark.parametrize(("change", "field"), [
    ({"mod_type": "rocket"}, "mod_type"),
    ({"mod_type": None}, "mod_type"),
    ({"label": "x" * 20_001}, "label"),
    ({"label": "nul\x00"}, "label"),
    ({"metadata": "{not json"}, "metadata"),
    ({"index": -1}, "index"),
    ({"parent_custom_module_id": "abc"}, "parent_custom_module_id"),
    ({"custom_module_form_id": "1 OR 1=1"}, "custom_module_form_id"),
    ({"custom_module_form_id": "99999999999999999999999"}, "custom_module_form_id"),
])
def test_create_question_ugly_input_writes_nothing(gql, world, keys, change, field):
    form = make_form(world)
    values = {"custom_module_form_id": str(form.pk), "mod_type": "text", "label": "ok", **change}
    result = data_of(gql(CREATE_MODULE, {"input": values}, key=keys["provider"]))["createCustomModule"]
    assert result["customModule"] is None and result["messages"][0]["field"] == field
    assert form.custom_modules.count() == 2


def test_condition_must_point_inside_the_form(gql, world, keys):
    form, other = make_form(world), make_form(world, "Other")
    target = other.custom_modules.first()
    module = form.custom_modules.first()
    for rule in ({"conditional_custom_module_id": str(target.pk)},
                 {"conditional_custom_module_id": str(module.pk)},
                 {"conditional_custom_module_id": str(form.custom_modules.last().pk), "filter_type": "DROP"}):
        result = data_of(gql(UPDATE_MODULE, {"input": {"id": str(module.pk), "custom_module_condition": rule}},
                             key=keys["provider"]))["updateCustomModule"]
        assert result["messages"][0]["field"].startswith("custom_module_condition")
    module.refresh_from_db()
    assert module.custom_module_condition is None


def test_form_ugly_input(gql, world, keys):
    create = "mutation($name: String) { createCustomModuleForm(input: {name: $name}) { customModuleForm { id } " \
             "messages { field message } } }"
    for name in (None, "   ", "x" * 256):
        result = data_of(gql(create, {"name": name}, key=keys["provider"]))["createCustomModuleForm"]
        assert result["customModuleForm"] is None and result["messages"][0]["field"] == "name"
    assert CustomModuleForm.objects.count() == 0
    copy = "mutation($id: ID, $l: String, $u: String) { copyCustomModuleForm(input: {id: $id, id_list: $l, " \
           "user_id: $u}) { customModuleForm { id } messages { field } } }"
    form = make_form(world)
    for variables, field in (({}, "id"), ({"l": ",,"}, "id_list"), ({"l": f"{form.pk},abc"}, "id_list"),
                             ({"id": str(form.pk), "u": str(world.staff.pk)}, "user_id")):
        result = data_of(gql(copy, variables, key=keys["provider"]))["copyCustomModuleForm"]
        assert result["customModuleForm"] is None and result["messages"][0]["field"] == field
    assert CustomModuleForm.objects.count() == 1
    share = "mutation($id: ID, $to: String) { shareCustomModuleForm(input: {id: $id, form_share_recipient: $to}) " \
            "{ customModuleForm { id } messages { field } } }"
    for to in (None, "nobody@example.com", world.patients[0].email, "x" * 300):
        result = data_of(gql(share, {"id": str(form.pk), "to": to}, key=keys["provider"]))["shareCustomModuleForm"]
        assert result["messages"][0]["field"] == "form_share_recipient"
    assert CustomModuleForm.objects.count() == 1
    bad_sort = gql("query { customModuleForms(sort_by: \"drop table\") { id } }", key=keys["provider"])
    assert bad_sort["data"] is None or bad_sort["data"]["customModuleForms"] is None


def test_archive_and_list_filters(gql, world, keys):
    live, archived = make_form(world, "Live"), make_form(world, "Old")
    data_of(gql("mutation($id: ID) { updateCustomModuleForm(input: {id: $id, is_archived: true}) { messages "
                "{ field } } }", {"id": str(archived.pk)}, key=keys["staff"]))
    listed = "query($a: Boolean) { customModuleForms(active_status: $a) { name } customModuleFormsCount(" \
             "active_status: $a) }"
    assert data_of(gql(listed, {}, key=keys["staff"])) == {"customModuleForms": [{"name": "Live"}],
                                                          "customModuleFormsCount": 1}
    assert data_of(gql(listed, {"a": True}, key=keys["staff"]))["customModuleForms"] == [{"name": "Old"}]
    # Archived stays readable by id; deleted does not.
    assert data_of(gql(FORM, {"id": str(archived.pk)}, key=keys["staff"]))["customModuleForm"]["name"] == "Old"
    data_of(gql("mutation($id: ID) { deleteCustomModuleForm(input: {id: $id}) { messages { field } } }",
                {"id": str(live.pk)}, key=keys["staff"]))
    gone = gql(FORM, {"id": str(live.pk)})
    assert gone["data"] == {"customModuleForm": None} and error_codes(gone) == ["NOT_FOUND"]


def test_question_with_answers_cannot_be_deleted(gql, world, keys):
    form = make_form(world)
    answered(world, form, world.patients[0])
    module = form.custom_modules.first()
    result = data_of(gql(DELETE_MODULE, {"id": str(module.pk)}, key=keys["provider"]))["deleteCustomModule"]
    assert result["messages"][0]["field"] == "id" and CustomModule.objects.filter(pk=module.pk).exists()


def test_question_file_can_be_detached(gql, world, keys):
    # Uploading a question's file is tested in tests/forms/test_files.py.
    module = make_form(world).custom_modules.first()
    # A question's stored file can be detached (the file itself stays: copies share it).
    CustomModule.objects.filter(pk=module.pk).update(file_attachment="forms/2026/01/map.pdf")
    detach = "mutation($id: ID) { deleteCustomModuleFileAttachment(input: {file_attachment_id: $id}) { " \
             "file_attachment { id url } messages { field } } }"
    done = data_of(gql(detach, {"id": str(module.pk)}, key=keys["provider"]))["deleteCustomModuleFileAttachment"]
    assert done["messages"] == [] and done["file_attachment"]["id"] == str(module.pk)
    module.refresh_from_db()
    assert not module.file_attachment
    again = data_of(gql(detach, {"id": str(module.pk)}, key=keys["provider"]))["deleteCustomModuleFileAttachment"]
    assert again["messages"] == [{"field": "file_attachment_id"}]


def test_list_sql_count_is_flat(gql, world, keys, count_queries):
    for n in range(12):
        form = make_form(world, f"Form {n:02}")
        symptoms = form.custom_modules.last()
        symptoms.custom_module_condition = {"conditional_custom_module_id": str(form.custom_modules.first().pk),
                                            "filter_type": "equal", "value_to_filter": "x"}
        symptoms.save()
        answered(world, form, world.patients[n % 3])
    counts = {}
    gql(LIST, {"page_size": 1}, key=keys["provider"])  # the key's first use writes once; measure after it
    for query, name in ((LIST, "customModuleForms"), (MODULES, "customModules")):
        for size in (2, 10):
            result, counts[(name, size)] = count_queries(lambda q=query, s=size: gql(q, {"page_size": s},
                                                                                      key=keys["provider"]))
            assert len(data_of(result)[name]) == size
        assert counts[(name, 2)] == counts[(name, 10)], counts


def test_copy_question_lands_right_after_it(gql, world, keys):
    form = make_form(world)
    first = form.custom_modules.order_by("position").first()
    result = data_of(gql("mutation($id: ID) { copyCustomModule(input: {id: $id}) { customModule { id label "
                         "position_integer } messages { field } } }", {"id": str(first.pk)},
                         key=keys["provider"]))["copyCustomModule"]
    assert result["messages"] == [] and result["customModule"]["position_integer"] == 1
    assert labels(form) == ["Allergies", "Allergies", "Symptoms"]


def test_scribe_instructions_are_stored_and_shown(gql, world, keys, other_keys):
    form = make_form(world)
    mutation = "mutation($id: ID!, $text: String) { setCustomModuleFormScribeInstructions(input: " \
               "{custom_module_form_id: $id, custom_instructions: $text}) { customModuleForm { customInstructions } " \
               "messages { field } } }"
    result = data_of(gql(mutation, {"id": str(form.pk), "text": "Be brief"}, key=keys["provider"]))
    assert result["setCustomModuleFormScribeInstructions"]["customModuleForm"] == {"customInstructions": "Be brief"}
    other = data_of(gql(mutation, {"id": str(form.pk), "text": "x"}, key=other_keys["owner"]))
    assert other["setCustomModuleFormScribeInstructions"]["messages"] == [{"field": "custom_module_form_id"}]


def test_sorting_and_keywords(gql, world, keys):
    for name in ("Bravo", "Alpha", "Charlie"):
        make_form(world, name)
    query = "query($s: String, $o: CustomModuleFormOrderKeys) { customModuleForms(sort_by: $s, order_by: $o) " \
            "{ name } }"
    names = lambda **v: [f["name"] for f in data_of(gql(query, v, key=keys["staff"]))["customModuleForms"]]  # noqa: E731
    assert names(s="name_desc") == ["Charlie", "Bravo", "Alpha"]
    assert names(o="CREATED_AT_ASC") == ["Bravo", "Alpha", "Charlie"]
    modules = data_of(gql("{ customModules(keywords: \"sympt\") { label custom_module_form { name } } }",
                          key=keys["patient"]))["customModules"]
    assert sorted(m["custom_module_form"]["name"] for m in modules) == ["Alpha", "Bravo", "Charlie"]
    assert error_codes(gql("{ customModules { id } }")) == ["UNAUTHENTICATED"]
