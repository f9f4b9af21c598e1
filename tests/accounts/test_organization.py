"""Organizations, memberships (and their permissions), groups, tags, locations, announcements."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.accounts.models import AppliedTag, Location, OrganizationMembership, Tag, User, UserGroup
from apps.announcements.models import Announcement
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

ORG = """query($id: ID, $provider_id: ID, $provider_ids: [ID], $email: String, $for_client: Boolean) {
  organization(id: $id, provider_id: $provider_id, provider_ids: $provider_ids, email: $email,
               for_client: $for_client) { id name }
}"""


def test_organization_lookups(gql, world, keys):
    sub = factories.organization("Sunrise North", parent=world.org)
    own = {"organization": {"id": str(world.org.pk), "name": "Sunrise PACE"}}
    assert data_of(gql(ORG, {}, key=keys["provider"])) == own
    assert data_of(gql(ORG, {"id": str(world.org.pk)}, key=keys["provider"])) == own
    assert data_of(gql(ORG, {"id": str(sub.pk)}, key=keys["provider"])) == {
        "organization": {"id": str(sub.pk), "name": "Sunrise North"}}
    assert data_of(gql(ORG, {"provider_id": str(world.staff.pk)}, key=keys["provider"])) == own
    assert data_of(gql(ORG, {"provider_ids": ["999999", str(world.owner.pk)]}, key=keys["provider"])) == own
    assert data_of(gql(ORG, {"email": world.patients[1].email}, key=keys["provider"])) == own
    assert data_of(gql(ORG, {"for_client": True}, key=keys["patient"])) == own
    # A patient's own provider names the patient's organization; other lookups find nothing.
    assert data_of(gql(ORG, {"provider_id": str(world.provider.pk)}, key=keys["patient"])) == own
    assert error_codes(gql(ORG, {"email": world.patients[1].email}, key=keys["patient"])) == ["NOT_FOUND"]
    assert error_codes(gql(ORG, {"id": str(sub.pk)}, key=keys["patient"])) == ["NOT_FOUND"]
    assert error_codes(gql(ORG, {"provider_id": str(world.patients[1].pk)}, key=keys["provider"])) == ["NOT_FOUND"]


def test_sub_organization_member_cannot_see_parent(gql, world):
    sub = factories.organization("Sunrise North", parent=world.org)
    sub_member = factories.member(sub, owner=True)
    key = factories.api_key(sub_member)
    assert error_codes(gql(ORG, {"id": str(world.org.pk)}, key=key)) == ["NOT_FOUND"]
    assert data_of(gql(ORG, {}, key=key)) == {"organization": {"id": str(sub.pk), "name": "Sunrise North"}}


MEMBERS = """query($sort_by: String, $keywords: String, $page_size: Int, $offset: Int) {
  organizationMembers(sort_by: $sort_by, keywords: $keywords, page_size: $page_size, offset: $offset) {
    id first_name has_api_access
  }
  organizationMembersCount(keywords: $keywords)
}"""


def test_organization_members(gql, world, keys, other_world):
    archived = factories.member(world.org, first_name="Gone")
    OrganizationMembership.objects.filter(user=archived).update(active=False)
    result = data_of(gql(MEMBERS, {"sort_by": "first_name_asc"}, key=keys["staff"]))
    assert [m["id"] for m in result["organizationMembers"]] == [
        str(world.owner.pk), str(world.provider.pk), str(world.staff.pk)]
    assert result["organizationMembersCount"] == 3
    result = data_of(gql(MEMBERS, {"keywords": "paula"}, key=keys["staff"]))
    assert result == {"organizationMembers": [{"id": str(world.provider.pk), "first_name": "Paula",
                                               "has_api_access": True}], "organizationMembersCount": 1}
    result = data_of(gql(MEMBERS, {"sort_by": "last_name", "page_size": 1, "offset": 1}, key=keys["staff"]))
    ordered = sorted([world.owner, world.provider, world.staff], key=lambda u: u.last_name.lower())
    assert [m["id"] for m in result["organizationMembers"]] == [str(ordered[1].pk)]


MEMBERSHIP_FIELDS = "organizationMembership { id org_role title active can_add_members user { id email } }"
CREATE_MEMBER = f"""mutation($input: createOrganizationMembershipInput) {{
  createOrganizationMembership(input: $input) {{ {MEMBERSHIP_FIELDS} messages {{ field message }} }}
}}"""
UPDATE_MEMBER = f"""mutation($input: updateOrganizationMembershipInput) {{
  updateOrganizationMembership(input: $input) {{ {MEMBERSHIP_FIELDS} messages {{ field message }} }}
}}"""
DELETE_MEMBER = """mutation($id: ID) {
  deleteOrganizationMembership(input: {id: $id}) { organizationMembership { id active } messages { field message } }
}"""


def membership_of(user: User) -> OrganizationMembership:
    return OrganizationMembership.objects.get(user=user)


def test_create_membership_permissions(gql, world, keys):
    values = {"first_name": "New", "last_name": "Hire", "email": "new.hire@example.com", "dont_send_welcome": True}
    assert error_codes(gql(CREATE_MEMBER, {"input": values}, key=keys["provider"])) == ["FORBIDDEN"]
    assert error_codes(gql(CREATE_MEMBER, {"input": values}, key=keys["staff"])) == ["FORBIDDEN"]
    assert not User.objects.filter(email="new.hire@example.com").exists()
    OrganizationMembership.objects.filter(user=world.provider).update(can_add_members=True)
    result = data_of(gql(CREATE_MEMBER, {"input": values}, key=keys["provider"]))["createOrganizationMembership"]
    assert result["messages"] == [] and result["organizationMembership"]["org_role"] == "Standard"
    again = data_of(gql(CREATE_MEMBER, {"input": values}, key=keys["owner"]))["createOrganizationMembership"]
    assert again == {"organizationMembership": None, "messages": [
        {"field": "email", "message": "A member with this e-mail already exists in this organization"}]}


def test_create_membership_in_sub_organization(gql, world, keys):
    sub = factories.organization("Sunrise North", parent=world.org)
    values = {"first_name": "Sub", "last_name": "Member", "email": "sub@example.com", "organization_id": str(sub.pk),
              "dont_send_welcome": True, "password": "weak"}
    result = data_of(gql(CREATE_MEMBER, {"input": values}, key=keys["owner"]))["createOrganizationMembership"]
    assert result["messages"] == [{"field": "password", "message": "is too short (minimum is 8 characters)"}]
    values["password"] = "granite-pelican-orbit-58"
    result = data_of(gql(CREATE_MEMBER, {"input": values}, key=keys["owner"]))["createOrganizationMembership"]
    user = User.objects.get(email="sub@example.com")
    assert result["messages"] == [] and user.organization_id == sub.pk and membership_of(user).organization_id == sub.pk


def test_update_membership_permissions(gql, world, keys):
    target = membership_of(world.staff)
    change = {"input": {"id": str(target.pk), "title": "Scheduler", "can_add_members": True}}
    assert error_codes(gql(UPDATE_MEMBER, change, key=keys["provider"])) == ["FORBIDDEN"]
    OrganizationMembership.objects.filter(user=world.provider).update(can_edit_members=True)
    result = data_of(gql(UPDATE_MEMBER, change, key=keys["provider"]))["updateOrganizationMembership"]
    assert result["messages"] == []
    assert result["organizationMembership"]["title"] == "Scheduler"
    assert result["organizationMembership"]["can_add_members"] is True


def test_members_cannot_edit_the_owner(gql, world, keys):
    """can_edit_members must not reach the owner's account (password, e-mail): that is a takeover."""
    OrganizationMembership.objects.filter(user=world.provider).update(can_edit_members=True)
    owner_membership = membership_of(world.owner)
    for values in ({"password": "hijacked-account-pass-99"}, {"email": "attacker@example.com"}, {"active": False}):
        result = gql(UPDATE_MEMBER, {"input": {"id": str(owner_membership.pk), **values}}, key=keys["provider"])
        assert error_codes(result) == ["FORBIDDEN"], values
    owner = User.objects.get(pk=world.owner.pk)
    assert owner.check_password(factories.PASSWORD) and owner.email == world.owner.email and owner.active


