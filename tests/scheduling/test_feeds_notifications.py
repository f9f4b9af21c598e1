"""The iCalendar feed (secret URL, revocable) and reminder e-mails as durable jobs."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client
from icalendar import Calendar

from apps.core import jobs
from apps.core.jobs import email
from apps.core.jobs.models import Job
from apps.scheduling import notifications
from tests.conftest import data_of
from tests.scheduling.helpers import appointment, appt_type, settings_for

UTC = dt.UTC
CREATE_FEED = """mutation($provider_id: ID) {
  createCalendarFeed(input: {provider_id: $provider_id}) { url messages { field message } }
}"""
REVOKE_FEED = """mutation($provider_id: ID) {
  revokeCalendarFeeds(input: {provider_id: $provider_id}) { revoked_count messages { field message } }
}"""
UPDATE = """mutation($id: ID, $datetime: String, $pm_status: String) {
  updateAppointment(input: {id: $id, datetime: $datetime, pm_status: $pm_status}) {
    appointment { id } messages { field message }
  }
}"""


def test_calendar_feed_lists_active_appointments_and_can_be_revoked(gql, world, keys, other_world, time_machine):
    time_machine.move_to(dt.datetime(2030, 6, 1, tzinfo=UTC), tick=False)
    kind = appt_type(world.org, name="Check-in")
    kept = appointment(world.provider, world.patients[0], dt.datetime(2030, 6, 10, 15, tzinfo=UTC), kind=kind,
                       location="Room 4")
    appointment(world.provider, world.patients[1], dt.datetime(2030, 6, 11, 15, tzinfo=UTC), kind=kind,
                pm_status="Cancelled")
    appointment(world.owner, world.patients[1], dt.datetime(2030, 6, 12, 15, tzinfo=UTC), kind=kind)
    created = data_of(gql(CREATE_FEED, {}, key=keys["provider"]))["createCalendarFeed"]
    assert created["messages"] == [] and "/calendar/cal_" in created["url"]
    path = created["url"].split("testserver", 1)[-1]
    response = Client().get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert [str(e["summary"]) for e in events] == [f"Check-in - {world.patients[0].full_name}"]
    assert events[0].decoded("dtstart") == kept.start and str(events[0]["location"]) == "Room 4"
    # Another organization cannot create a feed for this provider.
    foreign = data_of(gql(CREATE_FEED, {"provider_id": str(world.provider.pk)},
                          key=_key(other_world.owner)))["createCalendarFeed"]
    assert foreign["url"] is None and foreign["messages"] == [{"field": "provider_id",
                                                                "message": "Provider not found"}]
    revoked = data_of(gql(REVOKE_FEED, {}, key=keys["provider"]))["revokeCalendarFeeds"]
    assert revoked == {"revoked_count": 1, "messages": []}
    assert Client().get(path).status_code == 404
    assert Client().get("/calendar/cal_guess.ics").status_code == 404


def _key(user) -> str:
    from tests import factories

    return factories.api_key(user)


def test_reminders_follow_settings_and_reschedules(gql, world, keys, time_machine):
    time_machine.move_to(dt.datetime(2030, 6, 1, 12, tzinfo=UTC), tick=False)
    kind = appt_type(world.org, name="Check-in")
    settings_for(world.provider, reminder_minutes_before=[1440, 120, 30], end_reminder_one_hour_before=True)
    item = appointment(world.provider, world.patients[0], dt.datetime(2030, 6, 3, 15, tzinfo=UTC), kind=kind)
    notifications.schedule(item)
    due = sorted((n.kind, n.next_attempt_at) for n in Job.objects.filter(status=Job.PENDING))
    # The 30-minute reminder falls in the final hour and is dropped by end_reminder_one_hour_before.
    assert due == [(notifications.CONFIRMATION, dt.datetime(2030, 6, 1, 12, tzinfo=UTC)),
                   (notifications.REMINDER, dt.datetime(2030, 6, 2, 15, tzinfo=UTC)),
                   (notifications.REMINDER, dt.datetime(2030, 6, 3, 13, tzinfo=UTC))]
    assert {n.subject for n in Job.objects.all()} == {f"appointment:{item.pk}"}
    assert jobs.drain() == 1
    assert [m.subject for m in mail.outbox] == ["Appointment confirmed: Check-in"]
    # Rescheduling by staff re-plans the reminders; nothing is due yet.
    result = data_of(gql(UPDATE, {"id": str(item.pk), "datetime": "2030-06-05T15:00:00Z"}, key=keys["provider"]))
    assert result["updateAppointment"]["messages"] == []
    pending = Job.objects.filter(status=Job.PENDING, kind=notifications.REMINDER)
    assert sorted(n.next_attempt_at for n in pending) == [dt.datetime(2030, 6, 4, 15, tzinfo=UTC),
                                                 dt.datetime(2030, 6, 5, 13, tzinfo=UTC)]
    mail.outbox.clear()
    time_machine.move_to(dt.datetime(2030, 6, 4, 15, 1, tzinfo=UTC), tick=False)
    assert jobs.drain() == 2  # the new confirmation and the day-before reminder
    assert sorted(m.subject for m in mail.outbox) == ["Appointment confirmed: Check-in",
                                                      "Reminder: Check-in at 2030-06-05 11:00:00 -0400"]
    # Cancelling drops what is still pending.
    data_of(gql(UPDATE, {"id": str(item.pk), "pm_status": "Cancelled"}, key=keys["provider"]))
    time_machine.move_to(dt.datetime(2030, 6, 5, 14, tzinfo=UTC), tick=False)
    mail.outbox.clear()
    assert jobs.drain() == 0 and mail.outbox == []


def test_failed_sends_are_retried_later(world, time_machine, monkeypatch):
    time_machine.move_to(dt.datetime(2030, 6, 1, 12, tzinfo=UTC), tick=False)
    item = appointment(world.provider, world.patients[0], dt.datetime(2030, 6, 3, 15, tzinfo=UTC))
    notifications.schedule(item)

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(email, "send_mail", broken)
    assert jobs.drain() == 1
    row = Job.objects.get()
    assert row.attempts == 1 and row.status == Job.PENDING and "smtp down" in row.last_error
    assert row.next_attempt_at == dt.datetime(2030, 6, 1, 12, 5, tzinfo=UTC)
    assert jobs.drain() == 0  # not due again yet


def _summaries(url: str) -> list[str]:
    response = Client().get(url.split("testserver", 1)[-1])
    assert response.status_code == 200
    return sorted(str(c["summary"]) for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT")


def test_calendar_feed_shows_what_its_creator_may_see(gql, world, keys, time_machine):
    """A member restricted to their own patients gets no appointment of another patient through a
    feed, neither on another provider's calendar nor on their own; the owner's feed of the same
    calendar shows it. What the creator may see is read again on every fetch."""
    from apps.accounts.models import OrganizationMembership
    from tests import factories

    time_machine.move_to(dt.datetime(2030, 6, 1, tzinfo=UTC), tick=False)
    OrganizationMembership.objects.filter(user=world.provider).update(can_see_all_clients=False)
    kind = appt_type(world.org, name="Check-in")
    hidden = factories.patient(world.org, provider=world.owner, first_name="Hedda", last_name="Hidden")
    own = world.patients[0]
    appointment(world.owner, hidden, dt.datetime(2030, 6, 10, 15, tzinfo=UTC), kind=kind)
    appointment(world.owner, own, dt.datetime(2030, 6, 11, 15, tzinfo=UTC), kind=kind)
    appointment(world.provider, hidden, dt.datetime(2030, 6, 12, 15, tzinfo=UTC), kind=kind)
    appointment(world.provider, own, dt.datetime(2030, 6, 13, 15, tzinfo=UTC), kind=kind)

    def feed(key: str, provider) -> str:
        created = data_of(gql(CREATE_FEED, {"provider_id": str(provider.pk)}, key=key))["createCalendarFeed"]
        assert created["messages"] == []
        return created["url"]

    owners_calendar_by_restricted = feed(keys["provider"], world.owner)
    own_calendar_by_restricted = feed(keys["provider"], world.provider)
    owners_calendar_by_owner = feed(keys["owner"], world.owner)
    assert _summaries(owners_calendar_by_restricted) == [f"Check-in - {own.full_name}"]
    assert _summaries(own_calendar_by_restricted) == [f"Check-in - {own.full_name}"]
    assert _summaries(owners_calendar_by_owner) == sorted([f"Check-in - {own.full_name}",
                                                           "Check-in - Hedda Hidden"])
    # Once the member may see every patient, the same URL shows them.
    OrganizationMembership.objects.filter(user=world.provider).update(can_see_all_clients=True)
    assert _summaries(own_calendar_by_restricted) == sorted([f"Check-in - {own.full_name}",
                                                             "Check-in - Hedda Hidden"])
