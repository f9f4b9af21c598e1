"""Text that cannot be encoded (lone UTF-16 surrogates) is refused once, naming where it was sent."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import Tag, User
from apps.events.models import Event

pytestmark = pytest.mark.django_db

LONE = "\ud800"

CASES = [
    ("mutation($input: createTagInput) { createTag(input: $input) { tag { id } messages { field } } }",
     {"input": {"name": f"tag{LONE}"}}, "$input.name"),
    ("mutation($input: updateClientInput) { updateClient(input: $input) { user { id } messages { field } } }",
     {"input": {"id": "{patient}", "first_name": LONE}}, "$input.first_name"),
    ("mutation($input: signInInput) { signIn(input: $input) { token messages { field } } }",
     {"input": {"email": f"a{LONE}@example.com", "password": "x"}}, "$input.email"),
    ("query($k: String) { users(keywords: $k) { id } }", {"k": LONE}, "$k"),
    ("query($k: String, $a: String) { users(keywords: $k, after: $a) { id } }", {"k": "ok", "a": LONE}, "$a"),
]


def _post(query: str, variables: dict, key: str | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Basic {key}", "AuthorizationSource": "API"} if key else {}
    response = Client().post("/graphql", data=json.dumps({"query": query, "variables": variables}),
                             content_type="application/json", headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("query, variables, path", CASES)
def test_lone_surrogates_are_refused_naming_the_variable(world, keys, query, variables, path):
    variables = json.loads(json.dumps(variables).replace("{patient}", str(world.patients[0].pk)))
    before = (Tag.objects.count(), Event.objects.count(), list(User.objects.values_list("first_name", flat=True)))
    status, payload = _post(query, variables, keys["owner"])
    assert status == 200
    assert payload["data"] is None
    [error] = payload["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": path}
    assert error["message"].startswith(f"{path} contains a character that cannot be encoded")
    assert (Tag.objects.count(), Event.objects.count(),
            list(User.objects.values_list("first_name", flat=True))) == before


def test_a_lone_surrogate_inside_a_list_is_located(world, keys):
    query = "mutation($input: bulkApplyInput) { bulkApply(input: $input) { messages { field } } }"
    status, payload = _post(query, {"input": {"ids": ["1", f"2{LONE}"]}}, keys["owner"])
    assert payload["errors"][0]["extensions"]["field"] == "$input.ids[1]"


def test_a_bad_keyword_is_not_blamed_on_the_cursor(world, keys):
    status, payload = _post("query($k: String) { users(keywords: $k) { id } }", {"k": LONE}, keys["owner"])
    assert "after" not in payload["errors"][0]["message"]


def test_paired_surrogates_are_ordinary_text(world, keys):
    status, payload = _post("query($k: String) { users(keywords: $k) { id } }", {"k": "\U0001F353"}, keys["owner"])
    assert status == 200 and payload == {"data": {"users": []}}
