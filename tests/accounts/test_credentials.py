"""Sign-in sessions and API keys: issued once, stored hashed, revocable, cursor-paginated."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.models import ApiKey, OrganizationMembership, SessionToken, User
from apps.core.crypto import token_hash
from schema.pagination import encode_cursor
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

SIGN_IN = """mutation($email: String, $password: String) {
  signIn(input: {email: $email, password: $password}) { token user { id } messages { field message } }
}"""
CURRENT = "{ currentUser { id } }"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_token_works_until_sign_out(gql, world):
    result = data_of(gql(SIGN_IN, {"email": world.provider.email.upper(), "password": factories.PASSWORD}))
    token = result["signIn"]["token"]
    assert result["signIn"]["user"] == {"id": str(world.provider.pk)} and result["signIn"]["messages"] == []
    session = SessionToken.objects.get(user=world.provider)
    assert session.key_hash == token_hash(token)
    assert data_of(gql(CURRENT, headers=bearer(token))) == {"currentUser": {"id": str(world.provider.pk)}}
    assert data_of(gql("mutation { signOut { success messages { field message } } }", headers=bearer(token))) == {
        "signOut": {"success": True, "messages": []}}
    assert error_codes(gql(CURRENT, headers=bearer(token))) == ["UNAUTHENTICATED"]


def test_sign_in_refusals_look_alike(gql, world):
    wrong = data_of(gql(SIGN_IN, {"email": world.provider.email, "password": "not-the-password-1"}))
    unknown = data_of(gql(SIGN_IN, {"email": "nobody@example.com", "password": "not-the-password-1"}))
    expected = {"signIn": {"token": None, "user": None, "messages": [
        {"field": "password", "message": "Invalid email or password"}]}}
    assert wrong == unknown == expected
    User.objects.filter(pk=world.provider.pk).update(active=False)
    archived = data_of(gql(SIGN_IN, {"email": world.provider.email, "password": factories.PASSWORD}))
    assert archived == expected
    assert not SessionToken.objects.exists()
    blank = data_of(gql(SIGN_IN, {"email": "", "password": ""}))
    assert blank["signIn"]["messages"] == [{"field": "email", "message": "Email can't be blank"},
                                           {"field": "password", "message": "Password can't be blank"}]


CREATE_KEY = """mutation($name: String, $user_id: ID) {
  createApiKey(input: {name: $name, user_id: $user_id}) {
    api_key api_key_object { id name displayable_key user_id } messages { field message }
  }
}"""


def _all_text_in_database() -> str:
    """Every value of every accounts table, to prove a secret is nowhere in clear."""
    rows = []
    with connection.cursor() as cursor:
        for model in (ApiKey, SessionToken, User):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - fixed table names
            rows += [str(v) for row in cursor.fetchall() for v in row]
    return "\n".join(rows)


def test_create_api_key_is_shown_once_and_stored_hashed(gql, world, keys):
    result = data_of(gql(CREATE_KEY, {"name": "Zapier"}, key=keys["provider"]))["createApiKey"]
    plain = result["api_key"]
    assert result["messages"] == [] and result["api_key_object"]["user_id"] == str(world.provider.pk)
    assert plain not in _all_text_in_database()
    assert ApiKey.objects.get(pk=result["api_key_object"]["id"]).key_hash == token_hash(plain)
    # Listing never shows the key again.
    listed = data_of(gql("{ apiKeys { id name displayable_key } }", key=keys["provider"]))
    assert plain not in str(listed)


def test_create_api_key_for_others(gql, world, keys):
    patient = world.patients[0]
    by_owner = data_of(gql(CREATE_KEY, {"user_id": str(patient.pk)}, key=keys["owner"]))["createApiKey"]
    assert by_owner["messages"] == [] and by_owner["api_key_object"]["user_id"] == str(patient.pk)
    assert data_of(gql(CURRENT, key=by_owner["api_key"])) == {"currentUser": {"id": str(patient.pk)}}
    # A plain provider cannot mint keys for someone else.
    refused = gql(CREATE_KEY, {"user_id": str(patient.pk)}, key=keys["provider"])
    assert error_codes(refused) == ["FORBIDDEN"]


def test_developer_cannot_mint_a_key_for_the_owner(gql, world, keys):
    """A key for the owner would carry the owner's powers: only the owner may create one."""
    from apps.accounts.models import OrganizationMembership

    OrganizationMembership.objects.filter(user=world.provider).update(is_developer=True)
    before = ApiKey.objects.count()
    for target in (world.owner, world.staff):
        result = gql(CREATE_KEY, {"user_id": str(target.pk)}, key=keys["provider"])
        assert error_codes(result) == ["FORBIDDEN"], target
    assert ApiKey.objects.count() == before
    ok = data_of(gql(CREATE_KEY, {"user_id": str(world.patients[1].pk)}, key=keys["provider"]))["createApiKey"]
    assert ok["messages"] == []


