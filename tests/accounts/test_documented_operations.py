"""Every documented accounts/other example operation, sent verbatim over HTTP with data.

Each test loads the operation text from the acceptance kit, sends it with realistic
variables and a real API key, and checks the exact payload and the database effect.
"""

from __future__ import annotations

import pytest
from django.core import mail

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
from apps.core import jobs
from apps.core.crypto import token_hash
from schema.pagination import encode_cursor
from tests import factories
from tests.accounts.conftest import documented_files, documented_operation
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

# Every documented file this module executes; a test below checks none is forgotten.
EXECUTED = {
    "0080_createApiKey.graphql",
    "0135_announcements.graphql",
    "0159_announcements.graphql",
    "0537_createClient.graphql",
    "0646_getUser.graphql",
    "0677_updateClient.graphql",
    "0732_bulkUpdateClients.graphql",
    "0762_updateUser.graphql",
    "0802_users.graphql",
    "0862_users.graphql",
    "0888_createLocation.graphql",
    "0920_createGroup.graphql",
    "0942_getUserGroup.graphql",
    "0957_updateUserGroup.graphql",
    "0987_deleteUserGroup.graphql",
    "1012_userGroups.graphql",
    "1053_createTag.graphql",
    "1084_updateTag.graphql",
    "1110_deleteTag.graphql",
    "1134_tags.graphql",
    "1144_applyTags.graphql",
    "1173_removeAppliedTag.graphql",
    "1218_getOrganization.graphql",
    "1243_createOrganizationMembership.graphql",
    "1312_getOrganizationMembers.graphql",
    "1348_updateOrganizationMembership.graphql",
    "1414_deleteOrganizationMembership.graphql",
}


def test_every_documented_accounts_and_other_operation_is_executed():
    assert documented_files("accounts", "other") == EXECUTED


def test_create_api_key(gql, world, keys):
    query = documented_operation("0080_createApiKey.graphql")
    result = data_of(gql(query, {"name": "Billing sync", "user_id": str(world.owner.pk)}, key=keys["owner"]))
    payload = result["createApiKey"]
    plain = payload["api_key"]
    record = ApiKey.objects.get(pk=payload["api_key_object"]["id"])
    assert payload["messages"] == []
    assert plain.startswith("cp_") and len(plain) > 30
    assert payload["api_key_object"]["displayable_key"] == record.displayable_key
    assert plain not in record.displayable_key and record.displayable_key.endswith(plain[-4:])
    assert payload["api_key_object"]["created_at"].endswith(" +0000")
    assert record.user_id == world.owner.pk and record.name == "Billing sync"
    assert record.key_hash == token_hash(plain)
    # The new key authenticates as its user.
    assert data_of(gql("{ currentUser { id } }", key=plain))["currentUser"]["id"] == str(world.owner.pk)


def _announcements(org, user, count: int) -> list[Announcement]:
    return [Announcement.objects.create(organization=org, user=user, title=f"News {i}") for i in range(count)]


def test_documented_cursor_pagination_verbatim(gql, world, keys):
    """The documented example with its literal ids and cursor strings (rows created with ids 1-3)."""
    for pk in (1, 2, 3):
        Announcement.objects.create(pk=pk, organization=world.org, user=world.owner, title=f"News {pk}")
    first = data_of(gql(documented_operation("0135_announcements.graphql"), key=keys["patient"]))
    assert first == {
        "announcements": [{"id": "3", "cursor": "eyJrIjpbIjMiXX0="}, {"id": "2", "cursor": "eyJrIjpbIjIiXX0="}],
        "announcementsCount": 3,
    }
    second = data_of(gql(documented_operation("0159_announcements.graphql"), key=keys["patient"]))
    assert second == {"announcements": [{"id": "1", "cursor": "eyJrIjpbIjEiXX0="}], "announcementsCount": 3}


