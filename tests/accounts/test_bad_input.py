"""Malformed input gets the documented error form (payload messages for mutations, coded
errors for queries, GraphQL validation errors for wrong types) and writes nothing."""

from __future__ import annotations

import base64
import json

import pytest

from apps.accounts.models import ApiKey, AppliedTag, Location, OrganizationMembership, Tag, User, UserGroup
from apps.announcements.models import Announcement
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

NUL = "Ann\x00e"


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (
        User, OrganizationMembership, UserGroup, Tag, AppliedTag, Location, ApiKey, Announcement)}


CREATE_CLIENT = """mutation($input: createClientInput) {
  createClient(input: $input) { user { id } messages { field message } }
}"""


@pytest.mark.parametrize("values,expected", [
    ({"first_name": "A" * 10_000, "last_name": "B", "email": "ab@example.com"},
     [{"field": "first_name", "message": "is too long (maximum is 100 characters)"}]),
    ({"first_name": NUL, "last_name": "B", "email": "ab@example.com"},
     [{"field": "first_name", "message": "contains a character that is not allowed"}]),
    ({"first_name": "A", "last_name": "B", "email": "not-an-email"},
     [{"field": "email", "message": "is not a valid e-mail address"}]),
    ({"first_name": "A", "last_name": "B", "email": "a@b@example.com"},
     [{"field": "email", "message": "is not a valid e-mail address"}]),
    ({"first_name": "A", "last_name": "B", "email": "ab\x00@example.com"},
     [{"field": "email", "message": "contains a character that is not allowed"}]),
    ({"first_name": " ", "last_name": "", "email": "ab@example.com"},
     [{"field": "first_name", "message": "First name can't be blank"},
      {"field": "last_name", "message": "Last name can't be blank"}]),
    ({"first_name": "A", "last_name": "B"},
     [{"field": "email", "message": "Email can't be blank (or set skipped_email)"}]),
    ({"first_name": "A", "last_name": "B", "email": "ab@example.com", "dob": "31/31/2000"},
     [{"field": "dob", "message": "'31/31/2000' is not a valid date; use YYYY-MM-DD or 'August 16, 2022'."}]),
    ({"first_name": "A", "last_name": "B", "email": "ab@example.com", "timezone": "Mars/Olympus"},
     [{"field": "timezone", "message": "is not a known timezone (use an IANA name like America/New_York)"}]),
    ({"first_name": "A", "last_name": "B", "email": "ab@example.com", "dietitian_id": "x' OR 1=1"},
     [{"field": "dietitian_id", "message": "Provider not found."}]),
    ({"first_name": "A", "last_name": "B", "email": "ab@example.com", "user_group_id": "-1"},
     [{"field": "user_group_id", "message": "User group not found."}]),
])
def test_create_client_bad_values(gql, world, keys, values, expected):
    before = counts()
    result = data_of(gql(CREATE_CLIENT, {"input": values}, key=keys["provider"]))
    assert result == {"createClient": {"user": None, "messages": expected}}
    assert counts() == before


def test_create_client_duplicate(gql, world, keys):
    existing = world.patients[0]
    before = counts()
    result = data_of(gql(CREATE_CLIENT, {"input": {"first_name": existing.first_name.upper(),
                                                   "last_name": existing.last_name, "email": existing.email}},
                         key=keys["provider"]))
    assert result == {"createClient": {"user": None, "messages": [{"field": "email", "message": (
        "A patient with this e-mail, first and last name already exists in this organization")}]}}
    assert counts() == before


def test_messages_carry_a_code_when_selected(gql, world, keys):
    coded = CREATE_CLIENT.replace("messages { field message }", "messages { field message code }")
    result = data_of(gql(coded, {"input": {"first_name": "", "last_name": "B", "email": "not-an-email"}},
                         key=keys["provider"]))["createClient"]
    assert result["user"] is None and len(result["messages"]) == 2
    assert [m["code"] for m in result["messages"]] == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert [m["field"] for m in result["messages"]] == ["first_name", "email"]


# A variable whose value does not fit its type is BAD_USER_INPUT; a document that does not
# validate carries graphql-core's message and no code (docs/errors.md, "Errors without a code").
VARIABLE, DOCUMENT = ["BAD_USER_INPUT"], [None]