def test_owner_cannot_be_deactivated(gql, world, keys):
    result = data_of(gql(UPDATE_MEMBER, {"input": {"id": str(membership_of(world.owner).pk), "active": False}},
                         key=keys["owner"]))["updateOrganizationMembership"]
    assert result["messages"] == [{"field": "active", "message": "The organization owner cannot be deactivated"}]


def test_deactivating_a_member_archives_the_account(gql, world, keys):
    result = data_of(gql(UPDATE_MEMBER, {"input": {"id": str(membership_of(world.staff).pk), "active": False}},
                         key=keys["owner"]))["updateOrganizationMembership"]
    assert result["organizationMembership"]["active"] is False
    assert error_codes(gql("{ currentUser { id } }", key=keys["staff"])) == ["UNAUTHENTICATED"]


def test_update_membership_email_and_password_by_id(gql, world, keys):
    target = membership_of(world.staff)
    result = data_of(gql(UPDATE_MEMBER, {"input": {"id": str(target.pk), "email": "Sam.New@Example.com",
                                                   "password": "cobalt-heron-violin-24"}},
                         key=keys["owner"]))["updateOrganizationMembership"]
    assert result["messages"] == [] and result["organizationMembership"]["user"]["email"] == "sam.new@example.com"
    assert User.objects.get(pk=world.staff.pk).check_password("cobalt-heron-violin-24")


