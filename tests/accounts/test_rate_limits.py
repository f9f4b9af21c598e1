"""Documented rate limits: 250 requests per second per API key, 100 sign-ins per minute per user."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from apps.accounts.models import SessionToken
from apps.core import ratelimit
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

# Mid-second and mid-minute, so no window boundary falls inside a frozen test.
FROZEN = dt.datetime(2025, 3, 4, 10, 20, 30, 250_000, tzinfo=dt.UTC)


def test_documented_defaults():
    assert settings.RATE_LIMIT_API_KEY_PER_SECOND == 250
    assert settings.RATE_LIMIT_SIGN_IN_PER_MINUTE == 100


@override_settings(RATE_LIMIT_API_KEY_PER_SECOND=3)
def test_api_key_limit_per_second(gql, world, keys):
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(3):
            assert data_of(gql("{ currentUser { id } }", key=keys["provider"]))
        response = gql.raw("{ currentUser { id } }", key=keys["provider"])
        assert response.status_code == 429
        assert response["Retry-After"] == "1"
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "data" not in body  # an HTTP-layer answer: GraphQL never ran (docs/errors.md)
        # The limit is per key: another key of the same organization is unaffected.
        assert data_of(gql("{ currentUser { id } }", key=keys["staff"]))
    with time_machine.travel(FROZEN + dt.timedelta(seconds=1), tick=False):
        assert data_of(gql("{ currentUser { id } }", key=keys["provider"]))  # a new second, a new window


@override_settings(RATE_LIMIT_API_KEY_PER_SECOND=2)
def test_rate_limited_mutation_writes_nothing(gql, world, keys):
    from apps.accounts.models import UserGroup

    with time_machine.travel(FROZEN, tick=False):
        for _ in range(2):
            gql("{ currentUser { id } }", key=keys["provider"])
        response = gql.raw('mutation { createGroup(input: {name: "G"}) { user_group { id } } }', key=keys["provider"])
        assert response.status_code == 429
    assert not UserGroup.objects.exists()


SIGN_IN = """mutation($email: String, $password: String) {
  signIn(input: {email: $email, password: $password}) { token messages { field message } }
}"""


@override_settings(RATE_LIMIT_SIGN_IN_PER_MINUTE=2)
def test_sign_in_limit_per_minute_per_user(gql, world):
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(2):
            result = data_of(gql(SIGN_IN, {"email": world.staff.email, "password": "wrong-password-1"}))
            assert result["signIn"]["messages"] == [{"field": "password", "message": "Invalid email or password"}]
        response = gql.raw(SIGN_IN, {"email": world.staff.email.upper(), "password": factories.PASSWORD})
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
        body = response.json()
        assert error_codes(body) == ["RATE_LIMITED"]
        assert body["errors"][0]["extensions"]["retry_after"] == int(response["Retry-After"])
        assert not SessionToken.objects.exists()  # even the right password is refused while limited
        # Another user's sign-in is not affected.
        other = data_of(gql(SIGN_IN, {"email": world.provider.email, "password": factories.PASSWORD}))
        assert other["signIn"]["token"]
    with time_machine.travel(FROZEN + dt.timedelta(minutes=1), tick=False):
        again = data_of(gql(SIGN_IN, {"email": world.staff.email, "password": factories.PASSWORD}))
        assert again["signIn"]["token"]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: counters are shared through Redis")
def test_counters_are_shared_through_redis():
    """Two independent cache clients (as two processes would have) see the same counter."""
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(3):
            assert ratelimit.hit("test", "shared", limit=5, window_seconds=60).allowed
        window = int(FROZEN.timestamp() // 60)
        key = f"rl:test:shared:{window}"
        assert first.get(key) == 3 and second.get(key) == 3
        second.incr(key, 2)
        assert not ratelimit.hit("test", "shared", limit=5, window_seconds=60).allowed


@override_settings(RATE_LIMIT_API_KEY_PER_SECOND=2)
def test_session_tokens_share_the_per_second_budget(gql, world):
    token = data_of(gql(SIGN_IN, {"email": world.staff.email, "password": factories.PASSWORD}))["signIn"]["token"]
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(2):
            assert data_of(gql("{ currentUser { id } }", headers={"Authorization": f"Bearer {token}"}))
        response = gql.raw("{ currentUser { id } }", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 429
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