@pytest.mark.parametrize("operation,variables,codes", [
    ("query($n: Int) { users(page_size: $n) { id } }", {"n": "ten"}, VARIABLE),
    ("query($n: Int) { users(page_size: $n) { id } }", {"n": 2**40}, VARIABLE),
    ("{ users(page_size: \"10\") { id } }", {}, DOCUMENT),
    ("{ users(offset: 1.5) { id } }", {}, DOCUMENT),
    ("query($id: ID) { user(id: $id) { id } }", {"id": {"nested": 1}}, VARIABLE),
    ("mutation { createClient(input: {first_name: 5, last_name: \"B\"}) { user { id } } }", {}, DOCUMENT),
    ("mutation($input: createClientInput) { createClient(input: $input) { user { id } } }",
     {"input": {"first_name": "A", "last_name": "B", "unknown_field": 1}}, VARIABLE),
    ("mutation($ids: [ID!]) { bulkUpdateClients(input: {ids: $ids, active_status: \"no\"}) { users { id } } }",
     {"ids": ["1"]}, DOCUMENT),
    ("{ users { no_such_field } }", {}, DOCUMENT),
    ("{ users { id ", {}, DOCUMENT),
])
def test_wrong_types_are_graphql_validation_errors(gql, world, keys, operation, variables, codes):
    before = counts()
    result = gql(operation, variables, key=keys["provider"])
    assert result["data"] is None
    assert error_codes(result) == codes and all(e["message"] for e in result["errors"]), result
    assert counts() == before


@pytest.mark.parametrize("arguments,message", [
    ("page_size: 1000000000", "'page_size' must be between 1 and 100."),
    ("page_size: 0", "'page_size' must be between 1 and 100."),
    ("page_size: -5", "'page_size' must be between 1 and 100."),
    ("offset: -1", "'offset' must be zero or positive."),
    ('after: "!!!not base64"', "'after' is not a valid cursor; pass the cursor field of a returned item."),
    ('after: ""', "'after' is not a valid cursor; pass the cursor field of a returned item."),
    (f'after: "{base64.b64encode(b"[1,2]").decode()}"',
     "'after' is not a cursor of this list (or of this sort order)."),
    (f'after: "{base64.b64encode(b"not json").decode()}"',
     "'after' is not a valid cursor; pass the cursor field of a returned item."),
    (f'after: "{base64.b64encode(json.dumps({"k": ["x"]}).encode()).decode()}"',
     "'after' is not a cursor of this list (or of this sort order)."),
    (f'after: "{base64.b64encode(json.dumps({"k": ["smith", "abc"]}).encode()).decode()}"',
     "'after' is not a cursor of this list (or of this sort order)."),
    (f'after: "{base64.b64encode(json.dumps({"k": ["smith", None]}).encode()).decode()}"',
     "'after' is not a cursor of this list (or of this sort order)."),
    (f'after: "{base64.b64encode(json.dumps({"k": [NUL, "1"]}).encode()).decode()}"',
     "'after' is not a cursor of this list (or of this sort order)."),
    (f'after: "{"A" * 5000}"', "'after' is not a valid cursor; pass the cursor field of a returned item."),
    ('sort_by: "shoe_size"', None),
])
def test_bad_list_arguments_are_coded_errors(gql, world, keys, arguments, message):
    result = gql(f"{{ users({arguments}) {{ id }} }}", key=keys["provider"])
    assert result["data"] is None
    assert error_codes(result) == ["BAD_USER_INPUT"]
    if message:
        assert result["errors"][0]["message"] == message


def test_created_at_cursor_with_garbage_value(gql, world, keys):
    cursor = base64.b64encode(json.dumps({"k": ["yesterday", "1"]}).encode()).decode()
    result = gql('query($a: String) { users(sort_by: "created_at_desc", after: $a) { id } }', {"a": cursor},
                 key=keys["provider"])
    assert error_codes(result) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("operation,refused", [
    # Text that reaches a search or a lookup is refused naming the argument; sort_by is not one of its values.
    ('query($t: String) { users(keywords: $t) { id } usersCount(keywords: $t) }', "keywords"),
    ('query($t: String) { organizationMembers(keywords: $t) { id } }', "keywords"),
    ('query($t: String) { organizationMembers(licensed_in_state: $t) { id } }', "licensed_in_state"),
    ('query($t: String) { userGroups(keywords: $t) { id } userGroupsCount(keywords: $t) }', "keywords"),
    ('query($t: String) { organization(email: $t) { id } }', "email"),
    ('query($t: String) { announcements(keywords: $t) { id } announcementsCount(keywords: $t) }', "keywords"),
    ('query($t: String) { users(sort_by: $t) { id } }', "sort_by"),
    # An id filter that is not an id matches nothing, like any id that names nothing.
    ('query($t: String) { users(group_id: $t) { id } }', None),
    ('query($t: String) { users(provider_id: $t) { id } }', None),
])
def test_nul_characters_in_query_arguments(gql, world, keys, operation, refused):
    result = gql(operation, {"t": "a\x00b"}, key=keys["owner"])
    if refused is None:
        assert result == {"data": {"users": []}}
    else:
        assert error_codes(result) == ["BAD_USER_INPUT"], result
        assert [m["field"] for m in result["errors"][0]["extensions"]["messages"]] == [refused]