def test_delete_membership_owner_only(gql, world, keys):
    target = membership_of(world.staff)
    OrganizationMembership.objects.filter(user=world.provider).update(can_edit_members=True, can_add_members=True)
    assert error_codes(gql(DELETE_MEMBER, {"id": str(target.pk)}, key=keys["provider"])) == ["FORBIDDEN"]
    assert membership_of(world.staff).active is True
    own = data_of(gql(DELETE_MEMBER, {"id": str(membership_of(world.owner).pk)}, key=keys["owner"]))
    assert own["deleteOrganizationMembership"]["messages"] == [
        {"field": "id", "message": "The owner cannot remove their own membership"}]
    done = data_of(gql(DELETE_MEMBER, {"id": str(target.pk)}, key=keys["owner"]))
    assert done == {"deleteOrganizationMembership": {"organizationMembership": {"id": str(target.pk),
                                                                                "active": False}, "messages": []}}


GROUPS = """query($sort_by: String, $keywords: String, $paginate: Boolean, $page_size: Int) {
  userGroups(sort_by: $sort_by, keywords: $keywords, should_paginate: $paginate, page_size: $page_size) {
    id name
  }
  userGroupsCount(keywords: $keywords)
}"""


@pytest.fixture
def groups(world):
    made = {}
    for name, code, count, day in (("beta", "c00003", 2, 1), ("Alpha", "b00002", 0, 3), ("gamma", "a00001", 1, 2)):
        group = UserGroup.objects.create(organization=world.org, name=name, invite_code=code)
        UserGroup.objects.filter(pk=group.pk).update(created_at=dt.datetime(2024, 1, day, tzinfo=dt.UTC))
        for _ in range(count):
            factories.patient(world.org, group=group)
        made[name.lower()] = str(group.pk)
    return made


@pytest.mark.parametrize("sort_by,order", [
    (None, ["alpha", "beta", "gamma"]),
    ("name", ["alpha", "beta", "gamma"]),
    ("group_name_asc", ["alpha", "beta", "gamma"]),
    ("group_name_desc", ["gamma", "beta", "alpha"]),
    ("invite_code", ["gamma", "alpha", "beta"]),
    ("created_at_asc", ["beta", "gamma", "alpha"]),
    ("created_at_desc", ["alpha", "gamma", "beta"]),
    ("users_count_asc", ["alpha", "gamma", "beta"]),
    ("users_count_desc", ["beta", "gamma", "alpha"]),
])
def test_user_groups_sort_by(gql, world, keys, groups, sort_by, order):
    result = data_of(gql(GROUPS, {"sort_by": sort_by}, key=keys["provider"]))
    assert [g["id"] for g in result["userGroups"]] == [groups[n] for n in order]
    assert result["userGroupsCount"] == 3


def test_user_groups_unpaginated_by_default(gql, world, keys):
    for n in range(12):
        UserGroup.objects.create(organization=world.org, name=f"Group {n:02d}")
    assert len(data_of(gql(GROUPS, {}, key=keys["provider"]))["userGroups"]) == 12  # documented default: false
    assert len(data_of(gql(GROUPS, {"paginate": True}, key=keys["provider"]))["userGroups"]) == 10
    assert data_of(gql(GROUPS, {"keywords": "group 0"}, key=keys["provider"]))["userGroupsCount"] == 10


def test_delete_user_group_into_itself_is_refused(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="G")
    result = data_of(gql("mutation($id: ID!) { deleteUserGroup(input: {id: $id, group_to_receive_clients: $id}) "
                         "{ user_group { id } messages { field message } } }", {"id": str(group.pk)},
                         key=keys["provider"]))
    assert result["deleteUserGroup"]["messages"] == [
        {"field": "group_to_receive_clients", "message": "cannot be the group being deleted"}]
    assert UserGroup.objects.filter(pk=group.pk).exists()


