"""Patients: users/usersCount arguments, currentUser/user, createClient, updateClient,
bulkUpdateClients, updateUser and signUp, through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from apps.accounts.models import OrganizationMembership, User, UserGroup
from apps.core import jobs
from apps.core.crypto import token_hash
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

USERS = """query($args_sort: String, $active: String, $group: String, $all: Boolean, $paginate: Boolean,
  $provider: String, $limited: Boolean, $keywords: String, $page_size: Int, $offset: Int, $after: String) {
  users(sort_by: $args_sort, active_status: $active, group_id: $group, show_all_by_default: $all,
        should_paginate: $paginate, provider_id: $provider, limited_to_provider: $limited, keywords: $keywords,
        page_size: $page_size, offset: $offset, after: $after) { id cursor }
  usersCount(active_status: $active, group_id: $group, show_all_by_default: $all, provider_id: $provider,
             limited_to_provider: $limited, keywords: $keywords)
}"""


def ids(result) -> list[int]:
    return [int(u["id"]) for u in result["users"]]


@pytest.fixture
def roster(world):
    """Named patients to sort and filter: (Abe Zed, Cat Young, Bea Xu)."""
    User.objects.filter(pk__in=[p.pk for p in world.patients]).delete()
    group = UserGroup.objects.create(organization=world.org, name="Alpha")
    other_group = UserGroup.objects.create(organization=world.org, name="Beta")
    abe = factories.patient(world.org, provider=world.provider, first_name="Abe", last_name="Zed", group=group,
                            email="abe@example.com", record_identifier="MRN-0042")
    cat = factories.patient(world.org, provider=world.owner, first_name="Cat", last_name="Young",
                            group=other_group, email="cat@example.com", dob=dt.date(1970, 5, 6))
    bea = factories.patient(world.org, provider=world.provider, first_name="Bea", last_name="Xu", active=False,
                            email="bea@example.com")
    User.objects.filter(pk=abe.pk).update(created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                                          updated_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    User.objects.filter(pk=cat.pk).update(created_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
                                          updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    User.objects.filter(pk=bea.pk).update(created_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                                          updated_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    return {"abe": abe.pk, "cat": cat.pk, "bea": bea.pk, "group": group.pk, "other_group": other_group.pk}


@pytest.mark.parametrize("sort_by,order", [
    (None, ["abe", "cat", "bea"]),  # documented default: last_name_desc
    ("last_name_desc", ["abe", "cat", "bea"]),
    ("last_name_asc", ["bea", "cat", "abe"]),
    ("first_name_asc", ["abe", "bea", "cat"]),
    ("first_name_desc", ["cat", "bea", "abe"]),
    ("email", ["abe", "bea", "cat"]),
    ("created_at_asc", ["abe", "cat", "bea"]),
    ("created_at_desc", ["bea", "cat", "abe"]),
    ("updated_at_asc", ["cat", "bea", "abe"]),
    ("updated_at_desc", ["abe", "bea", "cat"]),
    ("group_name_asc", ["bea", "abe", "cat"]),
    ("group_name_desc", ["cat", "abe", "bea"]),
    ("provider_name_asc", None),
    ("provider_name_desc", None),
])
def test_users_sort_by(gql, world, keys, roster, sort_by, order):
    result = data_of(gql(USERS, {"args_sort": sort_by}, key=keys["owner"]))
    assert result["usersCount"] == 3
    if order is not None:
        assert ids(result) == [roster[n] for n in order]
    else:
        providers = {roster["abe"]: world.provider.last_name, roster["bea"]: world.provider.last_name,
                     roster["cat"]: world.owner.last_name}
        names = [providers[i].lower() for i in ids(result)]
        assert names == sorted(names, reverse=sort_by.endswith("desc"))


def test_users_keyset_pagination_over_every_sort(gql, world, keys, roster):
    """Walking with page_size 1 and the cursor visits every patient once, in the unpaginated order."""
    for sort_by in ("last_name_asc", "created_at_desc", "group_name_asc", "provider_name_desc", "email"):
        full = ids(data_of(gql(USERS, {"args_sort": sort_by, "paginate": False}, key=keys["owner"])))
        walked, after = [], None
        for _ in range(5):
            page = data_of(gql(USERS, {"args_sort": sort_by, "page_size": 1, "after": after}, key=keys["owner"]))
            if not page["users"]:
                break
            walked += ids(page)
            after = page["users"][-1]["cursor"]
        assert walked == full, sort_by


def test_users_filters(gql, world, keys, roster):
    def run(**variables):
        result = data_of(gql(USERS, variables, key=keys["owner"]))
        assert result["usersCount"] == len(result["users"])
        return sorted(ids(result))

    r = roster
    assert run(active="active") == sorted([r["abe"], r["cat"]])
    assert run(active="archived") == [r["bea"]]
    assert run(group=str(r["group"])) == [r["abe"]]
    assert run(group="") == sorted([r["abe"], r["cat"], r["bea"]])
    assert run(all=False) == []
    assert run(all=False, keywords="abe") == [r["abe"]]
    assert run(keywords="MRN-0042") == [r["abe"]]
    assert run(keywords="1970-05-06") == [r["cat"]]
    assert run(keywords="May 6, 1970") == []  # a multi-word date is three terms, all must match
    assert run(keywords=str(r["bea"])) == [r["bea"]]
    assert run(keywords="example.com young") == [r["cat"]]
    assert run(keywords="abe young") == []
    assert run(limited=True) == [r["cat"]]  # the owner's own patients
    assert run(provider=str(world.provider.pk), limited=True) == sorted([r["abe"], r["bea"]])
    assert run(provider=str(world.provider.pk)) == sorted([r["abe"], r["cat"], r["bea"]])  # sees all clients
    OrganizationMembership.objects.filter(user=world.provider).update(can_see_all_clients=False)
    assert run(provider=str(world.provider.pk)) == sorted([r["abe"], r["bea"]])
    assert run(provider=str(world.patients[0].pk) if world.patients else "999999") == []


def test_users_should_paginate_false_and_offset(gql, world, keys):
    for n in range(12):
        factories.patient(world.org, last_name=f"Bulk{n:02d}")
    paged = data_of(gql(USERS, {}, key=keys["owner"]))
    assert len(paged["users"]) == 10 and paged["usersCount"] == 15  # documented default page size 10
    everything = data_of(gql(USERS, {"paginate": False}, key=keys["owner"]))
    assert len(everything["users"]) == 15
    tail = data_of(gql(USERS, {"offset": 10}, key=keys["owner"]))
    assert ids(tail) == ids(everything)[10:]
    beyond = data_of(gql(USERS, {"offset": 150}, key=keys["owner"]))
    assert beyond["users"] == []  # documented: a too large offset returns an empty array


def test_current_user_and_user_or_current_user(gql, world, keys):
    me = data_of(gql("{ currentUser { id is_patient organization { id } } }", key=keys["patient"]))
    assert me == {"currentUser": {"id": str(world.patients[0].pk), "is_patient": True,
                                  "organization": {"id": str(world.org.pk)}}}
    fallback = data_of(gql('{ user(id: "999999", or_current_user: true) { id } }', key=keys["provider"]))
    assert fallback == {"user": {"id": str(world.provider.pk)}}
    fallback = data_of(gql("{ user(or_current_user: true) { id } }", key=keys["provider"]))
    assert fallback == {"user": {"id": str(world.provider.pk)}}
    assert error_codes(gql('{ user(id: "999999") { id } }', key=keys["provider"])) == ["NOT_FOUND"]


def test_set_password_link_only_in_the_payload_that_issued_it(gql, world, keys):
    """Only the code's hash is stored: the member who invites sees the link once, in the payload;
    later reads (by anyone) answer null, and a read issues nothing."""
    created = data_of(gql("""mutation { createClient(input: {first_name: "Ida", last_name: "Link",
        email: "ida@example.com", dont_send_welcome: true}) { user { id set_password_link } messages { field } } }""",
                          key=keys["provider"]))["createClient"]
    link = created["user"]["set_password_link"]
    user = User.objects.get(pk=created["user"]["id"])
    assert link.startswith("/set_password?signup_token=cpi_")
    assert token_hash(link.split("=", 1)[1]) == user.signup_token_hash
    query = "query($id: ID) { user(id: $id) { set_password_link } }"
    for key in (keys["provider"], keys["owner"]):
        assert data_of(gql(query, {"id": created["user"]["id"]}, key=key)) == {"user": {"set_password_link": None}}
    assert User.objects.get(pk=user.pk).signup_token_hash == user.signup_token_hash  # reading changed nothing
    resent = data_of(gql("""mutation($id: ID) { updateClient(input: {id: $id, resend_welcome: true}) {
        user { set_password_link } } }""", {"id": created["user"]["id"]}, key=keys["provider"]))
    new_link = resent["updateClient"]["user"]["set_password_link"]
    assert new_link != link and token_hash(new_link.split("=", 1)[1]) == User.objects.get(pk=user.pk).signup_token_hash
    # A patient reading their own record never sees a link.
    mine = data_of(gql("{ currentUser { set_password_link } }", key=keys["patient"]))
    assert mine == {"currentUser": {"set_password_link": None}}


UPDATE_CLIENT = """mutation($input: updateClientInput) {
  updateClient(input: $input) { user { id first_name active user_group_id dietitian_id } messages { field message } }
}"""


def test_update_client_resend_welcome_takes_precedence(gql, world, keys, django_capture_on_commit_callbacks):
    patient = world.patients[0]
    with django_capture_on_commit_callbacks(execute=True):
        result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "resend_welcome": True,
                                                       "first_name": "Renamed"}}, key=keys["provider"]))
    assert result["updateClient"]["messages"] == []
    assert result["updateClient"]["user"]["first_name"] == patient.first_name
    fresh = User.objects.get(pk=patient.pk)
    assert fresh.first_name == patient.first_name  # documented: the name is not updated
    assert mail.outbox == []  # sent by the worker, not inside the request
    jobs.drain()
    assert [m.to for m in mail.outbox] == [[patient.email]]
    assert token_hash(factories.invitation_code(mail.outbox[0].body)) == fresh.signup_token_hash


def test_update_client_form_reminder(gql, world, keys, django_capture_on_commit_callbacks):
    patient = world.patients[0]
    with django_capture_on_commit_callbacks(execute=True):
        result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "send_form_request_reminder": True,
                                                       "is_intake_item": True, "last_name": "Changed"}},
                             key=keys["provider"]))
    assert result["updateClient"]["messages"] == []
    assert User.objects.get(pk=patient.pk).last_name == patient.last_name
    jobs.drain()
    assert [m.subject for m in mail.outbox] == ["Please complete your intake forms"]
    result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "send_form_request_reminder": True}},
                         key=keys["provider"]))
    assert result["updateClient"] == {"user": None, "messages": [{
        "field": "send_form_request_reminder",
        "message": "Send is_intake_item or requested_form_completion_id with it"}]}


def test_update_client_archive_group_dietitian_password(gql, world, keys):
    patient = world.patients[0]
    group = UserGroup.objects.create(organization=world.org, name="G")
    result = data_of(gql(UPDATE_CLIENT, {"input": {
        "id": str(patient.pk), "active": False, "user_group_id": str(group.pk),
        "dietitian_id": str(world.owner.pk), "password": "purple-monkey-dishwasher-77"}}, key=keys["staff"]))
    assert result["updateClient"] == {"user": {"id": str(patient.pk), "first_name": patient.first_name,
                                               "active": False, "user_group_id": str(group.pk),
                                               "dietitian_id": str(world.owner.pk)}, "messages": []}
    fresh = User.objects.get(pk=patient.pk)
    assert fresh.check_password("purple-monkey-dishwasher-77")
    # user_group_id "" (or for_changing_groups) removes the patient from their group.
    result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "user_group_id": ""}}, key=keys["staff"]))
    assert result["updateClient"]["user"]["user_group_id"] is None
    User.objects.filter(pk=patient.pk).update(user_group=group)
    result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "for_changing_groups": True}},
                         key=keys["staff"]))
    assert result["updateClient"]["user"]["user_group_id"] is None
    weak = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "password": "short"}}, key=keys["staff"]))
    assert weak["updateClient"] == {"user": None, "messages": [
        {"field": "password", "message": "is too short (minimum is 8 characters)"}]}


def test_update_client_requires_id(gql, world, keys):
    result = data_of(gql(UPDATE_CLIENT, {"input": {"first_name": "X"}}, key=keys["provider"]))
    assert result["updateClient"] == {"user": None, "messages": [{"field": "id", "message": "id is required"}]}


BULK = """mutation($input: bulkUpdateClientsInput) {
  bulkUpdateClients(input: $input) { users { id active user_group_id } messages { field message } }
}"""


def test_bulk_update_group_wins_over_active_status(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="G")
    pks = [str(p.pk) for p in world.patients]
    result = data_of(gql(BULK, {"input": {"ids": pks, "user_group_id": str(group.pk), "active_status": False}},
                         key=keys["provider"]))
    assert result["bulkUpdateClients"] == {"users": [
        {"id": pk, "active": True, "user_group_id": str(group.pk)} for pk in sorted(pks, key=int)], "messages": []}
    assert set(User.objects.filter(pk__in=pks).values_list("active", flat=True)) == {True}


def test_bulk_update_needs_one_field_and_known_ids(gql, world, keys):
    pks = [str(p.pk) for p in world.patients]
    result = data_of(gql(BULK, {"input": {"ids": pks}}, key=keys["provider"]))
    assert result["bulkUpdateClients"]["messages"] == [
        {"field": "active_status", "message": "Send user_group_id or active_status"}]
    result = data_of(gql(BULK, {"input": {"ids": [*pks, "999999"], "active_status": False}}, key=keys["provider"]))
    assert result["bulkUpdateClients"]["messages"] == [{"field": "ids", "message": "Some patients were not found."}]
    result = data_of(gql(BULK, {"input": {"ids": [], "active_status": False}}, key=keys["provider"]))
    assert result["bulkUpdateClients"]["messages"] == [{"field": "ids", "message": "ids can't be blank"}]
    assert set(User.objects.filter(pk__in=pks).values_list("active", flat=True)) == {True}


def test_bulk_update_by_restricted_provider(gql, world, keys):
    """Members who see only their own patients go through a filtered queryset (no DISTINCT + FOR UPDATE)."""
    OrganizationMembership.objects.filter(user=world.provider).update(can_see_all_clients=False)
    pks = [str(p.pk) for p in world.patients]
    result = data_of(gql(BULK, {"input": {"ids": pks, "active_status": False}}, key=keys["provider"]))
    assert result["bulkUpdateClients"]["messages"] == []
    owners = factories.patient(world.org, provider=world.owner)
    result = data_of(gql(BULK, {"input": {"ids": [str(owners.pk)], "active_status": False}}, key=keys["provider"]))
    assert result["bulkUpdateClients"]["messages"] == [{"field": "ids", "message": "Some patients were not found."}]
    assert User.objects.get(pk=owners.pk).active is True


UPDATE_USER = """mutation($input: updateUserInput) {
  updateUser(input: $input) { user { id first_name email } messages { field message } }
}"""


def test_update_user_defaults_to_self_and_current_email(gql, world, keys):
    me = world.patients[0]
    result = data_of(gql(UPDATE_USER, {"input": {"first_name": "Selfie"}}, key=keys["patient"]))
    assert result["updateUser"] == {"user": {"id": str(me.pk), "first_name": "Selfie", "email": me.email},
                                    "messages": []}
    other = world.patients[1]
    result = data_of(gql(UPDATE_USER, {"input": {"current_email": other.email.upper(), "first_name": "ByEmail"}},
                         key=keys["provider"]))
    assert result["updateUser"]["user"]["id"] == str(other.pk)
    assert User.objects.get(pk=other.pk).first_name == "ByEmail"
    # A patient naming someone else's e-mail finds nobody.
    result = data_of(gql(UPDATE_USER, {"input": {"current_email": world.patients[2].email, "first_name": "X"}},
                         key=keys["patient"]))
    assert result["updateUser"] == {"user": None, "messages": [
        {"field": "current_email", "message": "User not found."}]}
    assert User.objects.get(pk=world.patients[2].pk).first_name != "X"


def test_update_user_patient_cannot_change_group(gql, world, keys):
    result = data_of(gql(UPDATE_USER, {"input": {"email": "bad"}}, key=keys["patient"]))
    assert result["updateUser"] == {"user": None, "messages": [
        {"field": "email", "message": "is not a valid e-mail address"}]}


SIGN_UP = """mutation($input: signUpInput) { signUp(input: $input) { user { id } messages { field message } } }"""


def test_sign_up_with_invite_code(gql, world):
    group = UserGroup.objects.create(organization=world.org, name="Invited", invite_code="abc123")
    result = data_of(gql(SIGN_UP, {"input": {"first_name": "Ina", "last_name": "Vite", "email": "ina@example.com",
                                             "password": "quartz-lantern-meadow-19", "role": "patient",
                                             "invite_code": "abc123"}}))
    user = User.objects.get(email="ina@example.com")
    assert result == {"signUp": {"user": {"id": str(user.pk)}, "messages": []}}
    assert (user.organization_id, user.user_group_id, user.dietitian_id) == (world.org.pk, group.pk, world.owner.pk)


@pytest.mark.parametrize("changes,expected", [
    ({"password": "short1"}, [{"field": "password", "message": "is too short (minimum is 8 characters)"}]),
    ({"password": "password"}, [{"field": "password",
                                 "message": "is too weak; use a longer password or an unusual phrase"}]),
    ({"password": "qwertyuiop"}, [{"field": "password",
                                   "message": "is too weak; use a longer password or an unusual phrase"}]),
    ({"dietitian_id": None}, [{"field": "dietitian_id", "message": "Send dietitian_id or invite_code"}]),
    ({"dietitian_id": "999999"}, [{"field": "dietitian_id", "message": "Provider not found."}]),
    ({"invite_code": "nope00"}, [{"field": "invite_code", "message": "Invite code is not valid"}]),
    ({"role": "provider"}, [{"field": "role", "message": 'Only patients can sign up here (role must be "patient")'}]),
    ({"email": None}, [{"field": "email", "message": "Email can't be blank"}]),
])
def test_sign_up_refusals(gql, world, changes, expected):
    values = {"first_name": "Lena", "last_name": "Park", "email": "lena@example.com",
              "password": "saffron-kayak-nebula-71", "role": "patient", "dietitian_id": str(world.provider.pk)}
    values.update(changes)
    before = User.objects.count()
    result = data_of(gql(SIGN_UP, {"input": values}))
    assert result == {"signUp": {"user": None, "messages": expected}}
    assert User.objects.count() == before


def test_sign_up_with_patient_id_as_dietitian_is_refused(gql, world):
    values = {"first_name": "Lena", "last_name": "Park", "email": "lena@example.com",
              "password": "saffron-kayak-nebula-71", "role": "patient", "dietitian_id": str(world.patients[0].pk)}
    result = data_of(gql(SIGN_UP, {"input": values}))
    assert result["signUp"]["messages"] == [{"field": "dietitian_id", "message": "Provider not found."}]


def test_conversation_filter_never_widens_the_result(gql, world, keys):
    """No conversation exists yet (the chat domain brings them): the filter matches nobody."""
    result = data_of(gql('{ users(conversation_id: "5") { id } usersCount(conversation_id: "5") '
                         'organizationMembers(conversation_id: "5") { id } '
                         'organizationMembersCount(conversation_id: "5") }', key=keys["owner"]))
    assert result == {"users": [], "usersCount": 0, "organizationMembers": [], "organizationMembersCount": 0}