@pytest.mark.parametrize("operation,variables,field", [
    ("mutation($v: String) { updateUser(input: {current_email: $v, first_name: \"X\"}) "
     "{ user { id } messages { field message } } }", {"v": "a\x00@example.com"}, "current_email"),
    ("mutation($v: String) { updateOrganizationMembership(input: {email: $v, title: \"X\"}) "
     "{ organizationMembership { id } messages { field message } } }", {"v": "a\x00@example.com"}, "email"),
    ("mutation($v: String) { createAnnouncement(input: {title: \"T\", description: $v}) "
     "{ announcement { id } messages { field message } } }", {"v": NUL}, "description"),
    ("mutation($v: String) { createTag(input: {name: $v}) { tag { id } messages { field message } } }",
     {"v": NUL}, "name"),
    ("mutation($v: String) { createGroup(input: {name: $v}) { user_group { id } messages { field message } } }",
     {"v": NUL}, "name"),
    ("mutation($v: String) { createLocation(input: {line1: $v}) { location { id } messages { field message } } }",
     {"v": NUL}, "line1"),
    ("mutation($v: String) { createApiKey(input: {name: $v}) { api_key messages { field message } } }",
     {"v": NUL}, "name"),
    ("mutation($v: String) { signIn(input: {email: $v, password: \"whatever-it-is\"}) "
     "{ token messages { field message } } }", {"v": "a\x00@example.com"}, "email"),
])
def test_nul_characters_in_mutation_inputs(gql, world, keys, operation, variables, field):
    before = counts()
    result = data_of(gql(operation, variables, key=keys["owner"]))
    payload = next(iter(result.values()))
    assert [m["field"] for m in payload["messages"]] == [field], payload
    assert counts() == before


@pytest.mark.parametrize("operation,variables,expected", [
    ("mutation($v: String) { createGroup(input: {name: $v}) { user_group { id } messages { field message } } }",
     {"v": "G" * 10_000}, [{"field": "name", "message": "is too long (maximum is 255 characters)"}]),
    ("mutation($v: String) { createTag(input: {name: $v}) { tag { id } messages { field message } } }",
     {"v": "T" * 10_000}, [{"field": "name", "message": "is too long (maximum is 100 characters)"}]),
    ("mutation($v: String) { createAnnouncement(input: {title: $v}) { announcement { id } messages "
     "{ field message } } }", {"v": "T" * 10_000}, [{"field": "title", "message": "is too long (maximum is 255 "
                                                                                  "characters)"}]),
    ("mutation($v: String) { createAnnouncement(input: {title: \"T\", description: $v}) { announcement { id } "
     "messages { field message } } }", {"v": "D" * 10_001},
     [{"field": "description", "message": "is too long (maximum is 10000 characters)"}]),
    ("mutation($v: String) { createLocation(input: {country: $v}) { location { id } messages { field message } } }",
     {"v": "USA"}, [{"field": "country", "message": "must be a two-letter country code like US"}]),
    ("mutation($v: String) { createApiKey(input: {name: $v}) { api_key messages { field message } } }",
     {"v": "K" * 10_000}, [{"field": "name", "message": "is too long (maximum is 100 characters)"}]),
    ("mutation($v: String) { createOrganizationMembership(input: {first_name: \"A\", last_name: \"B\", email: $v}) "
     "{ organizationMembership { id } messages { field message } } }", {"v": "nope"},
     [{"field": "email", "message": "is not a valid e-mail address"}]),
    ("mutation($v: String) { createOrganizationMembership(input: {first_name: \"A\", last_name: \"B\", "
     "email: \"ab@example.com\", org_role: $v}) { organizationMembership { id } messages { field message } } }",
     {"v": "Admin"}, [{"field": "org_role", "message": 'must be "Standard" or "Support"'}]),
])
def test_oversized_and_malformed_values(gql, world, keys, operation, variables, expected):
    before = counts()
    result = data_of(gql(operation, variables, key=keys["owner"]))
    payload = next(iter(result.values()))
    assert payload["messages"] == expected
    assert counts() == before


def test_huge_request_body_is_refused_without_500(gql, world, keys):
    result = gql.raw(CREATE_CLIENT, {"input": {"first_name": "A" * 3_000_000, "last_name": "B",
                                               "email": "ab@example.com"}}, key=keys["provider"])
    assert result.status_code == 413
    assert result.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
    assert User.objects.filter(last_name="B").count() == 0
