from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


class GraphQLClient:
    """Sends GraphQL over the real HTTP stack (Django's handler, middleware and view)."""

    def __init__(self) -> None:
        self.http = Client()

    def raw(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None,
            headers: dict[str, str] | None = None, operation_name: str | None = None):
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        extra = dict(headers or {})
        if key:
            extra.setdefault("Authorization", f"Basic {key}")
            extra.setdefault("AuthorizationSource", "API")
        return self.http.post("/graphql", data=json.dumps(body), content_type="application/json", headers=extra)

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None,
                 **kwargs: Any) -> dict[str, Any]:
        response = self.raw(query, variables, key=key, **kwargs)
        assert response["Content-Type"].startswith("application/"), response.content[:300]
        return response.json()


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient()


@pytest.fixture
def world(db) -> factories.World:
    return factories.world("Sunrise PACE")


@pytest.fixture
def other_world(db) -> factories.World:
    return factories.world("Maple Grove Memory Care")


@pytest.fixture
def keys(world) -> dict[str, str]:
    return {
        "owner": factories.api_key(world.owner),
        "provider": factories.api_key(world.provider),
        "staff": factories.api_key(world.staff),
        "patient": factories.api_key(world.patients[0]),
    }


@pytest.fixture
def other_keys(other_world) -> dict[str, str]:
    return {"owner": factories.api_key(other_world.owner), "patient": factories.api_key(other_world.patients[0])}


def data_of(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result.get("errors")
    return result["data"]


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


@pytest.fixture
def count_queries() -> Callable[..., Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn: Callable[[], Any]) -> tuple[Any, int]:
        with CaptureQueriesContext(connection) as ctx:
            value = fn()
        return value, len(ctx.captured_queries)

    return run
