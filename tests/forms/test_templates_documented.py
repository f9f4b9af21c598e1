"""The documented template operations, sent verbatim over HTTP with data."""

from __future__ import annotations

import pytest

from apps.core.jobs import email
from apps.core.jobs.models import Job
from apps.forms.models import CustomModule, CustomModuleForm
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import data_of

pytestmark = pytest.mark.django_db


def make_form(world: factories.World, name: str = "Health History", **fields) -> CustomModuleForm:
    form = CustomModuleForm.objects.create(organization=world.org, user=world.provider, name=name, **fields)
    CustomModule.objects.create(custom_module_form=form, mod_type="text", label="Allergies", position=0,
                                hipaa_name="allergies")
    CustomModule.objects.create(custom_module_form=form, mod_type="matrix", label="Symptoms", position=1,
                                options="Cough\nFever")
    return form


def test_form_templates_documented(gql, world, keys):
    make_form(world, "Health History")
    make_form(world, "Consent", use_for_charting=True)
    result = data_of(gql(documented_operation("1459_formTemplates.graphql"),
                         {"keywords": "health", "sortBy": "name", "offset": 0}, key=keys["provider"]))
    assert result == {"customModuleForms": [{"id": result["customModuleForms"][0]["id"], "is_video": False,
                                             "name": "Health History", "prefill": False,
                                             "uploaded_by_healthie_team": False}]}
    charting = data_of(gql(documented_operation("1459_formTemplates.graphql"), {"category": "charting"},
                           key=keys["provider"]))
    assert [f["name"] for f in charting["customModuleForms"]] == ["Consent"]


def test_form_documented_anonymous_and_member(gql, world, keys):
    form = make_form(world)
    query = documented_operation("1503_form.graphql")
    for key in (None, keys["patient"], keys["staff"]):
        result = data_of(gql(query, {"id": str(form.pk)}, key=key))["customModuleForm"]
        assert result["name"] == "Health History" and result["has_matrix_field"] is True
        assert result["has_non_readonly_modules"] is True
        assert [(m["mod_type"], m["hipaa_name"]) for m in result["custom_modules"]] == [
            ("text", "allergies"), ("matrix", "")]


def test_create_update_delete_documented(gql, world, keys):
    created = data_of(gql(documented_operation("1533_createCustomModuleForm.graphql"),
                          {"name": "Intake", "use_for_charting": True, "use_for_program": False},
                          key=keys["provider"]))["createCustomModuleForm"]
    assert created["messages"] == []
    form = CustomModuleForm.objects.get(pk=created["customModuleForm"]["id"])
    assert form.name == "Intake" and form.use_for_charting and form.organization_id == world.org.pk
    updated = data_of(gql(documented_operation("1566_updateCustomModuleForm.graphql"),
                          {"id": str(form.pk), "name": "Intake v2", "is_archived": True},
                          key=keys["provider"]))["updateCustomModuleForm"]
    assert updated == {"customModuleForm": {"id": str(form.pk)}, "messages": []}
    form.refresh_from_db()
    assert form.name == "Intake v2" and form.archived_at is not None
    deleted = data_of(gql(documented_operation("1603_deleteCustomModuleForm.graphql"), {"id": str(form.pk)},
                          key=keys["provider"]))["deleteCustomModuleForm"]
    assert deleted == {"customModuleForm": {"id": str(form.pk)}, "messages": []}
    form.refresh_from_db()
    assert form.deleted_at is not None


def test_copy_documented_id_and_id_list(gql, world, keys):
    one, two = make_form(world, "A"), make_form(world, "B")
    query = documented_operation("1628_copyCustomModuleForm.graphql")
    copied = data_of(gql(query, {"id": str(one.pk)}, key=keys["staff"]))["copyCustomModuleForm"]
    assert copied["messages"] == []
    copy = CustomModuleForm.objects.get(pk=copied["customModuleForm"]["id"])
    assert copy.copied_from_id == one.pk and copy.user_id == world.staff.pk
    assert list(copy.custom_modules.values_list("label", flat=True)) == ["Allergies", "Symptoms"]
    before = CustomModuleForm.objects.count()
    listed = data_of(gql(query, {"id_list": f"{one.pk}, {two.pk}"}, key=keys["staff"]))["copyCustomModuleForm"]
    assert listed["messages"] == [] and CustomModuleForm.objects.count() == before + 2


def test_share_documented_sends_mail(gql, world, keys):
    form = make_form(world)
    result = data_of(gql(documented_operation("1661_shareCustomModuleForm.graphql"),
                         {"id": str(form.pk), "form_share_recipient": world.staff.email.upper()},
                         key=keys["provider"]))["shareCustomModuleForm"]
    assert result["messages"] == []
    copy = CustomModuleForm.objects.get(pk=result["customModuleForm"]["id"])
    assert copy.user_id == world.staff.pk and copy.pk != form.pk and copy.custom_modules.count() == 2
    # The copy is independent: editing it leaves the original alone.
    copy.custom_modules.update(label="changed")
    assert set(form.custom_modules.values_list("label", flat=True)) == {"Allergies", "Symptoms"}
    jobs = [email.message_of(job) for job in Job.objects.filter(kind=email.KIND)]
    assert [m["to"] for m in jobs] == [[world.staff.email]] and "Health History" in jobs[0]["body"]
