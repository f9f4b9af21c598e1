"""Onboarding flows, items and completions over HTTP: the documented operations with data,
visibility (other organization, patients), ugly input and flat SQL counts."""

from __future__ import annotations

import json

import pytest

from apps.accounts.models import UserGroup
from apps.forms.models import CompletedOnboardingItem, OnboardingFlow, OnboardingItem
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

NOT_FOUND = "Onboarding flow not found."


def _group(world, name="Seniors"):
    return UserGroup.objects.create(organization=world.org, name=name)


def test_documented_create_update_list_and_get_flow(gql, world, keys):
    a, b = _group(world, "A"), _group(world, "B")
    created = data_of(gql(documented_operation("1766_createOnboardingFlow.graphql"),
                          {"name": "  Intake flow ", "groups_to_use_onboarding_flow": f"{a.pk},{b.pk}"},
                          key=keys["provider"]))["createOnboardingFlow"]
    assert created["messages"] == []
    flow = OnboardingFlow.objects.get(pk=created["onboardingFlow"]["id"])
    assert flow.name == "Intake flow" and flow.organization_id == world.org.pk
    assert set(UserGroup.objects.filter(onboarding_flow_id=flow.pk).values_list("name", flat=True)) == {"A", "B"}

    updated = data_of(gql(documented_operation("1795_updateOnboardingFlow.graphql"),
                          {"id": str(flow.pk), "name": "Renamed", "groups_to_use_onboarding_flow": str(b.pk)},
                          key=keys["owner"]))["updateOnboardingFlow"]
    assert updated == {"onboardingFlow": {"id": str(flow.pk)}, "messages": []}
    assert list(UserGroup.objects.filter(onboarding_flow_id=flow.pk).values_list("name", flat=True)) == ["B"]

    factories.onboarding_flow(world.org, "Another")
    listed = data_of(gql(documented_operation("1708_onboardingFlows.graphql"),
                         {"offset": 0, "keywords": "REN", "sort_by": "name_asc", "should_paginate": True},
                         key=keys["staff"]))["onboardingFlows"]
    assert listed == [{"id": str(flow.pk), "name": "Renamed", "is_multiple_providers": False,
                       "has_forms_after_welcome": False}]

    patient = world.patients[0]
    patient.user_group = b
    patient.save()
    for variables in ({"id": str(flow.pk)}, {"user_id": str(patient.pk)}):
        got = data_of(gql(documented_operation("1740_onboardingFlow.graphql"), variables,
                          key=keys["provider"]))["onboardingFlow"]
        assert got["id"] == str(flow.pk) and got["name"] == "Renamed"


def test_patient_sees_only_the_flow_of_their_group(gql, world, keys):
    group = _group(world)
    mine = factories.onboarding_flow(world.org, "Mine", group)
    other = factories.onboarding_flow(world.org, "Not mine")
    world.patients[0].user_group = group
    world.patients[0].save()
    query = documented_operation("1740_onboardingFlow.graphql")
    # user_id is ignored for a patient: they always get their own flow.
    got = data_of(gql(query, {"user_id": str(world.patients[1].pk)}, key=keys["patient"]))["onboardingFlow"]
    assert got["id"] == str(mine.pk)
    hidden = gql(query, {"id": str(other.pk)}, key=keys["patient"])
    assert hidden["data"] == {"onboardingFlow": None} and error_codes(hidden) == ["NOT_FOUND"]
    listed = data_of(gql("query F { onboardingFlows { id user_groups { id } } }", key=keys["patient"]))
    assert listed["onboardingFlows"] == [{"id": str(mine.pk), "user_groups": []}]


