"""The SQL count of every accounts list does not grow with the page size (no N+1)."""

from __future__ import annotations

import pytest

from apps.accounts.models import ApiKey, AppliedTag, Location, OrganizationMembership, Tag, User, UserGroup
from apps.announcements.models import Announcement
from tests import factories
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

ROWS = 105


@pytest.fixture
def crowd(world):
    """More than 100 patients, each in a group, with tags, a provider and a location."""
    UserGroup.objects.bulk_create([UserGroup(organization=world.org, name=f"Group {n}", invite_code=f"crowd{n}")
                                   for n in range(ROWS)])
    groups = list(UserGroup.objects.filter(invite_code__startswith="crowd").order_by("id"))
    tags = [Tag.objects.create(organization=world.org, user=world.provider, name=f"Tag {n}") for n in range(3)]
    hashed = factories.password_hash()
    User.objects.bulk_create([
        User(organization=world.org, is_patient=True, first_name=f"F{n}", last_name=f"L{n:03d}",
             email=f"crowd{n}@example.com", password=hashed, dietitian=world.provider, user_group=groups[n])
        for n in range(ROWS)
    ])
    patients = list(User.objects.filter(email__startswith="crowd"))
    AppliedTag.objects.bulk_create([AppliedTag(tag=t, user=p) for p in patients for t in tags])
    Location.objects.bulk_create([Location(organization=world.org, user=p, city="Town") for p in patients])
    members = User.objects.bulk_create([
        User(organization=world.org, is_patient=False, first_name=f"M{n}", last_name=f"Member{n:03d}",
             email=f"member-crowd{n}@example.com", password=hashed) for n in range(ROWS)
    ])
    members = list(User.objects.filter(email__startswith="member-crowd"))
    OrganizationMembership.objects.bulk_create([OrganizationMembership(organization=world.org, user=m)
                                                for m in members])
    ApiKey.objects.bulk_create([ApiKey(user=world.provider, key_hash=f"{n:064d}", displayable_key="cp_x")
                                for n in range(ROWS)])
    Announcement.objects.bulk_create([Announcement(organization=world.org, user=world.owner, title=f"A{n}")
                                      for n in range(ROWS)])
    Tag.objects.bulk_create([Tag(organization=world.org, user=world.owner, name=f"Extra {n}") for n in range(ROWS)])
    return patients


def _queries(gql, key, count_queries, operation: str, size: int) -> tuple[int, int]:
    result, queries = count_queries(lambda: gql(operation, {"n": size}, key=key))
    items = next(iter(data_of(result).values()))
    return len(items), queries


LISTS = {
    "users": """query($n: Int) { users(page_size: $n) {
        id cursor first_name is_owner has_api_access set_password_link
        organization { id name } user_group { id name users_count } tags { id name tagged_users { id } }
        dietitian { id first_name organization { id } } locations { id city } care_team { id }
    } }""",
    # Fields other domains add to User (scheduling's) keep their optimizer hints.
    "users domain fields": """query($n: Int) { users(page_size: $n) {
        id next_appt_date appointment_type_credits { id total_credits appointment_type_id }
    } }""",
    "userGroups": """query($n: Int) { userGroups(page_size: $n, should_paginate: true) {
        id cursor name users_count invite_code } }""",
    "organizationMembers": """query($n: Int) { organizationMembers(page_size: $n) {
        id cursor has_api_access is_owner organization { id name } tags { id } } }""",
    "apiKeys": """query($n: Int) { apiKeys(page_size: $n) { id cursor name displayable_key user_id created_at } }""",
    "announcements": """query($n: Int) { announcements(page_size: $n) { id cursor title user_id created_at } }""",
}


@pytest.mark.parametrize("name", list(LISTS))
def test_list_query_count_does_not_grow_with_page_size(gql, keys, crowd, count_queries, name):
    key = keys["owner"]
    gql("{ currentUser { id } }", key=key)  # the key's last_used_at write happens once, not in the measure
    small_items, small = _queries(gql, key, count_queries, LISTS[name], 5)
    large_items, large = _queries(gql, key, count_queries, LISTS[name], 100)
    assert (small_items, large_items) == (5, 100)
    assert large == small, f"{name}: {small} queries for 5 rows, {large} for 100"


def test_tags_query_count_does_not_grow_with_tag_count(gql, world, keys, count_queries):
    def run() -> tuple[int, int]:
        result, queries = count_queries(lambda: gql(
            "{ tags { id name user { id organization { id } } tagged_users { id user_group { id } } } }",
            key=keys["owner"]))
        return len(data_of(result)["tags"]), queries

    gql("{ currentUser { id } }", key=keys["owner"])
    group = UserGroup.objects.create(organization=world.org, name="G")
    for n in range(3):
        tag = Tag.objects.create(organization=world.org, user=world.provider, name=f"T{n}")
        AppliedTag.objects.create(tag=tag, user=factories.patient(world.org, group=group))
    few, few_queries = run()
    for n in range(40):
        tag = Tag.objects.create(organization=world.org, user=world.owner, name=f"More{n}")
        AppliedTag.objects.create(tag=tag, user=factories.patient(world.org, group=group))
    many, many_queries = run()
    assert (few, many) == (3, 43)
    assert many_queries == few_queries
