"""Reminder e-mails for open form requests under a frozen clock: the schedule from the settings,
never twice for one period (duplicated or late jobs), none for completed or deleted requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.core import jobs
from apps.core.jobs.models import Job
from apps.forms import reminders
from apps.forms.models import RequestedFormCompletion
from apps.forms.services.requests import RequestCreate, request_create, request_delete
from tests import factories

pytestmark = pytest.mark.django_db

UTC = dt.UTC
START = dt.datetime(2030, 6, 3, 12, 0, tzinfo=UTC)
REMINDER_SUBJECT = "Reminder: a form is waiting for you"


@pytest.fixture(autouse=True)
def _schedule(settings):
    settings.FORM_REQUEST_REMINDER_DELAY_HOURS = 24
    settings.FORM_REQUEST_REMINDER_INTERVAL_HOURS = 48
    settings.FORM_REQUEST_REMINDER_MAX = 3


def _reminders_to(address: str) -> int:
    return sum(1 for m in mail.outbox if m.subject == REMINDER_SUBJECT and m.to == [address])


def _send(world, patient, form):
    with transaction.atomic():
        request_create(Viewer(user=world.provider), RequestCreate(recipient_ids=str(patient.pk), form=form.pk))
    return RequestedFormCompletion.objects.filter(recipient=patient).latest("id")


def _at(time_machine, when):
    time_machine.move_to(when, tick=False)
    jobs.drain()
    jobs.drain()


def test_open_request_reminded_on_schedule_once_per_period(world, time_machine):
    time_machine.move_to(START, tick=False)
    patient = world.patients[0]
    request = _send(world, patient, factories.requestable_form(world.org))
    jobs.drain()
    mail.outbox.clear()
    _at(time_machine, START + dt.timedelta(hours=23))
    assert _reminders_to(patient.email) == 0
    _at(time_machine, START + dt.timedelta(hours=24, minutes=1))
    assert _reminders_to(patient.email) == 1
    # A duplicated job for a period already reminded sends nothing.
    with transaction.atomic():
        reminders._enqueue(request, 1)
    _at(time_machine, START + dt.timedelta(hours=30))
    assert _reminders_to(patient.email) == 1
    # Late by two periods: one reminder for the current period, the missed one is not replayed.
    _at(time_machine, START + dt.timedelta(hours=24 + 48 * 2 + 1))
    assert _reminders_to(patient.email) == 2
    periods = sorted(Job.objects.filter(kind=reminders.KIND, status="succeeded").values_list(
        "payload__period", flat=True))
    assert periods == [1, 3]
    # Three reminders at most: nothing is left to do after the last period.
    _at(time_machine, START + dt.timedelta(days=30))
    assert _reminders_to(patient.email) == 2
    assert not Job.objects.filter(kind=reminders.KIND, status="pending").exists()


def test_completed_deleted_and_disabled_requests_get_no_reminder(world, time_machine, settings):
    time_machine.move_to(START, tick=False)
    form = factories.requestable_form(world.org)
    done, deleted = world.patients[0], world.patients[1]
    completed = _send(world, done, form)
    RequestedFormCompletion.objects.filter(pk=completed.pk).update(status=RequestedFormCompletion.COMPLETE)
    removed = _send(world, deleted, form)
    with transaction.atomic():
        request_delete(Viewer(user=world.provider), request_id=removed.pk)
    settings.FORM_REQUEST_REMINDER_MAX = 0
    quiet = world.patients[2]
    _send(world, quiet, form)  # reminders off: no job at all
    assert Job.objects.filter(kind=reminders.KIND).count() == 2
    jobs.drain()
    mail.outbox.clear()
    settings.FORM_REQUEST_REMINDER_MAX = 3
    _at(time_machine, START + dt.timedelta(days=10))
    assert mail.outbox == []
    assert set(Job.objects.filter(kind=reminders.KIND).values_list("status", flat=True)) == {"cancelled"}