def test_delete_flow_moves_groups_to_the_receiving_flow(gql, world, keys):
    group = _group(world)
    old = factories.onboarding_flow(world.org, "Old", group)
    new = factories.onboarding_flow(world.org, "New")
    query = """mutation D($id: ID, $to: ID) { deleteOnboardingFlow(input: {id: $id, flow_to_receive_groups: $to}) {
        onboardingFlow { id } messages { field message } } }"""
    same = data_of(gql(query, {"id": str(old.pk), "to": str(old.pk)}, key=keys["provider"]))["deleteOnboardingFlow"]
    assert same["messages"] == [{"field": "flow_to_receive_groups", "message": "A flow cannot receive its own groups."}]
    done = data_of(gql(query, {"id": str(old.pk), "to": str(new.pk)}, key=keys["provider"]))["deleteOnboardingFlow"]
    assert done == {"onboardingFlow": {"id": str(old.pk)}, "messages": []}
    group.refresh_from_db()
    assert group.onboarding_flow_id == new.pk
    assert OnboardingFlow.objects.get(pk=old.pk).deleted_at is not None
    again = data_of(gql(query, {"id": str(old.pk)}, key=keys["provider"]))["deleteOnboardingFlow"]
    assert again["messages"] == [{"field": "id", "message": NOT_FOUND}]


def test_documented_item_operations(gql, world, keys):
    flow = factories.onboarding_flow(world.org)
    form = factories.requestable_form(world.org, "Consent")
    created = data_of(gql(documented_operation("1897_createOnboardingItem.graphql"),
                          {"onboarding_flow_id": str(flow.pk), "item_type": "Insurance Form", "is_skippable": True},
                          key=keys["provider"]))["createOnboardingItem"]
    assert created["messages"] == []
    item = OnboardingItem.objects.get(pk=created["onboardingItem"]["id"])
    assert (item.item_type, item.is_skippable, item.display_name) == ("Insurance Form", True, "Insurance Form")

    as_json = json.dumps({"type": "Module Form", "id": str(form.pk)})
    second = data_of(gql(documented_operation("1897_createOnboardingItem.graphql"),
                         {"onboarding_flow_id": str(flow.pk), "item_type": as_json, "is_skippable": False},
                         key=keys["provider"]))["createOnboardingItem"]
    form_item = OnboardingItem.objects.get(pk=second["onboardingItem"]["id"])
    assert (form_item.item_id, form_item.display_name, form_item.row_order) == (form.pk, "Consent", 2)

    got = data_of(gql(documented_operation("1877_getOnboardingItem.graphql"), {"id": str(item.pk)},
                      key=keys["staff"]))["onboardingItem"]
    assert got == {"id": str(item.pk), "item_type": "Insurance Form", "display_name": "Insurance Form",
                   "is_skippable": True, "onboarding_flow": {"id": str(flow.pk)}}

    moved = data_of(gql(documented_operation("1931_updateOnboardingItem.graphql"),
                        {"id": str(item.pk), "onboarding_flow_id": str(flow.pk), "item_type": "Financial Agreement",
                         "item_id": None, "is_skippable": False, "row_order": 5},
                        key=keys["provider"]))["updateOnboardingItem"]
    assert moved == {"onboardingItem": {"id": str(item.pk)}, "messages": []}
    item.refresh_from_db()
    assert (item.item_type, item.is_skippable, item.row_order) == ("Financial Agreement", False, 5)

    types = json.loads(data_of(gql(documented_operation("1995_getAvailableItemTypes.graphql"),
                                   {"onboarding_flow_id": str(flow.pk)}, key=keys["provider"]))["availableItemTypes"])
    names = [t["name"] for t in types]
    assert "Financial Agreement" not in names and "Insurance Form" in names and "Module Form" in names
    assert all(set(t) == {"id", "name"} for t in types)

    deleted = data_of(gql(documented_operation("1975_deleteOnboardingItem.graphql"), {"id": str(item.pk)},
                          key=keys["provider"]))["deleteOnboardingItem"]
    assert deleted == {"onboardingItem": {"id": str(item.pk)}, "messages": []}
    assert not OnboardingItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(("variables", "field", "message"), [
    ({"item_type": "Teleportation"}, "item_type", "item_type is not one of availableItemTypes."),
    ({"item_type": "{not json"}, "item_type", "item_type is not valid JSON."),
    ({"item_type": "[]"}, "item_type", 'item_type must look like {"type":"Module Form","id":"1"}.'),
    ({"item_type": '{"type":"Module Form","id":"999999"}'}, "item_id", "Form not found."),
    ({"item_type": "Insurance Form", "onboarding_flow_id": "1e3"}, "onboarding_flow_id", NOT_FOUND),
    ({"item_type": "Insurance Form", "onboarding_flow_id": "\u0661"}, "onboarding_flow_id", NOT_FOUND),
    ({"item_type": None}, "item_type", "item_type is not one of availableItemTypes."),
])
def test_create_item_ugly_input(gql, world, keys, variables, field, message):
    flow = factories.onboarding_flow(world.org)
    result = data_of(gql(documented_operation("1897_createOnboardingItem.graphql"),
                         {"onboarding_flow_id": str(flow.pk), "is_skippable": True, **variables},
                         key=keys["provider"]))["createOnboardingItem"]
    assert result == {"onboardingItem": None, "messages": [{"field": field, "message": message}]}
    assert OnboardingItem.objects.count() == 0