def test_tag_application_is_idempotent_and_removal_of_unapplied_tag_is_not_found(gql, world, keys):
    tag = Tag.objects.create(organization=world.org, user=world.provider, name="T")
    apply = ("mutation($ids: [ID], $u: ID) { bulkApply(input: {ids: $ids, taggable_user_id: $u}) "
             "{ tags { id } messages { field message } } }")
    variables = {"ids": [str(tag.pk)], "u": str(world.patients[0].pk)}
    for _ in range(2):
        assert data_of(gql(apply, variables, key=keys["provider"]))["bulkApply"]["messages"] == []
    assert AppliedTag.objects.count() == 1
    missing = data_of(gql(apply, {"ids": [str(tag.pk), "999999"], "u": str(world.patients[1].pk)},
                          key=keys["provider"]))
    assert missing["bulkApply"] == {"tags": None,
                                    "messages": [{"field": "ids", "message": "Some tags were not found."}]}
    remove = ("mutation($id: ID, $u: ID) { removeAppliedTag(input: {id: $id, taggable_user_id: $u}) "
              "{ tag { id } messages { field message code } } }")
    result = data_of(gql(remove, {"id": str(tag.pk), "u": str(world.patients[1].pk)}, key=keys["provider"]))
    assert result["removeAppliedTag"] == {"tag": None, "messages": [
        {"field": "id", "message": "This tag is not applied to this user.", "code": "NOT_FOUND"}]}
    assert AppliedTag.objects.count() == 1


def test_tag_names_are_unique_per_provider(gql, world, keys):
    create = "mutation($n: String) { createTag(input: {name: $n}) { tag { id } messages { field message } } }"
    assert data_of(gql(create, {"n": "Vip"}, key=keys["provider"]))["createTag"]["messages"] == []
    assert data_of(gql(create, {"n": "Vip"}, key=keys["owner"]))["createTag"]["messages"] == []  # another provider
    other = Tag.objects.create(organization=world.org, user=world.provider, name="Other")
    rename = ("mutation($id: ID) { updateTag(input: {id: $id, name: \"vip\"}) "
              "{ tag { id } messages { field message } } }")
    assert data_of(gql(rename, {"id": str(other.pk)}, key=keys["provider"]))["updateTag"]["messages"] == [
        {"field": "name", "message": "A tag with this name already exists"}]


LOCATION = """mutation($input: createLocationInput) {
  createLocation(input: $input) { location { id user_id city country } messages { field message } }
}"""


def test_locations_by_patient_and_update(gql, world, keys):
    own = data_of(gql(LOCATION, {"input": {"city": "Boston", "country": "us"}}, key=keys["patient"]))["createLocation"]
    assert own["messages"] == [] and own["location"]["user_id"] == str(world.patients[0].pk)
    assert own["location"]["country"] == "US"
    other = data_of(gql(LOCATION, {"input": {"user_id": str(world.patients[1].pk), "city": "X"}},
                        key=keys["patient"]))["createLocation"]
    assert other == {"location": None, "messages": [{"field": "user_id", "message": "User not found."}]}
    update = ("mutation($id: ID, $city: String) { updateLocation(input: {id: $id, city: $city}) "
              "{ location { id city } messages { field message } } }")
    result = data_of(gql(update, {"id": own["location"]["id"], "city": "Cambridge"}, key=keys["provider"]))
    assert result == {"updateLocation": {"location": {"id": own["location"]["id"], "city": "Cambridge"},
                                         "messages": []}}
    assert Location.objects.get(pk=own["location"]["id"]).city == "Cambridge"
    # Another patient cannot touch it.
    third = factories.api_key(world.patients[2])
    refused = data_of(gql(update, {"id": own["location"]["id"], "city": "Hacked"}, key=third))["updateLocation"]
    assert refused == {"location": None, "messages": [{"field": "id", "message": "Location not found."}]}
    assert Location.objects.get(pk=own["location"]["id"]).city == "Cambridge"


ANNOUNCEMENT = "announcement { id title description } messages { field message }"