API_KEYS = """query($after: String, $page_size: Int) {
  apiKeys(after: $after, page_size: $page_size, should_paginate: true) { id cursor name }
  apiKeysCount
}"""


def test_api_keys_cursor_pagination(gql, world, keys):
    for _ in range(4):
        factories.api_key(world.provider)
    expected = list(ApiKey.objects.filter(user=world.provider).order_by("-id").values_list("pk", flat=True))
    assert len(expected) == 5
    walked, after = [], None
    while True:
        page = data_of(gql(API_KEYS, {"after": after, "page_size": 2}, key=keys["provider"]))
        assert page["apiKeysCount"] == 5
        if not page["apiKeys"]:
            break
        for item in page["apiKeys"]:
            assert item["cursor"] == encode_cursor([int(item["id"])])
        walked += [int(k["id"]) for k in page["apiKeys"]]
        after = page["apiKeys"][-1]["cursor"]
    assert walked == expected


def test_api_keys_scope(gql, world, keys, other_keys):
    own = {k["id"] for k in data_of(gql("{ apiKeys(should_paginate: false) { id } }", key=keys["provider"]))[
        "apiKeys"]}
    assert own == {str(pk) for pk in ApiKey.objects.filter(user=world.provider).values_list("pk", flat=True)}
    by_owner = {k["id"] for k in data_of(gql("{ apiKeys(should_paginate: false) { id } }", key=keys["owner"]))[
        "apiKeys"]}
    assert by_owner == {str(pk) for pk in ApiKey.objects.filter(user__organization=world.org)
                        .values_list("pk", flat=True)}


DELETE_KEY = """mutation($id: ID) {
  deleteApiKey(input: {id: $id}) { api_key { id } messages { field message } }
}"""


KEY_NOT_FOUND = {"deleteApiKey": {"api_key": None, "messages": [{"field": "id", "message": "API key not found."}]}}


def test_delete_api_key_stops_it(gql, world, keys):
    plain = factories.api_key(world.provider)
    record = ApiKey.objects.get(key_hash=token_hash(plain))
    assert data_of(gql(CURRENT, key=plain))["currentUser"]["id"] == str(world.provider.pk)
    result = data_of(gql(DELETE_KEY, {"id": str(record.pk)}, key=keys["provider"]))
    assert result == {"deleteApiKey": {"api_key": {"id": str(record.pk)}, "messages": []}}
    assert error_codes(gql(CURRENT, key=plain)) == ["UNAUTHENTICATED"]
    # Deleting it again: it no longer exists for anyone.
    assert data_of(gql(DELETE_KEY, {"id": str(record.pk)}, key=keys["provider"])) == KEY_NOT_FOUND
    # Another provider's key is not the provider's to delete.
    staff_key = ApiKey.objects.get(user=world.staff)
    assert data_of(gql(DELETE_KEY, {"id": str(staff_key.pk)}, key=keys["provider"])) == KEY_NOT_FOUND
    assert ApiKey.objects.get(pk=staff_key.pk).revoked_at is None


def test_archived_users_keys_stop_working(gql, world, keys):
    User.objects.filter(pk=world.patients[0].pk).update(active=False)
    assert error_codes(gql(CURRENT, key=keys["patient"])) == ["UNAUTHENTICATED"]


def test_developer_sees_and_revokes_patient_keys_only(gql, world, keys):
    from apps.accounts.models import OrganizationMembership

    OrganizationMembership.objects.filter(user=world.provider).update(is_developer=True)
    listed = {k["id"] for k in data_of(gql("{ apiKeys(should_paginate: false) { id } }", key=keys["provider"]))[
        "apiKeys"]}
    expected = ApiKey.objects.filter(user__in=[world.provider, *world.patients]).values_list("pk", flat=True)
    assert listed == {str(pk) for pk in expected}
    owner_key = ApiKey.objects.get(user=world.owner)
    assert data_of(gql(DELETE_KEY, {"id": str(owner_key.pk)}, key=keys["provider"])) == KEY_NOT_FOUND
    assert ApiKey.objects.get(pk=owner_key.pk).revoked_at is None
    patient_key = ApiKey.objects.get(user=world.patients[0])
    assert data_of(gql(DELETE_KEY, {"id": str(patient_key.pk)}, key=keys["provider"]))["deleteApiKey"][
        "messages"] == []