def test_built_in_step_only_once_and_foreign_form_refused(gql, world, keys, other_world):
    flow = factories.onboarding_flow(world.org)
    factories.onboarding_item(flow, "Welcome")
    foreign = factories.requestable_form(other_world.org)
    query = documented_operation("1897_createOnboardingItem.graphql")
    twice = data_of(gql(query, {"onboarding_flow_id": str(flow.pk), "item_type": "Welcome", "is_skippable": True},
                        key=keys["provider"]))["createOnboardingItem"]
    assert twice["messages"] == [{"field": "item_type", "message": "The flow already has a Welcome item."}]
    other = json.dumps([{"type": "Module Form", "id": str(foreign.pk)}])
    refused = data_of(gql(query, {"onboarding_flow_id": str(flow.pk), "item_type": other, "is_skippable": True},
                          key=keys["provider"]))["createOnboardingItem"]
    assert refused["messages"] == [{"field": "item_id", "message": "Form not found."}]


def test_ugly_flow_input(gql, world, keys):
    query = documented_operation("1766_createOnboardingFlow.graphql")
    blank = data_of(gql(query, {"name": "   "}, key=keys["provider"]))["createOnboardingFlow"]
    assert blank["onboardingFlow"] is None and blank["messages"][0]["field"] == "name"
    bad_groups = data_of(gql(query, {"name": "X", "groups_to_use_onboarding_flow": "1,abc"},
                             key=keys["provider"]))["createOnboardingFlow"]
    assert bad_groups == {"onboardingFlow": None, "messages": [
        {"field": "groups_to_use_onboarding_flow", "message": "User group not found."}]}
    assert OnboardingFlow.objects.count() == 0  # the failed create left nothing behind
    sort = gql("query F { onboardingFlows(sort_by: \"shoe_size\") { id } }", key=keys["provider"])
    assert sort["data"] is None and error_codes(sort) == ["BAD_USER_INPUT"]


def test_other_organization_and_patients_cannot_manage_flows(gql, world, keys, other_world, other_keys):
    foreign_group = UserGroup.objects.create(organization=other_world.org, name="Theirs")
    flow = factories.onboarding_flow(world.org)
    item = factories.onboarding_item(flow)
    update = documented_operation("1795_updateOnboardingFlow.graphql")
    result = data_of(gql(update, {"id": str(flow.pk), "name": "Stolen"}, key=other_keys["owner"]))
    assert result["updateOnboardingFlow"]["messages"] == [{"field": "id", "message": NOT_FOUND}]
    result = data_of(gql(update, {"id": str(flow.pk), "groups_to_use_onboarding_flow": str(foreign_group.pk)},
                         key=keys["provider"]))
    assert result["updateOnboardingFlow"]["messages"][0]["field"] == "groups_to_use_onboarding_flow"
    got = gql(documented_operation("1877_getOnboardingItem.graphql"), {"id": str(item.pk)}, key=other_keys["owner"])
    assert got["data"] == {"onboardingItem": None} and error_codes(got) == ["NOT_FOUND"]
    assert data_of(gql("query F { onboardingFlows { id } }", key=other_keys["owner"]))["onboardingFlows"] == []
    denied = gql(documented_operation("1766_createOnboardingFlow.graphql"), {"name": "Mine"}, key=keys["patient"])
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert OnboardingFlow.objects.get(pk=flow.pk).name == "Intake flow"


