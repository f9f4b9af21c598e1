"""One error policy for accounts mutations: an id that does not exist, or that belongs to another
organization, is a ``messages`` entry on the input field that carried it, with code NOT_FOUND,
and nothing is written (no row, no event)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import ApiKey, AppliedTag, Location, OrganizationMembership, Tag, User, UserGroup
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

MISSING = "987654321"
MESSAGES = "messages { field message code }"


@pytest.fixture
def foreign(other_world) -> dict[str, str]:
    """One id of each kind in the other organization."""
    org = other_world.org
    group = UserGroup.objects.create(organization=org, name="Foreign group")
    tag = Tag.objects.create(organization=org, user=other_world.owner, name="Foreign tag")
    AppliedTag.objects.create(tag=tag, user=other_world.patients[0])
    factories.api_key(other_world.provider)
    return {
        "patient": str(other_world.patients[0].pk),
        "provider": str(other_world.provider.pk),
        "group": str(group.pk),
        "tag": str(tag.pk),
        "location": str(Location.objects.create(organization=org, user=other_world.patients[0], city="Far").pk),
        "membership": str(OrganizationMembership.objects.get(user=other_world.provider).pk),
        "api_key": str(ApiKey.objects.get(user=other_world.provider).pk),
        "organization": str(factories.organization("Foreign branch", parent=org).pk),
        "email": other_world.patients[0].email,
        "onboarding_flow": MISSING,  # no onboarding flow exists in any organization yet
    }


def missing_targets() -> dict[str, str]:
    return {"patient": MISSING, "provider": MISSING, "group": MISSING, "tag": MISSING, "location": MISSING,
            "membership": MISSING, "api_key": MISSING, "organization": MISSING, "onboarding_flow": MISSING,
            "email": "nobody-here@example.com"}


# (mutation, input with $v where the id goes, the kind of id, the input field, the message).
# "OWN_PATIENT", "OWN_GROUP" and "OWN_TAG" stand for valid ids of the caller's organization.
CASES: list[tuple[str, str, str, str, str]] = [
    ("createApiKey", 'user_id: $v, name: "k"', "patient", "user_id", "User not found."),
    ("deleteApiKey", "id: $v", "api_key", "id", "API key not found."),
    ("createClient", 'first_name: "A", last_name: "B", email: "ab@example.com", dietitian_id: $v',
     "provider", "dietitian_id", "Provider not found."),
    ("createClient", 'first_name: "A", last_name: "B", email: "ab@example.com", user_group_id: $v',
     "group", "user_group_id", "User group not found."),
    ("updateClient", 'id: $v, first_name: "Changed"', "patient", "id", "Patient not found."),
    ("updateClient", "id: $v, resend_welcome: true", "patient", "id", "Patient not found."),
    ("updateClient", 'id: "OWN_PATIENT", user_group_id: $v', "group", "user_group_id", "User group not found."),
    ("updateClient", 'id: "OWN_PATIENT", dietitian_id: $v', "provider", "dietitian_id", "Provider not found."),
    ("bulkUpdateClients", "ids: $v, active_status: false", "patient", "ids", "Some patients were not found."),
    ("bulkUpdateClients", 'ids: ["OWN_PATIENT"], user_group_id: $v', "group", "user_group_id",
     "User group not found."),
    ("updateUser", 'id: $v, first_name: "Changed"', "patient", "id", "Patient not found."),
    ("updateUser", 'current_email: $v, first_name: "Changed"', "email", "current_email", "User not found."),
    ("createOrganizationMembership", 'organization_id: $v, first_name: "N", last_name: "M", '
     'email: "nm@example.com"', "organization", "organization_id", "Organization not found."),
    ("updateOrganizationMembership", 'id: $v, title: "Changed"', "membership", "id",
     "Organization membership not found."),
    ("updateOrganizationMembership", 'email: $v, title: "Changed"', "email", "email",
     "Organization membership not found."),
    ("deleteOrganizationMembership", "id: $v", "membership", "id", "Organization membership not found."),
    ("updateUserGroup", 'id: $v, name: "Changed"', "group", "id", "User group not found."),
    ("updateUserGroup", 'id: "OWN_GROUP", name: "Changed", onboarding_flow_id: $v', "onboarding_flow",
     "onboarding_flow_id", "Onboarding flow not found."),
    ("deleteUserGroup", "id: $v", "group", "id", "User group not found."),
    ("deleteUserGroup", 'id: "OWN_GROUP", group_to_receive_clients: $v', "group", "group_to_receive_clients",
     "User group not found."),
    ("createTag", 'name: "New", taggable_user_id: $v', "patient", "taggable_user_id", "User not found."),
    ("updateTag", 'id: $v, name: "Changed"', "tag", "id", "Tag not found."),
    ("deleteTag", "id: $v", "tag", "id", "Tag not found."),
    ("bulkApply", 'ids: $v, taggable_user_id: "OWN_PATIENT"', "tag", "ids", "Some tags were not found."),
    ("bulkApply", 'ids: ["OWN_TAG"], taggable_user_id: $v', "patient", "taggable_user_id", "User not found."),
    ("removeAppliedTag", 'id: $v, taggable_user_id: "OWN_PATIENT"', "tag", "id", "Tag not found."),
    ("removeAppliedTag", 'id: "OWN_TAG", taggable_user_id: $v', "patient", "taggable_user_id", "User not found."),
    ("createLocation", 'user_id: $v, city: "X"', "patient", "user_id", "User not found."),
    ("updateLocation", 'id: $v, city: "Changed"', "location", "id", "Location not found."),
]

# The payload field that would hold the result, per mutation.
RESULT_FIELD = {
    "createApiKey": "api_key", "deleteApiKey": "api_key { id }", "createClient": "user { id }",
    "updateClient": "user { id }", "bulkUpdateClients": "users { id }", "updateUser": "user { id }",
    "createOrganizationMembership": "organizationMembership { id }",
    "updateOrganizationMembership": "organizationMembership { id }",
    "deleteOrganizationMembership": "organizationMembership { id }", "updateUserGroup": "user_group { id }",
    "deleteUserGroup": "user_group { id }", "createTag": "tag { id }", "updateTag": "tag { id }",
    "deleteTag": "tag { id }", "bulkApply": "tags { id }", "removeAppliedTag": "tag { id }",
    "createLocation": "location { id }", "updateLocation": "location { id }",
}
# Variable types as the inputs declare them.
STRING_ID_INPUTS = {("createClient", "dietitian_id"), ("createClient", "user_group_id"),
                    ("updateClient", "dietitian_id"), ("updateClient", "user_group_id"),
                    ("updateUser", "current_email"), ("updateOrganizationMembership", "email"),
                    ("createLocation", "user_id")}
LIST_FIELDS = {"ids"}


def _variable_type(mutation: str, field: str) -> str:
    if field in LIST_FIELDS:
        return "[ID!]" if mutation == "bulkUpdateClients" else "[ID]"
    if mutation == "deleteUserGroup" and field == "id":
        return "ID!"
    return "String" if (mutation, field) in STRING_ID_INPUTS else "ID"


def _document(mutation: str, arguments: str, field: str, own: dict[str, str]) -> str:
    for placeholder, value in own.items():
        arguments = arguments.replace(f'"{placeholder}"', f'"{value}"')
    return (f"mutation($v: {_variable_type(mutation, field)}) {{ {mutation}(input: {{{arguments}}}) "
            f"{{ {RESULT_FIELD[mutation]} {MESSAGES} }} }}")


def snapshot() -> dict[str, Any]:
    """Everything these mutations could write."""
    return {
        "users": sorted(User.objects.values_list("pk", "first_name", "active", "user_group_id", "dietitian_id",
                                                 "signup_token_hash", "password")),
        "memberships": sorted(OrganizationMembership.objects.values_list("pk", "title", "active")),
        "groups": sorted(UserGroup.objects.values_list("pk", "name", "onboarding_flow_id")),
        "tags": sorted(Tag.objects.values_list("pk", "name")),
        "applied": sorted(AppliedTag.objects.values_list("tag_id", "user_id")),
        "locations": sorted(Location.objects.values_list("pk", "user_id", "city")),
        "keys": sorted(ApiKey.objects.values_list("pk", "revoked_at")),
        "events": Event.objects.count(),
    }


@pytest.mark.parametrize("which", ["missing", "foreign"])
@pytest.mark.parametrize("mutation,arguments,kind,field,message", CASES,
                         ids=[f"{c[0]}.{c[3]}" for c in CASES])
def test_missing_or_foreign_id_is_a_not_found_message_on_its_field(
    gql, world, keys, foreign, which, mutation, arguments, kind, field, message
):
    group = UserGroup.objects.create(organization=world.org, name="Own group")
    tag = Tag.objects.create(organization=world.org, user=world.owner, name="Own tag")
    AppliedTag.objects.create(tag=tag, user=world.patients[1])
    own = {"OWN_PATIENT": str(world.patients[1].pk), "OWN_GROUP": str(group.pk), "OWN_TAG": str(tag.pk)}
    value = (foreign if which == "foreign" else missing_targets())[kind]
    if _variable_type(mutation, field).startswith("["):
        value = [value]
    before = snapshot()
    result = data_of(gql(_document(mutation, arguments, field, own), {"v": value}, key=keys["owner"]))[mutation]
    assert result["messages"] == [{"field": field, "message": message, "code": "NOT_FOUND"}]
    assert all(v is None for k, v in result.items() if k != "messages"), result
    assert snapshot() == before


def test_sign_up_with_a_missing_provider_is_not_found_on_dietitian_id(gql, world):
    before = snapshot()
    result = data_of(gql(
        "mutation($v: String) { signUp(input: {first_name: \"A\", last_name: \"B\", email: \"ab@example.com\", "
        f"password: \"correct horse battery staple\", dietitian_id: $v}}) {{ user {{ id }} {MESSAGES} }} }}",
        {"v": MISSING}))["signUp"]
    assert result == {"user": None, "messages": [
        {"field": "dietitian_id", "message": "Provider not found.", "code": "NOT_FOUND"}]}
    assert snapshot() == before


def test_every_accounts_mutation_with_an_id_is_covered():
    """A new accounts mutation taking an id must join the table above."""
    from schema.accounts.mutations import Mutation

    taking_ids = {"createApiKey", "deleteApiKey", "signUp", "createClient", "updateClient", "bulkUpdateClients",
                  "updateUser", "createOrganizationMembership", "updateOrganizationMembership",
                  "deleteOrganizationMembership", "updateUserGroup", "deleteUserGroup", "createTag", "updateTag",
                  "deleteTag", "bulkApply", "removeAppliedTag", "createLocation", "updateLocation"}
    without_ids = {"signIn", "signOut", "createGroup"}
    declared = {f.name for f in Mutation.__strawberry_definition__.fields}
    assert declared == taking_ids | without_ids
    assert {c[0] for c in CASES} | {"signUp"} == taking_ids