def test_cursor_pagination_with_created_announcements(gql, world, keys, other_world):
    _announcements(other_world.org, other_world.owner, 2)  # another organization's rows stay invisible
    created = []
    for title in ("Flu shots", "Holiday hours", "New portal"):
        result = data_of(gql("mutation($t: String) { createAnnouncement(input: {title: $t}) "
                             "{ announcement { id title } messages { field message } } }",
                             {"t": title}, key=keys["provider"]))["createAnnouncement"]
        assert result["messages"] == []
        created.append(int(result["announcement"]["id"]))
    newest, middle, oldest = sorted(created, reverse=True)
    page = data_of(gql(documented_operation("0135_announcements.graphql"), key=keys["staff"]))
    assert page == {
        "announcements": [
            {"id": str(newest), "cursor": encode_cursor([newest])},
            {"id": str(middle), "cursor": encode_cursor([middle])},
        ],
        "announcementsCount": 3,
    }
    assert encode_cursor([3]) == "eyJrIjpbIjMiXX0="  # the documented form of the cursor
    after = page["announcements"][1]["cursor"]
    rest = data_of(gql("query($a: String) { announcements(page_size: 2, should_paginate: true, after: $a) "
                       "{ id cursor } }", {"a": after}, key=keys["staff"]))
    assert rest == {"announcements": [{"id": str(oldest), "cursor": encode_cursor([oldest])}]}