def test_completed_items_documented(gql, world, keys):
    group = _group(world)
    flow = factories.onboarding_flow(world.org, "Flow", group)
    item = factories.onboarding_item(flow, "Insurance Form", is_skippable=True)
    mandatory = factories.onboarding_item(flow, "Welcome", is_skippable=False, row_order=2)
    patient = world.patients[0]
    patient.user_group = group
    patient.save()
    create = documented_operation("2036_createCompletedOnboardingItem.graphql")
    done = data_of(gql(create, {"onboarding_item_id": str(item.pk), "skipped": True},
                       key=keys["patient"]))["createCompletedOnboardingItem"]
    completion = CompletedOnboardingItem.objects.get(pk=done["completed_onboarding_item"]["id"])
    assert (completion.user_id, completion.skipped, completion.item_type) == (patient.pk, True, "Insurance Form")
    # Marking it again (now done, not skipped) updates the one completion.
    data_of(gql(create, {"onboarding_item_id": str(item.pk), "skipped": False}, key=keys["patient"]))
    assert CompletedOnboardingItem.objects.filter(user=patient).count() == 1
    completion.refresh_from_db()
    assert completion.skipped is False
    refused = data_of(gql("""mutation C($i: ID) { createCompletedOnboardingItem(input: {onboarding_item_id: $i,
        skipped: true}) { completed_onboarding_item { id } messages { field message } } }""",
                          {"i": str(mandatory.pk)}, key=keys["patient"]))["createCompletedOnboardingItem"]
    assert refused["messages"] == [{"field": "skipped", "message": "This onboarding item cannot be skipped."}]

    # The patient's flow changes: the completion is no longer associated with it.
    unassociated = documented_operation("2011_getUnassociatedCompletedOnboardingItems.graphql")
    assert data_of(gql(unassociated, {"user_id": str(patient.pk)},
                       key=keys["provider"]))["unassociatedCompletedOnboardingItems"] == []
    group.onboarding_flow_id = factories.onboarding_flow(world.org, "Newer").pk
    group.save()
    rows = data_of(gql(unassociated, {"user_id": str(patient.pk)},
                       key=keys["provider"]))["unassociatedCompletedOnboardingItems"]
    assert rows == [{"id": str(completion.pk), "item_type": "Insurance Form", "item_id": None,
                     "onboarding_item_id": str(item.pk), "skipped": False, "user": {"id": str(patient.pk)}}]
    mine = data_of(gql(unassociated, {}, key=keys["patient"]))["unassociatedCompletedOnboardingItems"]
    assert [r["id"] for r in mine] == [str(completion.pk)]


def test_completions_of_hidden_or_foreign_patients_are_missing(gql, world, keys, other_world, other_keys):
    flow = factories.onboarding_flow(world.org)
    item = factories.onboarding_item(flow)
    restricted = factories.member(world.org, can_see_all_clients=False)
    restricted_key = factories.api_key(restricted)
    hidden = world.patients[1]  # Paula's patient, not the restricted member's
    CompletedOnboardingItem.objects.create(user=hidden, item_type="X")
    create = """mutation C($i: ID, $u: ID) { createCompletedOnboardingItem(input: {onboarding_item_id: $i,
        user_id: $u, skipped: false}) { completed_onboarding_item { id } messages { field message } } }"""
    result = data_of(gql(create, {"i": str(item.pk), "u": str(hidden.pk)},
                         key=restricted_key))["createCompletedOnboardingItem"]
    assert result["messages"] == [{"field": "user_id", "message": "Patient not found."}]
    result = data_of(gql(create, {"i": str(item.pk), "u": str(hidden.pk)},
                         key=other_keys["owner"]))["createCompletedOnboardingItem"]
    assert result["completed_onboarding_item"] is None
    unassociated = documented_operation("2011_getUnassociatedCompletedOnboardingItems.graphql")
    assert data_of(gql(unassociated, {"user_id": str(hidden.pk)},
                       key=restricted_key))["unassociatedCompletedOnboardingItems"] == []
    assert data_of(gql(unassociated, {"user_id": str(hidden.pk)},
                       key=other_keys["owner"]))["unassociatedCompletedOnboardingItems"] == []
    # A patient cannot complete an item of a flow that is not theirs.
    result = data_of(gql(create, {"i": str(item.pk)}, key=keys["patient"]))["createCompletedOnboardingItem"]
    assert result["messages"] == [{"field": "onboarding_item_id", "message": "Onboarding item not found."}]


