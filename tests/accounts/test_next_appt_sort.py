"""users / organizationMembers sorted by the next appointment (sort_by next_appt_asc / next_appt_desc)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.conftest import data_of
from tests.scheduling.helpers import appointment

pytestmark = pytest.mark.django_db

UTC = dt.UTC
USERS = """query($sort_by: String, $page_size: Int, $after: String) {
  users(sort_by: $sort_by, page_size: $page_size, after: $after) { id next_appt_date cursor }
}"""
MEMBERS = """query($sort_by: String, $page_size: Int, $after: String) {
  organizationMembers(sort_by: $sort_by, page_size: $page_size, after: $after) { id next_appt_date cursor }
}"""


@pytest.fixture
def booked(world, other_world, time_machine):
    """Seven patients: four with upcoming appointments (two at the same time), three without one
    (past only, cancelled only, none at all). Another organization's patient is booked earliest."""
    time_machine.move_to(dt.datetime(2030, 6, 1, tzinfo=UTC), tick=False)
    p = world.patients + [factories.patient(world.org, provider=world.provider) for _ in range(4)]
    appointment(world.provider, p[0], dt.datetime(2030, 7, 10, 15, tzinfo=UTC))
    appointment(world.provider, p[1], dt.datetime(2030, 7, 3, 15, tzinfo=UTC))
    appointment(world.provider, p[1], dt.datetime(2030, 8, 1, 15, tzinfo=UTC))
    appointment(world.provider, p[2], dt.datetime(2030, 5, 1, 15, tzinfo=UTC))  # past
    appointment(world.provider, p[3], dt.datetime(2030, 6, 20, 15, tzinfo=UTC), pm_status="Cancelled")
    appointment(world.provider, p[4], dt.datetime(2030, 7, 5, 15, tzinfo=UTC))
    appointment(world.provider, p[5], dt.datetime(2030, 7, 5, 15, tzinfo=UTC))
    appointment(other_world.provider, other_world.patients[0], dt.datetime(2030, 6, 2, 15, tzinfo=UTC))
    return p


def _ids(rows: list[dict]) -> list[str]:
    return [row["id"] for row in rows]


def test_users_sorted_by_next_appointment_with_unbooked_last(gql, world, keys, booked):
    p = [str(u.pk) for u in booked]
    asc = data_of(gql(USERS, {"sort_by": "next_appt_asc", "page_size": 20}, key=keys["owner"]))["users"]
    assert _ids(asc) == [p[1], p[4], p[5], p[0], p[2], p[3], p[6]]
    assert [r["next_appt_date"] for r in asc][:4] == [
        "2030-07-03 15:00:00 +0000", "2030-07-05 15:00:00 +0000", "2030-07-05 15:00:00 +0000",
        "2030-07-10 15:00:00 +0000"]
    assert [r["next_appt_date"] for r in asc][4:] == [None, None, None]
    desc = data_of(gql(USERS, {"sort_by": "NEXT_APPT_DESC", "page_size": 20}, key=keys["owner"]))["users"]
    assert _ids(desc) == [p[0], p[5], p[4], p[1], p[6], p[3], p[2]]


@pytest.mark.parametrize("sort_by", ["next_appt_asc", "next_appt_desc"])
def test_cursor_walks_the_next_appointment_order(gql, world, keys, booked, sort_by):
    full = _ids(data_of(gql(USERS, {"sort_by": sort_by, "page_size": 20}, key=keys["owner"]))["users"])
    walked: list[str] = []
    after = None
    for _ in range(10):
        page = data_of(gql(USERS, {"sort_by": sort_by, "page_size": 2, "after": after}, key=keys["owner"]))["users"]
        if not page:
            break
        walked += _ids(page)
        after = page[-1]["cursor"]
    assert walked == full
    assert len(full) == 7


def test_organization_members_sorted_by_next_appointment(gql, world, keys, booked):
    other = factories.member(world.org, first_name="Quinn")
    appointment(other, booked[6], dt.datetime(2030, 6, 10, 15, tzinfo=UTC))
    asc = data_of(gql(MEMBERS, {"sort_by": "next_appt_asc", "page_size": 20}, key=keys["owner"]))
    ids = _ids(asc["organizationMembers"])
    # Quinn's next appointment (June 10) comes before the provider's (July 3); the owner and the
    # support staff member have none and come last, in id order.
    assert ids[:2] == [str(other.pk), str(world.provider.pk)]
    assert sorted(ids[2:]) == ids[2:] and set(ids[2:]) == {str(world.owner.pk), str(world.staff.pk)}
    desc = data_of(gql(MEMBERS, {"sort_by": "next_appt_desc", "page_size": 20}, key=keys["owner"]))
    assert _ids(desc["organizationMembers"])[:2] == [str(world.provider.pk), str(other.pk)]


def test_next_appointment_sort_query_count_does_not_grow(gql, world, keys, booked, count_queries):
    data_of(gql(USERS, {"sort_by": "next_appt_asc"}, key=keys["owner"]))  # the key's last_used_at write
    _, small = count_queries(lambda: data_of(gql(USERS, {"sort_by": "next_appt_asc", "page_size": 1},
                                                 key=keys["owner"])))
    _, large = count_queries(lambda: data_of(gql(USERS, {"sort_by": "next_appt_asc", "page_size": 7},
                                                 key=keys["owner"])))
    assert small == large