def test_create_client(gql, world, keys, django_capture_on_commit_callbacks):
    group = UserGroup.objects.create(organization=world.org, name="Discovery Patients")
    variables = {
        "first_name": "Ada", "last_name": "Lovelace", "email": "Ada.Lovelace@Example.com", "skipped_email": False,
        "phone_number": "555-444-2244", "dietitian_id": str(world.provider.pk), "user_group_id": str(group.pk),
        "dont_send_welcome": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = data_of(gql(documented_operation("0537_createClient.graphql"), variables, key=keys["staff"]))
    payload = result["createClient"]
    assert payload["messages"] == []
    user = User.objects.get(pk=payload["user"]["id"])
    assert payload == {"user": {"id": str(user.pk)}, "messages": []}
    assert (user.first_name, user.last_name, user.email, user.phone_number) == (
        "Ada", "Lovelace", "ada.lovelace@example.com", "555-444-2244")
    assert user.is_patient and user.organization_id == world.org.pk
    assert user.dietitian_id == world.provider.pk and user.user_group_id == group.pk
    assert not user.has_usable_password()
    jobs.drain()
    assert mail.outbox == []  # dont_send_welcome


def test_create_client_sends_welcome_by_default(gql, world, keys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = data_of(gql(documented_operation("0537_createClient.graphql"),
                             {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
                             key=keys["provider"]))
    user = User.objects.get(pk=result["createClient"]["user"]["id"])
    assert user.dietitian_id == world.provider.pk  # defaults to the authenticated provider
    jobs.drain()
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    assert token_hash(factories.invitation_code(mail.outbox[0].body)) == user.signup_token_hash


def test_get_user(gql, world, keys):
    query = documented_operation("0646_getUser.graphql")
    schema_text = (factories_schema_sdl())
    if "next_appt_date" not in schema_text:
        pytest.skip("User.next_appt_date is added by the scheduling domain, not merged here yet")
    patient = world.patients[0]
    User.objects.filter(pk=patient.pk).update(dob="1990-02-03", gender="Female", phone_number="555-0100")
    result = data_of(gql(query, {"id": str(patient.pk)}, key=keys["provider"]))
    assert result == {"user": {
        "id": str(patient.pk), "first_name": patient.first_name, "last_name": patient.last_name,
        "dob": "1990-02-03", "gender": "Female", "email": patient.email, "phone_number": "555-0100",
        "next_appt_date": None,
    }}


def factories_schema_sdl() -> str:
    from schema.schema import schema

    return schema.as_str()


def test_update_client(gql, world, keys):
    patient = world.patients[1]
    variables = {"id": str(patient.pk), "first_name": "Mary", "last_name": "Shelley",
                 "legal_name": "Mary Wollstonecraft Shelley", "email": "mary@example.org"}
    result = data_of(gql(documented_operation("0677_updateClient.graphql"), variables, key=keys["provider"]))
    assert result == {"updateClient": {"user": {
        "id": str(patient.pk), "first_name": "Mary", "last_name": "Shelley",
        "legal_name": "Mary Wollstonecraft Shelley", "email": "mary@example.org"}, "messages": []}}
    patient.refresh_from_db()
    assert (patient.first_name, patient.last_name, patient.legal_name, patient.email) == (
        "Mary", "Shelley", "Mary Wollstonecraft Shelley", "mary@example.org")


def test_bulk_update_clients(gql, world, keys):
    ids = [str(p.pk) for p in world.patients[:2]]
    result = data_of(gql(documented_operation("0732_bulkUpdateClients.graphql"),
                         {"ids": ids, "active_status": False}, key=keys["provider"]))
    assert result == {"bulkUpdateClients": {"users": [{"id": i} for i in sorted(ids, key=int)], "messages": []}}
    assert list(User.objects.filter(pk__in=ids).values_list("active", flat=True)) == [False, False]
    assert User.objects.get(pk=world.patients[2].pk).active is True


def test_update_user_by_patient(gql, world, keys):
    me = world.patients[0]
    variables = {"first_name": "Jo", "legal_name": "Josephine March", "last_name": "March",
                 "email": "jo.march@example.com", "id": str(me.pk)}
    result = data_of(gql(documented_operation("0762_updateUser.graphql"), variables, key=keys["patient"]))
    assert result == {"updateUser": {"user": {"id": str(me.pk)}, "messages": []}}
    me.refresh_from_db()
    assert (me.first_name, me.legal_name, me.last_name, me.email) == (
        "Jo", "Josephine March", "March", "jo.march@example.com")


def test_users_with_every_documented_argument(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="Knee rehab")
    a = factories.patient(world.org, provider=world.provider, first_name="John", last_name="Doe", group=group)
    b = factories.patient(world.org, provider=world.provider, first_name="Johnny", last_name="Doerr", group=group)
    factories.patient(world.org, provider=world.owner, first_name="John", last_name="Dorian", group=group)
    factories.patient(world.org, provider=world.provider, first_name="John", last_name="Dolan", group=group,
                      active=False)
    variables = {"offset": 0, "keywords": "john do", "sort_by": "last_name_asc", "active_status": "active",
                 "group_id": str(group.pk), "show_all_by_default": False, "should_paginate": True,
                 "provider_id": str(world.provider.pk), "conversation_id": None, "limited_to_provider": True}
    result = data_of(gql(documented_operation("0802_users.graphql"), variables, key=keys["owner"]))
    assert result == {"usersCount": 2, "users": [{"id": str(a.pk)}, {"id": str(b.pk)}]}


def test_patient_search_matches_all_terms(gql, world, keys):
    match = factories.patient(world.org, first_name="John", last_name="Doe", dob="2002-01-01")
    factories.patient(world.org, first_name="John", last_name="Doe", dob="2003-01-01")
    factories.patient(world.org, first_name="John", last_name="Smith", dob="2002-01-01")
    result = data_of(gql(documented_operation("0862_users.graphql"), {"keywords": "John Doe 2002-01-01"},
                         key=keys["provider"]))
    assert result == {"users": [{"id": str(match.pk)}]}


def test_create_location(gql, world, keys):
    patient = world.patients[0]
    variables = {"user_id": str(patient.pk), "name": "Home", "line1": "12 Main St", "zip": "10001",
                 "city": "New York", "state": "NY", "npi": "1234567893"}
    result = data_of(gql(documented_operation("0888_createLocation.graphql"), variables, key=keys["provider"]))
    location = Location.objects.get()
    assert result == {"createLocation": {"location": {"id": str(location.pk), "name": "Home", "line1": "12 Main St",
                                                      "zip": "10001"}, "messages": []}}
    assert (location.user_id, location.organization_id, location.city, location.state, location.npi,
            location.country) == (patient.pk, world.org.pk, "New York", "NY", "1234567893", "US")


def test_create_group(gql, world, keys):
    result = data_of(gql(documented_operation("0920_createGroup.graphql"), {"name": "Discovery Patients"},
                         key=keys["staff"]))
    group = UserGroup.objects.get()
    assert result == {"createGroup": {"user_group": {"id": str(group.pk), "name": "Discovery Patients"},
                                      "messages": []}}
    assert group.organization_id == world.org.pk and len(group.invite_code) == 6


def test_get_user_group(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="Discovery Patients", invite_code="fbeb7f")
    User.objects.filter(pk__in=[p.pk for p in world.patients[:2]]).update(user_group=group)
    result = data_of(gql(documented_operation("0942_getUserGroup.graphql"), {"id": str(group.pk)},
                         key=keys["provider"]))
    assert result == {"userGroup": {"id": str(group.pk), "name": "Discovery Patients", "users_count": 2,
                                    "invite_code": "fbeb7f"}}


def test_update_user_group(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="Old name")
    result = data_of(gql(documented_operation("0957_updateUserGroup.graphql"),
                         {"id": str(group.pk), "name": "New name", "onboarding_flow_id": None}, key=keys["provider"]))
    assert result == {"updateUserGroup": {"user_group": {"id": str(group.pk), "name": "New name"}, "messages": []}}
    group.refresh_from_db()
    assert group.name == "New name"


def test_update_user_group_with_unknown_onboarding_flow(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="Old name")
    result = data_of(gql(documented_operation("0957_updateUserGroup.graphql"),
                         {"id": str(group.pk), "name": "New name", "onboarding_flow_id": "11"}, key=keys["provider"]))
    assert result == {"updateUserGroup": {"user_group": None, "messages": [
        {"field": "onboarding_flow_id", "message": "Onboarding flow not found."}]}}
    group.refresh_from_db()
    assert group.name == "Old name"


def test_delete_user_group_moves_clients(gql, world, keys):
    doomed = UserGroup.objects.create(organization=world.org, name="Doomed")
    receiver = UserGroup.objects.create(organization=world.org, name="Receiver")
    User.objects.filter(pk__in=[p.pk for p in world.patients]).update(user_group=doomed)
    result = data_of(gql(documented_operation("0987_deleteUserGroup.graphql"),
                         {"id": str(doomed.pk), "group_to_receive_clients": str(receiver.pk)}, key=keys["provider"]))
    assert result == {"deleteUserGroup": {"user_group": {"id": str(doomed.pk)}, "messages": []}}
    assert not UserGroup.objects.filter(pk=doomed.pk).exists()
    assert set(User.objects.filter(user_group=receiver).values_list("pk", flat=True)) == {
        p.pk for p in world.patients}


def test_delete_user_group_without_receiver(gql, world, keys):
    doomed = UserGroup.objects.create(organization=world.org, name="Doomed")
    User.objects.filter(pk=world.patients[0].pk).update(user_group=doomed)
    result = data_of(gql(documented_operation("0987_deleteUserGroup.graphql"), {"id": str(doomed.pk)},
                         key=keys["provider"]))
    assert result == {"deleteUserGroup": {"user_group": {"id": str(doomed.pk)}, "messages": []}}
    assert User.objects.get(pk=world.patients[0].pk).user_group_id is None


def test_user_groups(gql, world, keys):
    alpha = UserGroup.objects.create(organization=world.org, name="Alpha walkers")
    beta = UserGroup.objects.create(organization=world.org, name="Beta walkers")
    UserGroup.objects.create(organization=world.org, name="Gamma")
    User.objects.filter(pk=world.patients[0].pk).update(user_group=beta)
    result = data_of(gql(documented_operation("1012_userGroups.graphql"),
                         {"offset": 0, "keywords": "walkers", "sort_by": "users_count_desc"}, key=keys["provider"]))
    assert result == {"userGroupsCount": 2, "userGroups": [
        {"id": str(beta.pk), "name": "Beta walkers", "users_count": 1},
        {"id": str(alpha.pk), "name": "Alpha walkers", "users_count": 0},
    ]}


def test_create_tag(gql, world, keys):
    patient = world.patients[0]
    result = data_of(gql(documented_operation("1053_createTag.graphql"),
                         {"name": "High risk", "taggable_user_id": str(patient.pk)}, key=keys["provider"]))
    tag = Tag.objects.get()
    assert result == {"createTag": {"tag": {"id": str(tag.pk), "name": "High risk",
                                            "tagged_users": [{"id": str(patient.pk)}]}, "messages": []}}
    assert (tag.user_id, tag.organization_id) == (world.provider.pk, world.org.pk)
    assert AppliedTag.objects.filter(tag=tag, user=patient).exists()


def test_create_tag_duplicate_name_fails(gql, world, keys):
    Tag.objects.create(organization=world.org, user=world.provider, name="High risk")
    result = data_of(gql(documented_operation("1053_createTag.graphql"), {"name": "high RISK"}, key=keys["provider"]))
    assert result == {"createTag": {"tag": None, "messages": [
        {"field": "name", "message": "A tag with this name already exists"}]}}
    assert Tag.objects.count() == 1


def test_update_tag(gql, world, keys):
    tag = Tag.objects.create(organization=world.org, user=world.provider, name="High risk")
    result = data_of(gql(documented_operation("1084_updateTag.graphql"), {"id": str(tag.pk), "name": "Low risk"},
                         key=keys["provider"]))
    assert result == {"updateTag": {"tag": {"id": str(tag.pk), "name": "Low risk"}, "messages": []}}
    tag.refresh_from_db()
    assert tag.name == "Low risk"


def test_delete_tag_keeps_users(gql, world, keys):
    tag = Tag.objects.create(organization=world.org, user=world.provider, name="High risk")
    AppliedTag.objects.create(tag=tag, user=world.patients[0])
    result = data_of(gql(documented_operation("1110_deleteTag.graphql"), {"id": str(tag.pk)}, key=keys["provider"]))
    assert result == {"deleteTag": {"tag": {"id": str(tag.pk), "name": "High risk"}, "messages": []}}
    assert not Tag.objects.exists() and not AppliedTag.objects.exists()
    assert User.objects.filter(pk=world.patients[0].pk).exists()


def test_tags(gql, world, keys, other_world):
    b = Tag.objects.create(organization=world.org, user=world.provider, name="beta")
    a = Tag.objects.create(organization=world.org, user=world.owner, name="Alpha")
    Tag.objects.create(organization=other_world.org, user=other_world.owner, name="Foreign")
    result = data_of(gql(documented_operation("1134_tags.graphql"), key=keys["staff"]))
    assert result == {"tags": [{"id": str(a.pk), "name": "Alpha"}, {"id": str(b.pk), "name": "beta"}]}


def test_apply_tags(gql, world, keys):
    one = Tag.objects.create(organization=world.org, user=world.provider, name="One")
    two = Tag.objects.create(organization=world.org, user=world.provider, name="Two")
    patient = world.patients[2]
    result = data_of(gql(documented_operation("1144_applyTags.graphql"),
                         {"ids": [str(one.pk), str(two.pk)], "taggable_user_id": str(patient.pk)},
                         key=keys["provider"]))
    assert result == {"bulkApply": {"tags": [{"id": str(one.pk), "name": "One"}, {"id": str(two.pk), "name": "Two"}],
                                    "messages": []}}
    assert set(AppliedTag.objects.filter(user=patient).values_list("tag_id", flat=True)) == {one.pk, two.pk}


def test_remove_applied_tag(gql, world, keys):
    tag = Tag.objects.create(organization=world.org, user=world.provider, name="One")
    AppliedTag.objects.create(tag=tag, user=world.patients[0])
    AppliedTag.objects.create(tag=tag, user=world.patients[1])
    result = data_of(gql(documented_operation("1173_removeAppliedTag.graphql"),
                         {"id": str(tag.pk), "taggable_user_id": str(world.patients[0].pk)}, key=keys["provider"]))
    assert result == {"removeAppliedTag": {"tag": {"id": str(tag.pk), "name": "One"}, "messages": []}}
    assert list(AppliedTag.objects.values_list("user_id", flat=True)) == [world.patients[1].pk]


def test_get_organization(gql, world, keys):
    location = Location.objects.create(organization=world.org, city="New York", country="US")
    world.org.location = location
    world.org.save()
    result = data_of(gql(documented_operation("1218_getOrganization.graphql"), {"id": str(world.org.pk)},
                         key=keys["provider"]))
    assert result == {"organization": {"id": str(world.org.pk), "name": "Sunrise PACE",
                                       "location": {"city": "New York", "country": "US"}}}
    # Without an id: the caller's own organization.
    result = data_of(gql(documented_operation("1218_getOrganization.graphql"), {}, key=keys["patient"]))
    assert result["organization"]["id"] == str(world.org.pk)


def test_create_organization_membership(gql, world, keys, django_capture_on_commit_callbacks):
    variables = {"first_name": "Nora", "last_name": "Nurse", "email": "nora@example.com",
                 "password": "violet-otter-tango-93", "title": "RN", "org_role": "Support",
                 "send_invite_email": True, "phone_number": "555-0111", "dont_send_welcome": False,
                 "organization_id": str(world.org.pk), "timezone": "America/Chicago"}
    with django_capture_on_commit_callbacks(execute=True):
        result = data_of(gql(documented_operation("1243_createOrganizationMembership.graphql"), variables,
                             key=keys["owner"]))
    user = User.objects.get(email="nora@example.com")
    assert result == {"createOrganizationMembership": {"organizationMembership": {
        "user": {"id": str(user.pk)}, "org_role": "Support", "can_see_calendar": True, "can_edit_forms": True},
        "messages": []}}
    membership = OrganizationMembership.objects.get(user=user)
    assert (membership.organization_id, membership.title, membership.org_role) == (world.org.pk, "RN", "Support")
    assert (user.is_patient, user.timezone, user.phone_number) == (False, "America/Chicago", "555-0111")
    assert user.check_password("violet-otter-tango-93")
    jobs.drain()
    assert [m.to for m in mail.outbox] == [["nora@example.com"]]


def test_get_organization_members(gql, world, keys, other_world):
    OrganizationMembership.objects.filter(user=world.provider).update(licensed_states=["NY", "CA"])
    OrganizationMembership.objects.filter(user=world.staff).update(licensed_states=["CA"], has_api_access=False)
    variables = {"offset": 0, "page_size": 10, "keywords": None, "sort_by": "first_name_desc",
                 "licensed_in_state": "ca", "conversation_id": None}
    result = data_of(gql(documented_operation("1312_getOrganizationMembers.graphql"), variables,
                         key=keys["owner"]))
    assert result == {"organizationMembers": [
        {"id": str(world.staff.pk), "first_name": "Sam", "last_name": world.staff.last_name,
         "email": world.staff.email, "has_api_access": False},
        {"id": str(world.provider.pk), "first_name": "Paula", "last_name": world.provider.last_name,
         "email": world.provider.email, "has_api_access": True},
    ]}


def test_update_organization_membership_by_email(gql, world, keys):
    """The documented example sends no id: the member is named by e-mail."""
    variables = {"first_name": "Paulina", "email": world.provider.email, "title": "Lead dietitian",
                 "org_role": "Support", "timezone": "Europe/Berlin", "organization_id": str(world.org.pk)}
    result = data_of(gql(documented_operation("1348_updateOrganizationMembership.graphql"), variables,
                         key=keys["owner"]))
    assert result == {"updateOrganizationMembership": {"organizationMembership": {
        "user": {"id": str(world.provider.pk)}, "org_role": "Support", "can_see_calendar": True,
        "can_edit_forms": True}, "messages": []}}
    world.provider.refresh_from_db()
    membership = OrganizationMembership.objects.get(user=world.provider)
    assert (world.provider.first_name, world.provider.timezone) == ("Paulina", "Europe/Berlin")
    assert (membership.title, membership.org_role) == ("Lead dietitian", "Support")


def test_delete_organization_membership(gql, world, keys):
    membership = OrganizationMembership.objects.get(user=world.staff)
    staff_key = keys["staff"]
    result = data_of(gql(documented_operation("1414_deleteOrganizationMembership.graphql"),
                         {"id": str(membership.pk)}, key=keys["owner"]))
    assert result == {"deleteOrganizationMembership": {"organizationMembership": {"id": str(membership.pk)},
                                                       "messages": []}}
    membership.refresh_from_db()
    assert membership.active is False and User.objects.get(pk=world.staff.pk).active is False
    # The archived member's key stops working.
    assert gql("{ currentUser { id } }", key=staff_key)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


SIGN_UP = """
mutation signUp($timezone: String, $first_name: String, $last_name: String, $email: String, $password: String,
                $phone_number: String, $invite_code: String, $role: String, $dietitian_id: String) {
  signUp(input: {first_name: $first_name, last_name: $last_name, email: $email, password: $password,
                 phone_number: $phone_number, invite_code: $invite_code, role: $role,
                 dietitian_id: $dietitian_id, timezone: $timezone}) {
    user { id }
    messages { field message }
  }
}
"""


def test_sign_up_corrected_documented_example(gql, world):
    """SKIPPED.md line 591: the documented signUp declares an unused $provider_type; corrected here."""
    variables = {"timezone": "America/New_York", "first_name": "Lena", "last_name": "Park",
                 "email": "lena.park@example.com", "password": "saffron-kayak-nebula-71", "phone_number": "555-0199",
                 "invite_code": None, "role": "patient", "dietitian_id": str(world.provider.pk)}
    result = data_of(gql(SIGN_UP, variables))
    user = User.objects.get(email="lena.park@example.com")
    assert result == {"signUp": {"user": {"id": str(user.pk)}, "messages": []}}
    assert (user.is_patient, user.organization_id, user.dietitian_id, user.timezone, user.phone_number) == (
        True, world.org.pk, world.provider.pk, "America/New_York", "555-0199")
    assert user.check_password("saffron-kayak-nebula-71")