def test_update_user_group_accepts_an_own_flow_only(gql, world, keys, other_world):
    group = _group(world)
    mine = factories.onboarding_flow(world.org)
    theirs = factories.onboarding_flow(other_world.org)
    query = """mutation U($id: ID, $f: ID) { updateUserGroup(input: {id: $id, onboarding_flow_id: $f}) {
        user_group { id onboarding_flow_id } messages { field message } } }"""
    ok = data_of(gql(query, {"id": str(group.pk), "f": str(mine.pk)}, key=keys["provider"]))["updateUserGroup"]
    assert ok == {"user_group": {"id": str(group.pk), "onboarding_flow_id": str(mine.pk)}, "messages": []}
    bad = data_of(gql(query, {"id": str(group.pk), "f": str(theirs.pk)}, key=keys["provider"]))["updateUserGroup"]
    assert bad["messages"] == [{"field": "onboarding_flow_id", "message": "Onboarding flow not found."}]
    group.refresh_from_db()
    assert group.onboarding_flow_id == mine.pk


def test_flow_list_sql_count_is_flat(gql, world, keys, count_queries):
    groups = [_group(world, f"G{i}") for i in range(3)]
    for i in range(12):
        flow = factories.onboarding_flow(world.org, f"Flow {i:02d}", groups[i % 3])
        factories.onboarding_item(flow, "Welcome")
        factories.onboarding_item(flow, "Insurance Form", row_order=2)
    query = """query F($n: Int) { onboardingFlows(page_size: $n) { id name user_groups { id name }
        user_groups_count onboarding_items { id is_last_item onboarding_flow { id } completed_onboarding_item { id } }
        onboarding_items_count } }"""
    counts = {}
    gql("{ currentUser { id } }", key=keys["provider"])  # the key's last_used_at write happens once
    for size in (2, 10):
        result, counts[size] = count_queries(lambda size=size: gql(query, {"n": size}, key=keys["provider"]))
        flows = data_of(result)["onboardingFlows"]
        assert len(flows) == size
        assert [i["is_last_item"] for i in flows[0]["onboarding_items"]] == [False, True]
    assert counts[2] == counts[10]


def test_user_flags_for_open_steps_and_requests(gql, world, keys):
    group = _group(world)
    flow = factories.onboarding_flow(world.org, "Flow", group)
    item = factories.onboarding_item(flow)
    patient = world.patients[0]
    patient.user_group = group
    patient.save()
    form = factories.requestable_form(world.org)
    query = """query U($id: ID) { user(id: $id) { any_incomplete_onboarding_steps
        any_incomplete_requested_form_completions } }"""
    flags = data_of(gql(query, {"id": str(patient.pk)}, key=keys["provider"]))["user"]
    assert flags == {"any_incomplete_onboarding_steps": True, "any_incomplete_requested_form_completions": False}
    CompletedOnboardingItem.objects.create(user=patient, onboarding_item=item, item_type=item.item_type)
    from apps.forms.models import RequestedFormCompletion

    RequestedFormCompletion.objects.create(organization=world.org, sender=world.provider, recipient=patient,
                                           custom_module_form=form)
    flags = data_of(gql(query, {"id": str(patient.pk)}, key=keys["provider"]))["user"]
    assert flags == {"any_incomplete_onboarding_steps": False, "any_incomplete_requested_form_completions": True}


def test_user_flags_in_user_lists_keep_sql_flat(gql, world, keys, count_queries):
    group = _group(world)
    factories.onboarding_item(factories.onboarding_flow(world.org, "Flow", group))
    for _ in range(12):
        factories.patient(world.org, provider=world.provider, group=group)
    query = """query($n: Int) { users(page_size: $n) { id any_incomplete_onboarding_steps
        any_incomplete_requested_form_completions } }"""
    gql("{ currentUser { id } }", key=keys["owner"])
    counts = {}
    for size in (2, 10):
        result, counts[size] = count_queries(lambda size=size: gql(query, {"n": size}, key=keys["owner"]))
        users = data_of(result)["users"]
        assert len(users) == size and all(u["any_incomplete_onboarding_steps"] is not None for u in users)
    assert counts[2] == counts[10]
