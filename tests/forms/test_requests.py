"""Form requests over HTTP: the documented operations with data, recurring issuance by the job
runner under a frozen clock, visibility, ugly input and flat SQL counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from apps.core import jobs
from apps.events.models import Event
from apps.forms.models import FormAnswerGroup, RecurringForm, RequestedFormCompletion
from apps.forms.services.requests import mark_completed
from tests import factories
from tests.accounts.conftest import documented_operation
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

UTC = dt.UTC
CREATE = "2117_createRequestedFormCompletion.graphql"


def _create(gql, key, **variables):
    return data_of(gql(documented_operation(CREATE), variables, key=key))["createRequestedFormCompletion"]


def test_documented_create_for_several_recipients(gql, world, keys):
    form = factories.requestable_form(world.org)
    a, b = world.patients[0], world.patients[1]
    mail.outbox.clear()
    result = _create(gql, keys["provider"], recipient_ids=f"{a.pk},{b.pk}", form=str(form.pk))
    assert result["messages"] == []
    rows = list(RequestedFormCompletion.objects.order_by("id"))
    assert [(r.recipient_id, r.sender_id, r.status, r.recurring_form_id) for r in rows] == [
        (a.pk, world.provider.pk, "Open", None), (b.pk, world.provider.pk, "Open", None)]
    assert result["requestedFormCompletion"] == {"id": str(rows[0].pk)}
    assert Event.objects.filter(event_type="requested_form_completion.created").count() == 2
    assert jobs.drain() >= 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.email, b.email])
    assert mail.outbox[0].subject == "Please complete: Intake questionnaire"


def test_documented_list_filters_and_patient_scope(gql, world, keys):
    intake = factories.requestable_form(world.org, "Intake")
    consent = factories.requestable_form(world.org, "Consent")
    _create(gql, keys["provider"], recipient_ids=f"{world.patients[0].pk},{world.patients[1].pk}", form=str(intake.pk))
    _create(gql, keys["provider"], recipient_ids=str(world.patients[0].pk), form=str(consent.pk))
    query = documented_operation("2088_requestedFormCompletions.graphql")
    mine = RequestedFormCompletion.objects.filter(recipient=world.patients[0])
    by_user = data_of(gql(query, {"userId": str(world.patients[0].pk)}, key=keys["staff"]))
    assert [r["id"] for r in by_user["requestedFormCompletions"]] == [str(r.pk) for r in mine.order_by("-id")]
    assert all(r["item_type"] == "cmf" for r in by_user["requestedFormCompletions"])
    by_words = data_of(gql(query, {"keywords": "cons"}, key=keys["provider"]))["requestedFormCompletions"]
    assert [r["id"] for r in by_words] == [str(mine.get(custom_module_form=consent).pk)]
    assert data_of(gql(query, {"status": "Incomplete"}, key=keys["provider"]))["requestedFormCompletions"] == []
    bad = gql(query, {"status": "Finished?"}, key=keys["provider"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    # A patient sees only their own requests, whatever user_id they pass.
    own = data_of(gql(query, {"userId": str(world.patients[1].pk)}, key=keys["patient"]))
    assert own["requestedFormCompletions"] == []
    own = data_of(gql(query, {}, key=keys["patient"]))["requestedFormCompletions"]
    assert sorted(r["id"] for r in own) == sorted(str(r.pk) for r in mine)


def test_restricted_provider_and_other_organization_see_nothing(gql, world, keys, other_world, other_keys):
    form = factories.requestable_form(world.org)
    hidden = world.patients[1]
    _create(gql, keys["provider"], recipient_ids=str(hidden.pk), form=str(form.pk))
    request = RequestedFormCompletion.objects.get()
    restricted = factories.member(world.org, can_see_all_clients=False)
    restricted_key = factories.api_key(restricted)
    query = documented_operation("2088_requestedFormCompletions.graphql")
    for key in (restricted_key, other_keys["owner"]):
        assert data_of(gql(query, {}, key=key))["requestedFormCompletions"] == []
        one = gql("query R($id: ID) { requestedFormCompletion(id: $id) { id } }", {"id": str(request.pk)}, key=key)
        assert one["data"] == {"requestedFormCompletion": None} and error_codes(one) == ["NOT_FOUND"]
        deleted = data_of(gql(documented_operation("2183_deleteRequestedFormCompletion.graphql"),
                              {"id": str(request.pk)}, key=key))["deleteRequestedFormCompletion"]
        assert deleted["messages"] == [{"field": "id", "message": "Requested form completion not found."}]
        sent = _create(gql, key, recipient_ids=str(hidden.pk), form=str(form.pk))
        assert sent["requestedFormCompletion"] is None and sent["messages"][0]["field"] in {"recipient_ids", "form"}
    assert RequestedFormCompletion.objects.filter(deleted_at=None).count() == 1
    denied = gql(documented_operation(CREATE), {"recipient_ids": str(world.patients[0].pk), "form": str(form.pk)},
                 key=keys["patient"])
    assert error_codes(denied) == ["FORBIDDEN"]


@pytest.mark.parametrize(("variables", "field"), [
    ({"recipient_ids": ""}, "recipient_ids"),
    ({"recipient_ids": "abc"}, "recipient_ids"),
    ({"recipient_ids": "99999999"}, "recipient_ids"),
    ({"recipient_ids": "[1, "}, "recipient_ids"),
    ({"form": "0"}, "form"),
    ({"form": None}, "form"),
    ({"is_recurring": True, "frequency": "Hourly"}, "frequency"),
    ({"is_recurring": True, "frequency": "Daily", "hour": "25"}, "hour"),
    ({"is_recurring": True, "frequency": "Daily", "hour": "13", "period": "PM"}, "hour"),
    ({"is_recurring": True, "frequency": "Daily", "minute": "-1"}, "minute"),
    ({"is_recurring": True, "frequency": "Daily", "period": "XM"}, "period"),
    ({"is_recurring": True, "frequency": "Weekly", "weekday": "Caturday"}, "weekday"),
    ({"is_recurring": True, "frequency": "Monthly", "monthday": "32nd"}, "monthday"),
    ({"is_recurring": True, "frequency": "Daily", "recurrence_ends": True, "ends_on": "soon"}, "ends_on"),
    ({"is_recurring": True, "frequency": "Daily", "recurrence_ends": True, "ends_on": "2001-01-01"}, "ends_on"),
])
def test_create_ugly_input_writes_nothing(gql, world, keys, variables, field):
    form = factories.requestable_form(world.org)
    values = {"recipient_ids": str(world.patients[0].pk), "form": str(form.pk), **variables}
    result = _create(gql, keys["provider"], **values)
    assert result["requestedFormCompletion"] is None
    assert [m["field"] for m in result["messages"]] == [field]
    assert not RequestedFormCompletion.objects.exists() and not RecurringForm.objects.exists()


def test_recurring_daily_issues_exactly_once_per_period(gql, world, keys, time_machine):
    # The provider's time zone is America/New_York: 9:05 AM there is 14:05 UTC in December.
    time_machine.move_to(dt.datetime(2030, 12, 2, 12, 0, tzinfo=UTC), tick=False)
    form = factories.requestable_form(world.org)
    result = _create(gql, keys["provider"], recipient_ids=str(world.patients[0].pk), form=str(form.pk),
                     is_recurring=True, frequency="Daily", hour="9", minute="5", period="AM",
                     recurrence_ends=True, ends_on="2030-12-04")
    assert result["messages"] == []
    recurring = RecurringForm.objects.get()
    assert (recurring.hour, recurring.minute) == (9, 5)
    assert recurring.next_issue_at == dt.datetime(2030, 12, 2, 14, 5, tzinfo=UTC)
    assert RequestedFormCompletion.objects.count() == 1  # the first one goes out right away
    jobs.drain()
    assert RequestedFormCompletion.objects.count() == 1  # not due yet

    time_machine.move_to(dt.datetime(2030, 12, 2, 14, 6, tzinfo=UTC), tick=False)
    jobs.drain()
    jobs.drain()
    assert RequestedFormCompletion.objects.count() == 2
    recurring.refresh_from_db()
    assert recurring.next_issue_at == dt.datetime(2030, 12, 3, 14, 5, tzinfo=UTC)

    # Late by two days: the missed day is not replayed, one request for the current period.
    time_machine.move_to(dt.datetime(2030, 12, 4, 15, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    jobs.drain()
    assert RequestedFormCompletion.objects.count() == 3
    recurring.refresh_from_db()
    assert recurring.next_issue_at is None  # ended on 2030-12-04
    time_machine.move_to(dt.datetime(2030, 12, 9, 15, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    assert RequestedFormCompletion.objects.count() == 3
    assert set(RequestedFormCompletion.objects.values_list("recurring_form_id", flat=True)) == {recurring.pk}


def test_recurring_weekly_and_monthly_schedule(gql, world, keys, time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 30, 12, 0, tzinfo=UTC), tick=False)  # a Wednesday
    form = factories.requestable_form(world.org)
    _create(gql, keys["provider"], recipient_ids=str(world.patients[0].pk), form=str(form.pk), is_recurring=True,
            frequency="Weekly", weekday="monday", hour="1", minute="30", period="PM")
    _create(gql, keys["provider"], recipient_ids=str(world.patients[1].pk), form=str(form.pk), is_recurring=True,
            frequency="Monthly", monthday="31st", hour="8", minute="0")
    weekly, monthly = RecurringForm.objects.order_by("id")
    assert weekly.next_issue_at == dt.datetime(2030, 2, 4, 18, 30, tzinfo=UTC)  # Monday 1:30 PM EST
    assert monthly.next_issue_at == dt.datetime(2030, 1, 31, 13, 0, tzinfo=UTC)
    time_machine.move_to(dt.datetime(2030, 1, 31, 13, 1, tzinfo=UTC), tick=False)
    jobs.drain()
    monthly.refresh_from_db()
    assert monthly.next_issue_at == dt.datetime(2030, 2, 28, 13, 0, tzinfo=UTC)  # short month: its last day


def test_delete_with_recurring_form_stops_issuing(gql, world, keys, time_machine):
    time_machine.move_to(dt.datetime(2030, 12, 2, 12, 0, tzinfo=UTC), tick=False)
    form = factories.requestable_form(world.org)
    _create(gql, keys["provider"], recipient_ids=str(world.patients[0].pk), form=str(form.pk), is_recurring=True,
            frequency="Daily", hour="10", minute="0")
    request, recurring = RequestedFormCompletion.objects.get(), RecurringForm.objects.get()
    recurring_query = "query R { recurringForms { id is_active interval form_id user_id } }"
    listed = data_of(gql(recurring_query, key=keys["provider"]))["recurringForms"]
    assert listed == [{"id": str(recurring.pk), "is_active": True, "interval": "Daily", "form_id": str(form.pk),
                       "user_id": str(world.patients[0].pk)}]
    result = data_of(gql(documented_operation("2183_deleteRequestedFormCompletion.graphql"),
                         {"id": str(request.pk), "recurringFormId": str(recurring.pk)},
                         key=keys["provider"]))["deleteRequestedFormCompletion"]
    assert result == {"requestedFormCompletion": {"id": str(request.pk)}, "messages": []}
    assert Event.objects.filter(event_type="requested_form_completion.deleted").count() == 1
    time_machine.move_to(dt.datetime(2030, 12, 5, 12, 0, tzinfo=UTC), tick=False)
    jobs.drain()
    assert RequestedFormCompletion.objects.count() == 1
    assert data_of(gql(recurring_query, key=keys["provider"]))["recurringForms"] == []
    gone = data_of(gql(documented_operation("2088_requestedFormCompletions.graphql"), {}, key=keys["provider"]))
    assert gone["requestedFormCompletions"] == []


def test_mark_completed_by_an_answer_group(gql, world, keys):
    form = factories.requestable_form(world.org)
    _create(gql, keys["provider"], recipient_ids=str(world.patients[0].pk), form=str(form.pk))
    request = RequestedFormCompletion.objects.get()
    group = FormAnswerGroup.objects.create(organization=world.org, custom_module_form=form, user=world.patients[0],
                                           filler=world.patients[0], requested_form_completion=request)
    mark_completed(request, group)
    assert RequestedFormCompletion.objects.get().status == "Incomplete"
    group.finished = True
    mark_completed(request, group)
    request.refresh_from_db()
    assert (request.status, request.form_answer_group_id) == ("Complete", group.pk)
    assert Event.objects.filter(event_type="requested_form_completion.updated").count() == 2
    got = data_of(gql("query R($id: ID) { requestedFormCompletion(id: $id) { status form_answer_group { id } "
                      "custom_module_form { id name } recipient { id } sender { id } } }",
                      {"id": str(request.pk)}, key=keys["patient"]))["requestedFormCompletion"]
    assert got == {"status": "Complete", "form_answer_group": {"id": str(group.pk)},
                   "custom_module_form": {"id": str(form.pk), "name": form.name},
                   "recipient": {"id": str(world.patients[0].pk)}, "sender": {"id": str(world.provider.pk)}}


def test_request_list_sql_count_is_flat(gql, world, keys, count_queries):
    form = factories.requestable_form(world.org)
    ids = ",".join(str(p.pk) for p in world.patients)
    for _ in range(4):
        _create(gql, keys["provider"], recipient_ids=ids, form=str(form.pk), is_recurring=True, frequency="Daily")
    query = """query R($n: Int) { requestedFormCompletions(page_size: $n) { id status item_type
        custom_module_form { id name } recipient { id first_name } sender { id } form_answer_group { id }
        recurring_form { id users { id } custom_module_form { id } } } }"""
    gql("{ currentUser { id } }", key=keys["owner"])
    counts = {}
    for size in (2, 10):
        result, counts[size] = count_queries(lambda size=size: gql(query, {"n": size}, key=keys["owner"]))
        assert len(data_of(result)["requestedFormCompletions"]) == size
    assert counts[2] == counts[10]