def test_sign_in_without_password_hash_still_spends_a_hash_check(gql, world, monkeypatch):
    """An invited patient (no password yet) is refused like an unknown e-mail, after one hash check."""
    from apps.accounts.services import credentials

    checks: list[str] = []
    real = credentials.check_password
    monkeypatch.setattr(credentials, "check_password", lambda pw, encoded: checks.append(encoded) or real(pw, encoded))
    invited = factories.patient(world.org, email="invited@example.com")
    invited.set_unusable_password()
    invited.save()
    result = data_of(gql(SIGN_IN, {"email": "invited@example.com", "password": "anything-goes-12"}))
    assert result["signIn"]["messages"] == [{"field": "password", "message": "Invalid email or password"}]
    assert checks == [credentials._DUMMY_HASH]


def test_session_tokens_expire(gql, world, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = data_of(gql(SIGN_IN, {"email": world.staff.email, "password": factories.PASSWORD}))["signIn"]["token"]
    ttl = dt.timedelta(hours=settings.SESSION_TOKEN_TTL_HOURS)
    with time_machine.travel(start + ttl - dt.timedelta(minutes=1), tick=False):
        assert data_of(gql(CURRENT, headers=bearer(token))) == {"currentUser": {"id": str(world.staff.pk)}}
    with time_machine.travel(start + ttl + dt.timedelta(minutes=1), tick=False):
        assert error_codes(gql(CURRENT, headers=bearer(token))) == ["UNAUTHENTICATED"]


UPDATE_MEMBERSHIP = """mutation($id: ID, $has_api_access: Boolean, $active: Boolean) {
  updateOrganizationMembership(input: {id: $id, has_api_access: $has_api_access, active: $active}) {
    organizationMembership { id has_api_access active } messages { field message }
  }
}"""


def test_api_keys_need_membership_api_access_but_sessions_do_not(gql, world, keys):
    membership = world.provider.membership
    assert data_of(gql(CURRENT, key=keys["provider"]))["currentUser"]["id"] == str(world.provider.pk)
    result = data_of(gql(UPDATE_MEMBERSHIP, {"id": str(membership.pk), "has_api_access": False}, key=keys["owner"]))
    assert result["updateOrganizationMembership"] == {
        "organizationMembership": {"id": str(membership.pk), "has_api_access": False, "active": True},
        "messages": []}
    # The key answers like a revoked one, with Basic and with Bearer.
    response = gql.raw(CURRENT, key=keys["provider"])
    assert response.status_code == 401 and error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert error_codes(gql(CURRENT, headers=bearer(keys["provider"]))) == ["UNAUTHENTICATED"]
    # The web app's sign-in session still works for the same person.
    token = data_of(gql(SIGN_IN, {"email": world.provider.email, "password": factories.PASSWORD}))["signIn"]["token"]
    assert data_of(gql(CURRENT, headers=bearer(token))) == {"currentUser": {"id": str(world.provider.pk)}}
    # Nothing was revoked: granting access again brings the key back.
    assert ApiKey.objects.get(user=world.provider).revoked_at is None
    data_of(gql(UPDATE_MEMBERSHIP, {"id": str(membership.pk), "has_api_access": True}, key=keys["owner"]))
    assert data_of(gql(CURRENT, key=keys["provider"]))["currentUser"]["id"] == str(world.provider.pk)
    # Other members and patients are unaffected throughout.
    assert data_of(gql(CURRENT, key=keys["patient"]))["currentUser"]["id"] == str(world.patients[0].pk)


def test_inactive_membership_stops_api_keys(gql, world, keys):
    membership = world.staff.membership
    result = data_of(gql(UPDATE_MEMBERSHIP, {"id": str(membership.pk), "active": False}, key=keys["owner"]))
    assert result["updateOrganizationMembership"]["messages"] == []
    assert error_codes(gql(CURRENT, key=keys["staff"])) == ["UNAUTHENTICATED"]
    assert data_of(gql(CURRENT, key=keys["owner"]))["currentUser"]["id"] == str(world.owner.pk)


def test_no_key_is_minted_for_a_member_without_api_access(gql, world, keys):
    OrganizationMembership.objects.filter(user=world.provider).update(has_api_access=False)
    before = ApiKey.objects.count()
    token = data_of(gql(SIGN_IN, {"email": world.provider.email, "password": factories.PASSWORD}))["signIn"]["token"]
    own = data_of(gql(CREATE_KEY, {"name": "Mine"}, headers=bearer(token)))["createApiKey"]
    by_owner = data_of(gql(CREATE_KEY, {"user_id": str(world.provider.pk)}, key=keys["owner"]))["createApiKey"]
    refusal = [{"field": "user_id", "message": "This member has no API access (has_api_access is false)"}]
    assert own["messages"] == refusal and by_owner["messages"] == refusal
    assert ApiKey.objects.count() == before
