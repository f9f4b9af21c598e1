"""Availability: create, edit, delete, list and read, with events and validation."""

from __future__ import annotations

import datetime as dt

from apps.events.models import Event
from apps.scheduling.models import Availability
from tests.conftest import data_of, error_codes
from tests.scheduling.helpers import one_time, weekly

CREATE = """mutation createAvailability($day_of_week: Int, $is_repeating: Boolean, $range_start: String,
  $time: String, $end_time: String, $user_id: String) {
  createAvailability(input: {day_of_week: $day_of_week, is_repeating: $is_repeating, range_start: $range_start,
    time: $time, end_time: $end_time, user_id: $user_id}) {
    availability { id day_of_week duration_string is_repeating range_start range_end resourceId timezone_abbr
      user { email } }
    messages { field message }
  }
}"""
EDIT = """mutation editAvailability($id: String, $day_of_week: Int, $is_repeating: Boolean, $range_start: String,
  $time: String, $end_time: String, $user_id: String) {
  editAvailability(input: {id: $id, day_of_week: $day_of_week, is_repeating: $is_repeating, range_start: $range_start,
    time: $time, end_time: $end_time, user_id: $user_id}) {
    availability { id day_of_week duration_string range_start range_end }
    messages { field message }
  }
}"""
DELETE = """mutation deleteAvailability($id: ID) {
  deleteAvailability(input: {id: $id}) { availability { id } messages { field message } }
}"""
LIST = """query($show_availability: Boolean, $one_time: Boolean, $is_repeating: Boolean, $startDate: String,
  $endDate: String, $is_org: Boolean, $page_size: Int, $should_paginate: Boolean) {
  availabilities(show_availability: $show_availability, one_time: $one_time, is_repeating: $is_repeating,
    startDate: $startDate, endDate: $endDate, is_org: $is_org, page_size: $page_size,
    should_paginate: $should_paginate) {
    id day_of_week duration_string is_repeating range_start range_end resourceId timezone_abbr user { email }
  }
}"""
GET = """query availability($id: ID) {
  availability(id: $id) { id custom_modules { id day_of_week duration_string is_repeating range_start range_end
    resourceId timezone_abbr user { email } } }
}"""


def test_create_one_time_and_repeating(gql, world, keys):
    one = data_of(gql(CREATE, {"range_start": "August 15, 2030", "time": "07 30", "end_time": "12 30"},
                      key=keys["provider"]))["createAvailability"]
    assert one["messages"] == []
    assert one["availability"] == {
        "id": one["availability"]["id"], "day_of_week": 4, "duration_string": "5h", "is_repeating": False,
        "range_start": "2030-08-15 07:30:00 -0400", "range_end": "2030-08-15 12:30:00 -0400",
        "resourceId": str(world.provider.pk), "timezone_abbr": "EDT", "user": {"email": world.provider.email},
    }
    weekly_item = data_of(gql(CREATE, {"range_start": "January 7, 2030", "time": "09 00", "end_time": "10 45",
                                       "is_repeating": True, "day_of_week": 2, "user_id": str(world.owner.pk)},
                              key=keys["provider"]))["createAvailability"]["availability"]
    assert weekly_item["day_of_week"] == 2 and weekly_item["is_repeating"] is True
    assert weekly_item["duration_string"] == "1h 45m" and weekly_item["timezone_abbr"] == "EST"
    assert weekly_item["range_end"] is None and weekly_item["resourceId"] == str(world.owner.pk)
    assert Event.objects.filter(event_type="availability.created").count() == 2


def test_bad_inputs_write_nothing(gql, world, keys, other_world):
    cases = [
        ({"range_start": "2030-02-30", "time": "07 30", "end_time": "08 30"}, {"range_start"}),
        ({"range_start": "August 15, 2030", "time": "25 00", "end_time": "7:61"}, {"time", "end_time"}),
        ({"range_start": "August 15, 2030", "time": "09 00", "end_time": "08 00"}, {"end_time"}),
        ({"range_start": "August 15, 2030", "time": "09 00", "end_time": "10 00", "day_of_week": 9,
          "is_repeating": True}, {"day_of_week"}),
        ({"range_start": "August 15, 2030", "time": "09 00", "end_time": "10 00", "day_of_week": 1},
         {"day_of_week"}),
        ({}, {"range_start", "time", "end_time"}),
        ({"range_start": "August 15, 2030", "time": "09 00", "end_time": "10 00",
          "user_id": str(other_world.provider.pk)}, {"user_id"}),
    ]
    for variables, fields in cases:
        result = data_of(gql(CREATE, variables, key=keys["provider"]))["createAvailability"]
        assert result["availability"] is None
        assert {m["field"] for m in result["messages"]} == fields, (variables, result)
    assert Availability.objects.count() == 0 and not Event.objects.exists()
    assert error_codes(gql(CREATE, {"range_start": "August 15, 2030", "time": "09 00", "end_time": "10 00"},
                           key=keys["patient"])) == ["FORBIDDEN"]


