"""GraphQL over HTTP: methods, media types, status codes, GraphiQL, health and error masking."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest
from django.test import Client

from apps.accounts.models import UserGroup
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Basic {key}", "AuthorizationSource": "API"}


def get(query: str | None, key: str | None = None, accept: str = "application/json", **params: str):
    if query is not None:
        params["query"] = query
    url = "/graphql" + ("?" + urllib.parse.urlencode(params) if params else "")
    return Client().get(url, headers={"Accept": accept, **(auth(key) if key else {})})


def post(body: str | bytes, key: str | None = None, content_type: str = "application/json",
         accept: str = "application/json"):
    return Client().post("/graphql", data=body, content_type=content_type,
                         headers={"Accept": accept, **(auth(key) if key else {})})


def test_post_json(world, keys):
    response = post(json.dumps({"query": "query Me { currentUser { id } }", "operationName": "Me"}), keys["staff"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"data": {"currentUser": {"id": str(world.staff.pk)}}}
    assert response["X-Request-Id"]


def test_get_query(world, keys):
    response = get("query($id: ID) { user(id: $id) { id } }", keys["staff"],
                   variables=json.dumps({"id": str(world.patients[0].pk)}))
    assert response.status_code == 200
    assert response.json() == {"data": {"user": {"id": str(world.patients[0].pk)}}}


def test_mutation_over_get_is_405(world, keys):
    response = get('mutation { createGroup(input: {name: "G"}) { user_group { id } } }', keys["staff"])
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "GET" not in response["Allow"].replace("GET,", "")
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert not UserGroup.objects.exists()


def test_other_methods_are_405(world, keys):
    response = Client().put("/graphql", data="{}", content_type="application/json", headers=auth(keys["staff"]))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_graphql_response_media_type(world, keys):
    ok = post(json.dumps({"query": "{ currentUser { id } }"}), keys["staff"], accept=GRAPHQL_RESPONSE)
    assert ok.status_code == 200 and ok["Content-Type"].startswith(GRAPHQL_RESPONSE)
    for document in ("{ currentUser { id ", "{ currentUser { no_such_field } }"):
        bad = post(json.dumps({"query": document}), keys["staff"], accept=GRAPHQL_RESPONSE)
        assert bad.status_code == 400, document
        assert bad["Content-Type"].startswith(GRAPHQL_RESPONSE)
        assert bad.json()["errors"] and bad.json()["data"] is None
        legacy = post(json.dumps({"query": document}), keys["staff"], accept="application/json")
        assert legacy.status_code == 200, document
        assert legacy["Content-Type"].startswith("application/json")
        assert legacy.json()["errors"]


def test_field_errors_keep_200_with_graphql_response(world, keys):
    """An execution error (data present) is not a request error: 200 for both media types."""
    response = post(json.dumps({"query": '{ user(id: "999999") { id } }'}), keys["staff"], accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_missing_query_is_400(world, keys):
    assert post(json.dumps({"variables": {}}), keys["staff"]).status_code == 400
    assert get(None, keys["staff"], accept="application/json").status_code == 400


def test_wrong_content_type_is_415(world, keys):
    response = post("{ currentUser { id } }", keys["staff"], content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["errors"][0]["message"]


def test_malformed_json_is_400(world, keys):
    for body in ('{"query": ', "[]", '"just a string"', b"\xff\xfe"):
        response = post(body, keys["staff"])
        assert response.status_code == 400, body
        assert response["Content-Type"].startswith("application/json")


def test_graphiql_for_browsers():
    response = Client().get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


def test_health_without_auth():
    response = Client().get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "time", "version", "database"}
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


def test_unexpected_exceptions_are_masked_and_logged(world, keys, monkeypatch, caplog):
    from apps.accounts.services import groups

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(groups, "group_create", explode)
    with caplog.at_level(logging.ERROR, logger="careplatform.graphql"):
        response = post(json.dumps({"query": 'mutation { createGroup(input: {name: "G"}) { user_group { id } } }'}),
                        keys["staff"])
    assert response.status_code == 200
    error = response.json()["errors"][0]
    error_id = error["extensions"]["error_id"]
    assert error["message"] == f"Internal error (id {error_id})."
    assert error["extensions"] == {"code": "INTERNAL", "error_id": error_id}
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])


def test_database_data_errors_are_bad_input_not_internal(world, keys, monkeypatch):
    from django.db import DataError

    from apps.accounts import selectors

    def refuse(*args, **kwargs):
        raise DataError("value out of range")

    monkeypatch.setattr(selectors, "group_get", refuse)
    result = post(json.dumps({"query": '{ userGroup(id: "1") { id } }'}), keys["staff"]).json()
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "out of range" not in result["errors"][0]["message"]


def test_batched_or_non_object_bodies_do_not_500(world, keys):
    response = post(json.dumps([{"query": "{ currentUser { id } }"}]), keys["staff"])
    assert response.status_code == 400


def test_get_with_variables_that_are_not_json(world, keys):
    response = get("query($id: ID) { user(id: $id) { id } }", keys["staff"], variables="{not json")
    assert response.status_code == 400


def test_anonymous_post_is_401(world):
    response = post(json.dumps({"query": "{ currentUser { id } }"}))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_operation_name_selects_the_operation(world, keys):
    body = {"query": "query A { currentUser { id } } query B { usersCount }", "operationName": "B"}
    response = post(json.dumps(body), keys["staff"])
    assert data_of(response.json()) == {"usersCount": 3}


def test_request_id_is_echoed_only_when_safe(world, keys):
    ok = Client().post("/graphql", data=json.dumps({"query": "{ currentUser { id } }"}),
                       content_type="application/json", headers={**auth(keys["staff"]), "X-Request-Id": "abc-123"})
    assert ok["X-Request-Id"] == "abc-123"
    for bad in ("evil\r\nSet-Cookie: x=1", "a" * 65, "spaces here"):
        response = Client().get("/api/health", headers={"X-Request-Id": bad})
        assert response.status_code == 200
        assert response["X-Request-Id"] != bad and len(response["X-Request-Id"]) == 32


def _nested(levels: int) -> str:
    """currentUser with ``levels`` nested dietitian fields: an operation of depth ``levels + 1``."""
    return "{ currentUser { " + "dietitian { " * levels + "id" + " }" * levels + " id } }"


def test_over_deep_documents_are_refused_before_execution(world, keys):
    from schema.extensions import MAX_QUERY_DEPTH

    allowed = post(json.dumps({"query": _nested(MAX_QUERY_DEPTH - 1)}), keys["owner"])
    assert allowed.status_code == 200
    assert data_of(allowed.json())["currentUser"] == {"dietitian": None, "id": str(world.owner.pk)}
    body = json.dumps({"query": _nested(MAX_QUERY_DEPTH), "operationName": None})
    refused = post(body, keys["owner"])
    assert refused.status_code == 200  # application/json: a request error still answers 200
    assert refused.json() == {"data": None, "errors": [{
        "message": f"'anonymous' exceeds maximum operation depth of {MAX_QUERY_DEPTH}",
        "locations": [{"line": 1, "column": refused.json()["errors"][0]["locations"][0]["column"]}],
        "extensions": {"code": "QUERY_TOO_COMPLEX"}}]}
    strict = post(body, keys["owner"], accept=GRAPHQL_RESPONSE)
    assert strict.status_code == 400
    assert strict.json()["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}


def test_depth_counts_through_fragments(world, keys):
    from schema.extensions import MAX_QUERY_DEPTH

    inner = "dietitian { " * MAX_QUERY_DEPTH + "id" + " }" * MAX_QUERY_DEPTH
    query = "query Deep { currentUser { ...F } } fragment F on User { id " + inner + " }"
    result = post(json.dumps({"query": query}), keys["owner"]).json()
    assert result["data"] is None
    assert result["errors"][0]["message"] == f"'Deep' exceeds maximum operation depth of {MAX_QUERY_DEPTH}"
    assert result["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}


def test_too_many_aliases_and_tokens_are_refused(world, keys):
    from schema.extensions import MAX_ALIASES, MAX_TOKENS

    def aliased(count: int) -> str:
        return "{ " + " ".join(f"u{n}: users(page_size: 100) {{ id }}" for n in range(count)) + " }"

    assert "errors" not in post(json.dumps({"query": aliased(MAX_ALIASES)}), keys["owner"]).json()
    refused = post(json.dumps({"query": aliased(MAX_ALIASES + 1)}), keys["owner"]).json()
    assert refused == {"data": None, "errors": [{"message": f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}",
                                                 "extensions": {"code": "QUERY_TOO_COMPLEX"}}]}
    huge = "{ currentUser { " + "id " * MAX_TOKENS + "} }"
    result = post(json.dumps({"query": huge}), keys["owner"]).json()
    assert result["data"] is None
    assert result["errors"][0]["message"].startswith(f"Syntax Error: Document contains more than {MAX_TOKENS} tokens")


def test_introspection_is_not_limited_by_depth(world, keys):
    from graphql import get_introspection_query

    result = post(json.dumps({"query": get_introspection_query(descriptions=True)}), keys["owner"]).json()
    assert "errors" not in result and result["data"]["__schema"]["queryType"]["name"] == "Query"


def test_schema_builds_without_deprecation_warnings():
    import warnings

    from schema.schema import build_schema

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        build_schema()


@pytest.mark.parametrize("accept, status", [("application/json", 200), (GRAPHQL_RESPONSE, 400)])
def test_several_operations_without_operation_name_are_a_request_error(world, keys, accept, status):
    body = json.dumps({"query": "query A { currentUser { id } } query B { usersCount }"})
    response = post(body, keys["staff"], accept=accept)
    assert response.status_code == status
    payload = response.json()
    assert payload["data"] is None  # refused before execution, like a validation error (docs/errors.md)
    assert payload["errors"][0]["message"] == (
        "Must provide operationName when the document contains several operations.")
    assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_one_operation_needs_no_operation_name(world, keys):
    response = post(json.dumps({"query": "query A { currentUser { id } }"}), keys["staff"])
    assert data_of(response.json())["currentUser"]["id"]


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
def test_oversized_bodies_get_a_json_413(world, keys, settings, accept):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post(json.dumps({"query": "{ currentUser { id } }", "variables": {"pad": padding}}),
                    keys["staff"], accept=accept)
    assert response.status_code == 413
    assert response["Content-Type"].startswith(accept)
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in error["message"]
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()
