"""Scheduled notes: one ``chat.deliver_scheduled_note`` job per pending note, on the kernel's runner.

The job runs in its own transaction holding the note's row lock and delivers only a note
that is still pending, not deleted and due: a retried, duplicated or stale job (the note was
rescheduled) delivers nothing, so each note is delivered exactly once.
"""

from __future__ import annotations

import datetime as dt

from apps.core import jobs
from apps.core.jobs.models import Job
from apps.core.timefmt import now

KIND = "chat.deliver_scheduled_note"
RETRY = jobs.RetrySchedule(
    delays=(dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10)),
    window=dt.timedelta(hours=6), jitter=0.1,
)


def subject_of(note) -> str:
    return f"note:{note.pk}"


def schedule(note) -> None:
    jobs.enqueue(KIND, {"note_id": note.pk}, run_at=note.scheduled_at, subject=subject_of(note),
                 organization_id=note.conversation.organization_id)


def cancel(note) -> None:
    jobs.cancel(subject=subject_of(note), kinds=[KIND])


def deliver_due(job: Job) -> None:
    from apps.chat.models import Note
    from apps.chat.services.notes import deliver

    note = (Note.objects.select_for_update(of=("self",)).select_related("conversation")
            .filter(pk=job.payload.get("note_id")).first())
    if note is None or note.deleted_at is not None:
        raise jobs.Cancel("the note was deleted")
    if note.delivered_at is not None:
        raise jobs.Cancel("the note was already delivered")
    current = now()
    if note.scheduled_at is not None and note.scheduled_at > current:
        raise jobs.Cancel("the note was rescheduled (a newer job delivers it)")
    if note.conversation.is_closed:
        raise jobs.Cancel("the conversation was closed before the note was due")
    deliver(note, current)


def register() -> None:
    jobs.register_kind(KIND, deliver_due, retry=RETRY)
