"""Tenancy and authorization: foreign ids look missing, patients stay in their lane,
anonymous callers reach only the public operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)

from apps.accounts.models import (
    ApiKey,
    AppliedTag,
    Location,
    OrganizationMembership,
    Tag,
    User,
    UserGroup,
)
from apps.announcements.models import Announcement
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

MISSING = "987654321"


@dataclass
class Targets:
    """Ids of one record of each kind, either in the other organization or nonexistent."""

    patient: str
    provider: str
    group: str
    tag: str
    location: str
    membership: str
    api_key: str
    announcement: str
    organization: str
    email: str


@pytest.fixture
def foreign(other_world) -> Targets:
    org = other_world.org
    sub = factories.organization("Foreign branch", parent=org)
    group = UserGroup.objects.create(organization=org, name="Foreign group")
    tag = Tag.objects.create(organization=org, user=other_world.owner, name="Foreign tag")
    AppliedTag.objects.create(tag=tag, user=other_world.patients[0])
    location = Location.objects.create(organization=org, user=other_world.patients[0], city="Elsewhere")
    factories.api_key(other_world.provider)
    announcement = Announcement.objects.create(organization=org, user=other_world.owner, title="Foreign")
    return Targets(
        patient=str(other_world.patients[0].pk), provider=str(other_world.provider.pk), group=str(group.pk),
        tag=str(tag.pk), location=str(location.pk),
        membership=str(OrganizationMembership.objects.get(user=other_world.provider).pk),
        api_key=str(ApiKey.objects.get(user=other_world.provider).pk), announcement=str(announcement.pk),
        organization=str(sub.pk), email=other_world.patients[0].email,
    )


MISSING_TARGETS = Targets(*([MISSING] * 9), email="nobody-at-all@example.com")

# (name, operation, variables from the targets). Every accounts query and mutation that takes an id.
CASES: list[tuple[str, str, Callable[[Targets], dict[str, Any]]]] = [
    ("user", "query($id: ID) { user(id: $id) { id } }", lambda t: {"id": t.patient}),
    ("user provider", "query($id: ID) { user(id: $id) { id } }", lambda t: {"id": t.provider}),
    ("users group", "query($g: String) { users(group_id: $g) { id } usersCount(group_id: $g) }",
     lambda t: {"g": t.group}),
    ("users provider", "query($p: String) { users(provider_id: $p) { id } usersCount(provider_id: $p) }",
     lambda t: {"p": t.provider}),
    ("users keywords id", "query($k: String) { users(keywords: $k) { id } }", lambda t: {"k": t.patient}),
    ("users keywords email", "query($k: String) { users(keywords: $k) { id } }", lambda t: {"k": t.email}),
    ("organization id", "query($id: ID) { organization(id: $id) { id } }", lambda t: {"id": t.organization}),
    ("organization provider", "query($id: ID) { organization(provider_id: $id) { id } }",
     lambda t: {"id": t.provider}),
    ("organization providers", "query($ids: [ID]) { organization(provider_ids: $ids) { id } }",
     lambda t: {"ids": [t.provider]}),
    ("organization email", "query($e: String) { organization(email: $e) { id } }", lambda t: {"e": t.email}),
    ("organizationMembers", "query($k: String) { organizationMembers(keywords: $k) { id } "
     "organizationMembersCount(keywords: $k) }", lambda t: {"k": t.provider}),
    ("organizationMembers email", "query($k: String) { organizationMembers(keywords: $k) { id } }",
     lambda t: {"k": t.email}),
    ("userGroup", "query($id: ID) { userGroup(id: $id) { id } }", lambda t: {"id": t.group}),
    ("tags", "query($ids: [ID!]) { tags(ids: $ids) { id } }", lambda t: {"ids": [t.tag]}),
    ("announcement", "query($id: ID) { announcement(id: $id) { id } }", lambda t: {"id": t.announcement}),
    ("createApiKey", "mutation($u: ID) { createApiKey(input: {user_id: $u, name: \"x\"}) { api_key "
     "messages { field message } } }", lambda t: {"u": t.patient}),
    ("deleteApiKey", "mutation($id: ID) { deleteApiKey(input: {id: $id}) { api_key { id } "
     "messages { field message } } }", lambda t: {"id": t.api_key}),
    ("createClient dietitian", "mutation($d: String) { createClient(input: {first_name: \"A\", last_name: \"B\", "
     "email: \"ab@example.com\", dietitian_id: $d}) { user { id } messages { field message } } }",
     lambda t: {"d": t.provider}),
    ("createClient group", "mutation($g: String) { createClient(input: {first_name: \"A\", last_name: \"B\", "
     "email: \"ab@example.com\", user_group_id: $g}) { user { id } messages { field message } } }",
     lambda t: {"g": t.group}),
    ("updateClient", "mutation($id: ID) { updateClient(input: {id: $id, first_name: \"Hacked\"}) { user { id } "
     "messages { field message } } }", lambda t: {"id": t.patient}),
    ("updateClient resend", "mutation($id: ID) { updateClient(input: {id: $id, resend_welcome: true}) "
     "{ user { id } messages { field message } } }", lambda t: {"id": t.patient}),
    ("updateClient group", "mutation($g: String) { updateClient(input: {id: \"OWN\", user_group_id: $g}) "
     "{ user { id } messages { field message } } }", lambda t: {"g": t.group}),
    ("updateClient dietitian", "mutation($d: String) { updateClient(input: {id: \"OWN\", dietitian_id: $d}) "
     "{ user { id } messages { field message } } }", lambda t: {"d": t.provider}),
    ("bulkUpdateClients", "mutation($ids: [ID!]) { bulkUpdateClients(input: {ids: $ids, active_status: false}) "
     "{ users { id } messages { field message } } }", lambda t: {"ids": [t.patient]}),
    ("bulkUpdateClients group", "mutation($g: ID) { bulkUpdateClients(input: {ids: [\"OWN\"], user_group_id: $g}) "
     "{ users { id } messages { field message } } }", lambda t: {"g": t.group}),
    ("updateUser id", "mutation($id: ID) { updateUser(input: {id: $id, first_name: \"Hacked\"}) { user { id } "
     "messages { field message } } }", lambda t: {"id": t.patient}),
    ("updateUser email", "mutation($e: String) { updateUser(input: {current_email: $e, first_name: \"Hacked\"}) "
     "{ user { id } messages { field message } } }", lambda t: {"e": t.email}),
    ("createOrganizationMembership", "mutation($o: ID) { createOrganizationMembership(input: {organization_id: $o, "
     "first_name: \"N\", last_name: \"M\", email: \"nm@example.com\"}) { organizationMembership { id } "
     "messages { field message } } }", lambda t: {"o": t.organization}),
    ("updateOrganizationMembership", "mutation($id: ID) { updateOrganizationMembership(input: {id: $id, "
     "title: \"Hacked\"}) { organizationMembership { id } messages { field message } } }",
     lambda t: {"id": t.membership}),
    ("updateOrganizationMembership email", "mutation($e: String) { updateOrganizationMembership(input: "
     "{email: $e, title: \"Hacked\"}) { organizationMembership { id } messages { field message } } }",
     lambda t: {"e": t.email}),
    ("deleteOrganizationMembership", "mutation($id: ID) { deleteOrganizationMembership(input: {id: $id}) "
     "{ organizationMembership { id } messages { field message } } }", lambda t: {"id": t.membership}),
    ("updateUserGroup", "mutation($id: ID) { updateUserGroup(input: {id: $id, name: \"Hacked\"}) "
     "{ user_group { id } messages { field message } } }", lambda t: {"id": t.group}),
    ("deleteUserGroup", "mutation($id: ID!) { deleteUserGroup(input: {id: $id}) "
     "{ user_group { id } messages { field message } } }", lambda t: {"id": t.group}),
    ("deleteUserGroup receiver", "mutation($g: ID) { deleteUserGroup(input: {id: \"OWN_GROUP\", "
     "group_to_receive_clients: $g}) { user_group { id } messages { field message } } }",
     lambda t: {"g": t.group}),
    ("createTag", "mutation($u: ID) { createTag(input: {name: \"New tag\", taggable_user_id: $u}) "
     "{ tag { id } messages { field message } } }", lambda t: {"u": t.patient}),
    ("updateTag", "mutation($id: ID) { updateTag(input: {id: $id, name: \"Hacked\"}) "
     "{ tag { id } messages { field message } } }", lambda t: {"id": t.tag}),
    ("deleteTag", "mutation($id: ID) { deleteTag(input: {id: $id}) { tag { id } messages { field message } } }",
     lambda t: {"id": t.tag}),
    ("bulkApply tags", "mutation($ids: [ID]) { bulkApply(input: {ids: $ids, taggable_user_id: \"OWN\"}) "
     "{ tags { id } messages { field message } } }", lambda t: {"ids": [t.tag]}),
    ("bulkApply user", "mutation($u: ID) { bulkApply(input: {ids: [\"OWN_TAG\"], taggable_user_id: $u}) "
     "{ tags { id } messages { field message } } }", lambda t: {"u": t.patient}),
    ("removeAppliedTag", "mutation($id: ID) { removeAppliedTag(input: {id: $id, taggable_user_id: \"OWN\"}) "
     "{ tag { id } messages { field message } } }", lambda t: {"id": t.tag}),
    ("removeAppliedTag user", "mutation($u: ID) { removeAppliedTag(input: {id: \"OWN_TAG\", taggable_user_id: $u}) "
     "{ tag { id } messages { field message } } }", lambda t: {"u": t.patient}),
    ("createLocation", "mutation($u: String) { createLocation(input: {user_id: $u, city: \"X\"}) "
     "{ location { id } messages { field message } } }", lambda t: {"u": t.patient}),
    ("updateLocation", "mutation($id: ID) { updateLocation(input: {id: $id, city: \"Hacked\"}) "
     "{ location { id } messages { field message } } }", lambda t: {"id": t.location}),
    ("updateAnnouncement", "mutation($id: ID) { updateAnnouncement(input: {id: $id, title: \"Hacked\"}) "
     "{ announcement { id } messages { field message } } }", lambda t: {"id": t.announcement}),
    ("deleteAnnouncement", "mutation($id: ID) { deleteAnnouncement(input: {id: $id}) "
     "{ announcement { id } messages { field message } } }", lambda t: {"id": t.announcement}),
]


def _snapshot() -> dict[str, object]:
    """Everything these operations could write, to prove a refused call wrote nothing."""
    return {
        "users": sorted(User.objects.values_list("pk", "first_name", "active", "user_group_id", "dietitian_id",
                                                 "signup_token_hash")),
        "memberships": sorted(OrganizationMembership.objects.values_list("pk", "title", "active")),
        "groups": sorted(UserGroup.objects.values_list("pk", "name")),
        "tags": sorted(Tag.objects.values_list("pk", "name")),
        "applied": sorted(AppliedTag.objects.values_list("tag_id", "user_id")),
        "locations": sorted(Location.objects.values_list("pk", "city")),
        "keys": sorted(ApiKey.objects.values_list("pk", "revoked_at")),
        "announcements": sorted(Announcement.objects.values_list("pk", "title")),
    }


# How each case refuses (the error policy in docs/errors.md): a lookup query answers null and a
# top-level NOT_FOUND; a filter matches nothing; a mutation answers a messages entry with code
# NOT_FOUND on the input field that carried the id.
LOOKUP, EMPTY = "lookup", "empty"
REFUSAL = {
    "user": LOOKUP, "user provider": LOOKUP, "organization id": LOOKUP, "organization provider": LOOKUP,
    "organization providers": LOOKUP, "organization email": LOOKUP, "userGroup": LOOKUP, "announcement": LOOKUP,
    "users group": EMPTY, "users provider": EMPTY, "users keywords id": EMPTY, "users keywords email": EMPTY,
    "organizationMembers": EMPTY, "organizationMembers email": EMPTY, "tags": EMPTY,
    "createApiKey": "user_id", "deleteApiKey": "id", "createClient dietitian": "dietitian_id",
    "createClient group": "user_group_id", "updateClient": "id", "updateClient resend": "id",
    "updateClient group": "user_group_id", "updateClient dietitian": "dietitian_id", "bulkUpdateClients": "ids",
    "bulkUpdateClients group": "user_group_id", "updateUser id": "id", "updateUser email": "current_email",
    "createOrganizationMembership": "organization_id", "updateOrganizationMembership": "id",
    "updateOrganizationMembership email": "email", "deleteOrganizationMembership": "id", "updateUserGroup": "id",
    "deleteUserGroup": "id", "deleteUserGroup receiver": "group_to_receive_clients", "createTag": "taggable_user_id",
    "updateTag": "id", "deleteTag": "id", "bulkApply tags": "ids", "bulkApply user": "taggable_user_id",
    "removeAppliedTag": "id", "removeAppliedTag user": "taggable_user_id", "createLocation": "user_id",
    "updateLocation": "id", "updateAnnouncement": "id", "deleteAnnouncement": "id",
}


def test_every_case_says_how_it_is_refused():
    assert set(REFUSAL) == {c[0] for c in CASES}


@pytest.mark.parametrize("name,operation,variables", CASES, ids=[c[0] for c in CASES])
def test_foreign_id_answers_like_missing_id(gql, world, keys, foreign, name, operation, variables):
    # Digit-free names and e-mails in the caller's organization, so an id used as a search keyword
    # can only match by id (not as a substring of "patient12@..." or "Provider12").
    for user in User.objects.filter(organization=world.org):
        letters = "".join(chr(ord("a") + int(d)) for d in str(user.pk))
        User.objects.filter(pk=user.pk).update(email=f"own-{letters}@example.com", last_name=f"Own {letters}",
                                               first_name=f"Name {letters}")
    own_group = UserGroup.objects.create(organization=world.org, name="Own group")
    own_tag = Tag.objects.create(organization=world.org, user=world.owner, name="Own tag")
    AppliedTag.objects.create(tag=own_tag, user=world.patients[1])
    operation = (operation.replace('"OWN_GROUP"', f'"{own_group.pk}"').replace('"OWN_TAG"', f'"{own_tag.pk}"')
                 .replace('"OWN"', f'"{world.patients[1].pk}"')
                 .replace("messages { field message }", "messages { field message code }"))
    before = _snapshot()
    foreign_result = gql(operation, variables(foreign), key=keys["owner"])
    missing_result = gql(operation, variables(MISSING_TARGETS), key=keys["owner"])
    assert foreign_result == missing_result
    assert _snapshot() == before
    # Not an accidental success: refused the one way this kind of field refuses.
    data = foreign_result["data"]
    if REFUSAL[name] == LOOKUP:
        assert data == dict.fromkeys(data, None) and error_codes(foreign_result) == ["NOT_FOUND"], foreign_result
    elif REFUSAL[name] == EMPTY:
        assert foreign_result == {"data": {k: 0 if k.endswith("Count") else [] for k in data}}
    else:
        (payload,) = data.values()
        assert [(m["field"], m["code"]) for m in payload["messages"]] == [(REFUSAL[name], "NOT_FOUND")], payload
        assert {k: v for k, v in payload.items() if k != "messages"} == dict.fromkeys(set(payload) - {"messages"})


def test_patient_cannot_read_another_patient(gql, world, keys):
    other = world.patients[1]
    result = gql("query($id: ID) { user(id: $id) { id email } }", {"id": str(other.pk)}, key=keys["patient"])
    missing = gql("query($id: ID) { user(id: $id) { id email } }", {"id": MISSING}, key=keys["patient"])
    assert result == missing
    assert error_codes(result) == ["NOT_FOUND"]
    me = data_of(gql("query($id: ID) { user(id: $id) { id } }", {"id": str(world.patients[0].pk)},
                     key=keys["patient"]))
    assert me == {"user": {"id": str(world.patients[0].pk)}}
    # The patient's own provider is visible (their care team), fellow patients are not.
    assert data_of(gql("query($id: ID) { user(id: $id) { id } }", {"id": str(world.provider.pk)},
                       key=keys["patient"])) == {"user": {"id": str(world.provider.pk)}}


def test_patient_does_not_see_other_patients_through_tags(gql, world, keys):
    tag = Tag.objects.create(organization=world.org, user=world.provider, name="Diabetes")
    for p in world.patients:
        AppliedTag.objects.create(tag=tag, user=p)
    result = data_of(gql("{ currentUser { id tags { id tagged_users { id } } } }", key=keys["patient"]))
    # Tags are the providers' internal labels: a patient sees none, so no tag lists other patients.
    assert result == {"currentUser": {"id": str(world.patients[0].pk), "tags": []}}


def test_restricted_provider_sees_only_own_patients(gql, world, keys):
    OrganizationMembership.objects.filter(user=world.provider).update(can_see_all_clients=False)
    owner_patient = factories.patient(world.org, provider=world.owner)
    own = {str(p.pk) for p in world.patients}
    listed = data_of(gql("{ users { id } usersCount }", key=keys["provider"]))
    assert {u["id"] for u in listed["users"]} == own and listed["usersCount"] == 3
    query = "query($id: ID) { user(id: $id) { id } }"
    assert gql(query, {"id": str(owner_patient.pk)}, key=keys["provider"]) == gql(query, {"id": MISSING},
                                                                                   key=keys["provider"])


PROVIDER_ONLY = [
    "{ users { id } }",
    "{ usersCount }",
    "{ organizationMembers { id } }",
    "{ organizationMembersCount }",
    "query { userGroup(id: \"1\") { id } }",
    "{ userGroups { id } }",
    "{ userGroupsCount }",
    "{ tags { id } }",
    "mutation { createClient(input: {first_name: \"A\", last_name: \"B\", email: \"a@example.com\"}) { user { id } } }",
    "mutation { updateClient(input: {id: \"SELF\", first_name: \"X\"}) { user { id } } }",
    "mutation { bulkUpdateClients(input: {ids: [\"SELF\"], active_status: false}) { users { id } } }",
    "mutation { createOrganizationMembership(input: {first_name: \"A\", last_name: \"B\", email: \"a@example.com\"}) "
    "{ organizationMembership { id } } }",
    "mutation { updateOrganizationMembership(input: {id: \"1\", title: \"x\"}) { organizationMembership { id } } }",
    "mutation { deleteOrganizationMembership(input: {id: \"1\"}) { organizationMembership { id } } }",
    "mutation { createGroup(input: {name: \"G\"}) { user_group { id } } }",
    "mutation { updateUserGroup(input: {id: \"1\", name: \"G\"}) { user_group { id } } }",
    "mutation { deleteUserGroup(input: {id: \"1\"}) { user_group { id } } }",
    "mutation { createTag(input: {name: \"T\"}) { tag { id } } }",
    "mutation { updateTag(input: {id: \"1\", name: \"T\"}) { tag { id } } }",
    "mutation { deleteTag(input: {id: \"1\"}) { tag { id } } }",
    "mutation { bulkApply(input: {ids: [\"1\"], taggable_user_id: \"SELF\"}) { tags { id } } }",
    "mutation { removeAppliedTag(input: {id: \"1\", taggable_user_id: \"SELF\"}) { tag { id } } }",
    "mutation { createAnnouncement(input: {title: \"T\"}) { announcement { id } } }",
    "mutation { updateAnnouncement(input: {id: \"1\", title: \"T\"}) { announcement { id } } }",
    "mutation { deleteAnnouncement(input: {id: \"1\"}) { announcement { id } } }",
]


@pytest.mark.parametrize("operation", PROVIDER_ONLY)
def test_patient_cannot_call_provider_only_operations(gql, world, keys, operation):
    group = UserGroup.objects.create(organization=world.org, name="G")
    tag = Tag.objects.create(organization=world.org, user=world.owner, name="T")
    Announcement.objects.create(organization=world.org, user=world.owner, title="A")
    operation = operation.replace('"SELF"', f'"{world.patients[0].pk}"').replace('"1"', '"%d"')
    # Ids of real rows of the patient's own organization, so only the role can refuse.
    operation = operation.replace('"%d"', f'"{group.pk}"') if "Group" in operation or "userGroup" in operation \
        else operation.replace('"%d"', f'"{tag.pk}"') if "Tag" in operation or "bulkApply" in operation \
        else operation.replace('"%d"', f'"{OrganizationMembership.objects.get(user=world.staff).pk}"') \
        if "Membership" in operation else operation.replace('"%d"', f'"{Announcement.objects.get().pk}"')
    before = _snapshot()
    result = gql(operation, key=keys["patient"])
    assert error_codes(result) == ["FORBIDDEN"], result
    assert _snapshot() == before


def _sample_value(type_: Any) -> str:
    """A GraphQL literal satisfying ``type_`` (used to build syntactically valid calls)."""
    if isinstance(type_, GraphQLNonNull):
        return _sample_value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{_sample_value(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = [f"{n}: {_sample_value(f.type)}" for n, f in type_.fields.items()
                    if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined]
        return "{" + ", ".join(required) + "}"
    if isinstance(type_, GraphQLScalarType):
        return {"Int": "1", "Float": "1.0", "Boolean": "true"}.get(type_.name, '"1"')
    raise AssertionError(f"unexpected input type {type_}")


def _selection(type_: Any) -> str:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
        return " { __typename }"
    return ""


def _root_calls() -> list[tuple[str, str]]:
    from schema.schema import schema

    graphql_schema = schema._schema
    calls = []
    for kind, root in (("query", graphql_schema.query_type), ("mutation", graphql_schema.mutation_type)):
        for name, field in root.fields.items():
            args = [f"{a}: {_sample_value(arg.type)}" for a, arg in field.args.items()
                    if isinstance(arg.type, GraphQLNonNull)]
            call = name + (f"({', '.join(args)})" if args else "") + _selection(field.type)
            calls.append((name, f"{kind} {{ {call} }}"))
    return calls


# The documented public operations: sign-up/sign-in, checking an invitation code, and the
# self-scheduling steps that patients run before they have an account (the scheduling issue).
# Called without arguments, each answers as it would a signed-in caller: the self-scheduling
# queries need a provider_id.
PUBLIC = {"signUp": [], "signIn": [], "validateSignupToken": [], "appointmentTypes": ["BAD_USER_INPUT"],
          "daysAvailableForRange": ["BAD_USER_INPUT"], "availableSlotsForRange": ["BAD_USER_INPUT"],
          "nextAvailableSlot": ["BAD_USER_INPUT"], "completeCheckout": [], "contactTypes": [],
          "customModuleForm": ["NOT_FOUND"],
          # Billing: a third-party payer opens its invoice with invoice_id and its uuid (no account).
          "requestedPayment": ["NOT_FOUND"]}


@pytest.mark.parametrize("name,operation", _root_calls(), ids=[c[0] for c in _root_calls()])
def test_anonymous_callers_are_unauthenticated(gql, world, name, operation):
    result = gql(operation)
    if name in PUBLIC:
        assert error_codes(result) == PUBLIC[name], result
    else:
        assert result == {"data": None, "errors": [result["errors"][0]]}
        assert error_codes(result) == ["UNAUTHENTICATED"], result


def test_anonymous_response_is_401_with_challenge(gql, world):
    response = gql.raw("{ currentUser { id } }")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_anonymous_mixing_public_and_private_fields_is_refused(gql, world):
    result = gql('mutation { signIn(input: {email: "a@example.com", password: "x"}) { token } '
                 'createGroup(input: {name: "G"}) { user_group { id } } }')
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert not UserGroup.objects.exists()


def test_anonymous_introspection_is_allowed(gql):
    result = gql("{ __schema { queryType { name } } __type(name: \"User\") { name } __typename }")
    assert data_of(result) == {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "User"},
                               "__typename": "Query"}


def test_bad_credentials_are_unauthenticated(gql, world):
    for header in ("Basic cp_not-a-real-key", "Bearer cps_not-a-session", "Token abc", "Basic " + "x" * 500):
        result = gql("{ currentUser { id } }", headers={"Authorization": header})
        assert error_codes(result) == ["UNAUTHENTICATED"], header


LISTS = {
    "users": "{ users(should_paginate: false) { id } usersCount }",
    "organizationMembers": "{ organizationMembers(page_size: 100) { id } organizationMembersCount }",
    "userGroups": "{ userGroups { id } userGroupsCount }",
    "tags": "{ tags { id } }",
    "apiKeys": "{ apiKeys(should_paginate: false) { id } apiKeysCount }",
    "announcements": "{ announcements(should_paginate: false) { id } announcementsCount }",
}
OWN_ROWS = {
    "users": lambda org: User.objects.filter(organization=org, is_patient=True),
    "organizationMembers": lambda org: User.objects.filter(organization=org, is_patient=False),
    "userGroups": lambda org: UserGroup.objects.filter(organization=org),
    "tags": lambda org: Tag.objects.filter(organization=org),
    "apiKeys": lambda org: ApiKey.objects.filter(user__organization=org),
    "announcements": lambda org: Announcement.objects.filter(organization=org),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_lists_hold_only_the_callers_organization(gql, world, keys, foreign, name):
    UserGroup.objects.create(organization=world.org, name="Own group")
    Tag.objects.create(organization=world.org, user=world.owner, name="Own tag")
    Announcement.objects.create(organization=world.org, user=world.owner, title="Own")
    result = data_of(gql(LISTS[name], key=keys["owner"]))
    listed = {item["id"] for item in result[name]}
    assert listed == {str(pk) for pk in OWN_ROWS[name](world.org).values_list("pk", flat=True)}
    if f"{name}Count" in LISTS[name]:
        assert result[f"{name}Count"] == len(listed)
