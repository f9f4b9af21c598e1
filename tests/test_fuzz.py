"""Generated operations over the whole schema never produce an HTTP 500 or an INTERNAL error.

hypothesis-graphql builds valid (and, in negative mode, invalid) queries and mutations from
the live schema, with arbitrary argument values (NUL bytes and lone surrogates included).
Each is sent through the real HTTP endpoint as every role and anonymously. Mutations are
destructive on purpose: the test database is thrown away. The budget is bounded so CI stays
fast; ``FUZZ_EXAMPLES`` raises it for a longer local run.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from schema.schema import schema
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
ROLES = ("owner", "provider", "staff", "patient", "anonymous")
SDL = schema.as_str()


def operations(kind):
    def build(mode, codec):
        return kind(SDL, mode=mode, codec=codec)

    return st.builds(lambda d: d, st.one_of(
        build(gql_st.Mode.POSITIVE, "utf-8"),
        build(gql_st.Mode.POSITIVE, None),  # any code point, lone surrogates included
        build(gql_st.Mode.NEGATIVE, "utf-8"),
    ))


@pytest.fixture
def role_keys(world, other_world, settings):
    settings.RATE_LIMIT_API_KEY_PER_SECOND = 1_000_000  # the budget is not under test here
    return {
        "owner": factories.api_key(world.owner),
        "provider": factories.api_key(world.provider),
        "staff": factories.api_key(world.staff),
        "patient": factories.api_key(world.patients[0]),
        "anonymous": None,
    }


def _send(gql, document: str, key: str | None) -> None:
    body = json.dumps({"query": document})  # ensure_ascii escapes lone surrogates as \\udXXX
    headers = {"Authorization": f"Basic {key}", "AuthorizationSource": "API"} if key else {}
    response = gql.http.post("/graphql", data=body, content_type="application/json", headers=headers)
    assert response.status_code != 500, (document, response.content[:500])
    payload = response.json()
    codes = [e.get("extensions", {}).get("code") for e in payload.get("errors") or []]
    assert "INTERNAL" not in codes, (document, payload)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("FUZZ_RANDOM") is None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])


@FUZZ
@given(document=operations(gql_st.queries), role=st.sampled_from(ROLES))
def test_generated_queries_never_fail_internally(gql, role_keys, document, role):
    _send(gql, document, role_keys[role])


@FUZZ
@given(document=operations(gql_st.mutations), role=st.sampled_from(ROLES))
def test_generated_mutations_never_fail_internally(gql, role_keys, document, role):
    _send(gql, document, role_keys[role])