def test_announcements_lifecycle(gql, world, keys):
    created = data_of(gql(f'mutation {{ createAnnouncement(input: {{title: "Closed Monday", description: "Holiday"}})'
                          f' {{ {ANNOUNCEMENT} }} }}', key=keys["staff"]))["createAnnouncement"]
    pk = created["announcement"]["id"]
    assert created == {"announcement": {"id": pk, "title": "Closed Monday", "description": "Holiday"},
                       "messages": []}
    updated = data_of(gql(f'mutation($id: ID) {{ updateAnnouncement(input: {{id: $id, title: "Closed Tuesday"}}) '
                          f'{{ {ANNOUNCEMENT} }} }}', {"id": pk}, key=keys["provider"]))["updateAnnouncement"]
    assert updated == {"announcement": {"id": pk, "title": "Closed Tuesday", "description": "Holiday"},
                       "messages": []}
    read = data_of(gql("query($id: ID) { announcement(id: $id) { title } }", {"id": pk}, key=keys["patient"]))
    assert read == {"announcement": {"title": "Closed Tuesday"}}
    blank = data_of(gql(f'mutation($id: ID) {{ updateAnnouncement(input: {{id: $id, title: ""}}) '
                        f'{{ {ANNOUNCEMENT} }} }}', {"id": pk}, key=keys["provider"]))["updateAnnouncement"]
    assert blank == {"announcement": None, "messages": [{"field": "title", "message": "Title can't be blank"}]}
    deleted = data_of(gql(f"mutation($id: ID) {{ deleteAnnouncement(input: {{id: $id}}) {{ {ANNOUNCEMENT} }} }}",
                          {"id": pk}, key=keys["owner"]))["deleteAnnouncement"]
    assert deleted["announcement"]["id"] == pk and deleted["messages"] == []
    assert not Announcement.objects.exists()


def test_sub_organizations_visible_to_members_only(gql, world, keys):
    sub = factories.organization("Sunrise North", parent=world.org)
    query = "{ organization { sub_organizations { id } } }"
    assert data_of(gql(query, key=keys["staff"])) == {"organization": {"sub_organizations": [{"id": str(sub.pk)}]}}
    assert data_of(gql(query, key=keys["patient"])) == {"organization": {"sub_organizations": []}}


def test_update_membership_email_must_stay_unique(gql, world, keys):
    target = membership_of(world.staff)
    result = data_of(gql(UPDATE_MEMBER, {"input": {"id": str(target.pk), "email": world.provider.email.upper()}},
                         key=keys["owner"]))["updateOrganizationMembership"]
    assert result == {"organizationMembership": None, "messages": [
        {"field": "email", "message": "A member with this e-mail already exists in this organization"}]}
    assert User.objects.get(pk=world.staff.pk).email == world.staff.email


USER_LOCATIONS = """query($id: ID) { user(id: $id) { id locations { id city } dietitian { id locations { id } } } }"""


def test_user_locations_are_scoped_to_the_viewer(gql, world, other_world, keys):
    patient, provider = world.patients[0], world.provider
    home = Location.objects.create(organization=world.org, user=patient, city="Boston")
    second = Location.objects.create(organization=world.org, user=patient, city="Salem")
    office = Location.objects.create(organization=world.org, user=provider, city="Clinic")
    # A foreign organization's row pointing at the patient (inconsistent data) must never show.
    Location.objects.create(organization=other_world.org, user=patient, city="Elsewhere")
    as_patient = data_of(gql(USER_LOCATIONS, {"id": str(patient.pk)}, key=keys["patient"]))["user"]
    own = [{"id": str(home.pk), "city": "Boston"}, {"id": str(second.pk), "city": "Salem"}]
    assert as_patient == {"id": str(patient.pk), "locations": own,
                          "dietitian": {"id": str(provider.pk), "locations": []}}
    # The provider is visible to the patient, the provider's office address is not.
    assert data_of(gql("query($id: ID) { user(id: $id) { locations { id } } }", {"id": str(provider.pk)},
                       key=keys["patient"]))["user"] == {"locations": []}
    as_member = data_of(gql(USER_LOCATIONS, {"id": str(patient.pk)}, key=keys["staff"]))["user"]
    assert [loc["id"] for loc in as_member["locations"]] == [str(home.pk), str(second.pk)]
    assert as_member["dietitian"]["locations"] == [{"id": str(office.pk)}]
    listed = data_of(gql("{ users(page_size: 10) { id locations { city } } }", key=keys["owner"]))["users"]
    assert {row["id"]: [loc["city"] for loc in row["locations"]] for row in listed}[str(patient.pk)] == [
        "Boston", "Salem"]


def test_user_locations_query_count_does_not_grow(gql, world, keys, count_queries):
    for n, person in enumerate(world.patients):
        Location.objects.create(organization=world.org, user=person, city=f"Town {n}")
    query = "query($n: Int) { users(page_size: $n) { id locations { id city user_id } } }"
    gql("{ currentUser { id } }", key=keys["owner"])
    small, small_count = count_queries(lambda: data_of(gql(query, {"n": 1}, key=keys["owner"])))
    large, large_count = count_queries(lambda: data_of(gql(query, {"n": 3}, key=keys["owner"])))
    assert (len(small["users"]), len(large["users"])) == (1, 3)
    assert all(row["locations"] for row in large["users"])
    assert small_count == large_count
