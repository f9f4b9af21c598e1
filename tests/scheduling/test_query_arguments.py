"""A query argument's problem is a top-level BAD_USER_INPUT naming that argument."""

from __future__ import annotations

import pytest

from tests.conftest import error_codes

CASES = [
    ('{ appointments(order_by: "sideways") { id } }', "order_by"),
    ('{ appointments(filter: "someday") { id } }', "filter"),
    ('{ availabilities(startDate: "someday") { id } }', "startDate"),
    ('{ availabilities(day_of_week: 9) { id } }', "day_of_week"),
    ('{ appointmentTypes(appointment_type_ids: "nope") { id } }', "appointment_type_ids"),
    ('query($p: ID) { appointmentBookingWarnings(provider_id: $p, date: "2030-10-07", time: "25 99", '
     "length_in_minutes: 30) { category } }", "time"),
    ('query($p: ID) { appointmentBookingWarnings(provider_id: $p, date: "soon", time: "09 00", '
     "length_in_minutes: 30) { category } }", "date"),
]


@pytest.mark.parametrize(("query", "argument"), CASES, ids=[c[1] + str(i) for i, c in enumerate(CASES)])
def test_query_argument_errors_name_the_argument(gql, world, keys, query, argument):
    result = gql(query, {"p": str(world.provider.pk)} if "$p" in query else {}, key=keys["owner"])
    assert error_codes(result) == ["BAD_USER_INPUT"], result
    assert [m["field"] for m in result["errors"][0]["extensions"]["messages"]] == [argument]