def test_edit_and_delete(gql, world, keys, other_keys):
    item = weekly(world.provider, 1, "09:00", "12:00")
    edited = data_of(gql(EDIT, {"id": str(item.pk), "time": "08 00", "end_time": "09 30", "is_repeating": True},
                         key=keys["provider"]))["editAvailability"]
    assert edited["messages"] == [] and edited["availability"]["duration_string"] == "1h 30m"
    event = Event.objects.get(event_type="availability.updated")
    assert event.changed_fields == ["end_time", "start_time"]
    bad = data_of(gql(EDIT, {"id": str(item.pk), "end_time": "07 00"}, key=keys["provider"]))["editAvailability"]
    assert bad["messages"] == [{"field": "end_time", "message": "must be after time"}]
    foreign = data_of(gql(EDIT, {"id": str(item.pk), "time": "06 00"}, key=other_keys["owner"]))
    assert foreign["editAvailability"]["messages"] == [{"field": "id", "message": "Availability not found."}]
    deleted = data_of(gql(DELETE, {"id": str(item.pk)}, key=keys["provider"]))["deleteAvailability"]
    assert deleted == {"availability": {"id": str(item.pk)}, "messages": []}
    assert Event.objects.filter(event_type="availability.deleted").count() == 1
    again = data_of(gql(DELETE, {"id": str(item.pk)}, key=keys["provider"]))["deleteAvailability"]
    assert again["messages"] == [{"field": "id", "message": "Availability not found."}]


def test_list_filters_get_and_constant_queries(gql, world, keys, other_keys, count_queries):
    repeating = weekly(world.provider, 1, "09:00", "12:00", range_start=dt.date(2030, 1, 6))
    early = one_time(world.provider, dt.date(2030, 3, 5))
    late = one_time(world.provider, dt.date(2030, 5, 5), "13:00", "14:00")
    owner_item = weekly(world.owner, 3)
    ids = lambda variables, key=keys["provider"]: [a["id"] for a in data_of(gql(LIST, variables, key=key))[  # noqa
        "availabilities"]]
    assert ids({}) == [str(repeating.pk), str(early.pk), str(late.pk)]
    assert ids({"one_time": True}) == [str(early.pk), str(late.pk)]
    assert ids({"is_repeating": True}) == [str(repeating.pk)]
    assert ids({"one_time": True, "startDate": "2030-04-01", "endDate": "2030-06-01"}) == [str(late.pk)]
    assert ids({"show_availability": False}) == []
    assert str(owner_item.pk) in ids({"is_org": True})
    assert ids({}, other_keys["owner"]) == []
    assert error_codes(gql(LIST, {"startDate": "someday"}, key=keys["provider"])) == ["BAD_USER_INPUT"]
    got = data_of(gql(GET, {"id": str(early.pk)}, key=keys["provider"]))["availability"]
    assert [m["id"] for m in got["custom_modules"]] == [str(early.pk)]
    assert error_codes(gql(GET, {"id": str(early.pk)}, key=other_keys["owner"])) == ["NOT_FOUND"]

    for n in range(12):
        weekly(world.provider, n % 7, "13:00", "14:00", range_start=dt.date(2030, 2, 1) + dt.timedelta(days=n))
    _, small = count_queries(lambda: data_of(gql(LIST, {"page_size": 2, "should_paginate": True},
                                                 key=keys["provider"])))
    _, large = count_queries(lambda: data_of(gql(LIST, {"page_size": 15, "should_paginate": True},
                                                 key=keys["provider"])))
    assert small == large


def test_patients_cannot_list_availability(gql, world, keys):
    assert error_codes(gql(LIST, {}, key=keys["patient"])) == ["FORBIDDEN"]
