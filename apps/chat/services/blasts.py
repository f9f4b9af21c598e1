"""Message blasts (the published ``NoteScheduler``): one note to many patients, sent by a job.

``blast_create`` records the blast with its chosen patients and user groups and enqueues one
``chat.send_message_blast`` job at ``scheduled_at`` (or now). The job, in one transaction
holding the blast's row lock, delivers one note into each patient's two-person conversation
with the sender (created when missing) and marks the blast sent: a retried or duplicated
job sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from apps.accounts.models import User, UserGroup
from apps.accounts.selectors import groups_filter, organization_providers, visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.chat.models import MessageBlast, Note
from apps.chat.selectors.notes import blast_get
from apps.chat.services.automatic import ensure_automatic_conversation
from apps.chat.services.notes import _content, _scheduled_at, deliver
from apps.chat.services.sanitize import has_substance
from apps.core import jobs
from apps.core.errors import ValidationFailed
from apps.core.jobs.models import Job
from apps.core.lookup import get_visible, parse_id
from apps.core.text import reject_nul
from apps.core.timefmt import now

KIND = "chat.send_message_blast"
RETRY = jobs.RetrySchedule(delays=(dt.timedelta(minutes=1), dt.timedelta(minutes=10)),
                           window=dt.timedelta(hours=6), jitter=0.1)
SELECT_ALL = "all"


@dataclass(frozen=True)
class BlastCreate:
    content: str | None = None
    simple_added_users: str | None = None
    patient_id: object = None
    select_all_status: str | None = None
    scheduled_at: str | None = None
    dietitian_id: object = None
    name: str | None = None
    attachment_sent: bool = False


def _parse_added(viewer: Viewer, text: str | None, field: str) -> tuple[list[User], list[UserGroup]]:
    """``user-1,group-2``: patients the viewer may see and groups of its organization."""
    users: list[User] = []
    groups: list[UserGroup] = []
    reject_nul(text, field)
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        kind, _, raw = item.partition("-")
        if kind == "user":
            users.append(get_visible(visible_patients(viewer), raw, "Patient", field=field))
        elif kind == "group":
            groups.append(get_visible(groups_filter(viewer), raw, "User group", field=field))
        else:
            raise ValidationFailed(field, f"'{item[:40]}' is not a doc_share_id (user-<id> or group-<id>).")
    return users, groups


def invitees(blast: MessageBlast) -> QuerySet[User]:
    """The patients a blast reaches: its chosen patients and the members of its groups that the
    sender may see (scoped again at send time: a patient who left the sender's care is skipped)."""
    chosen = Q(pk__in=blast.recipients.through.objects.filter(messageblast_id=blast.pk).values("user_id"))
    grouped = Q(user_group_id__in=blast.user_groups.through.objects.filter(
        messageblast_id=blast.pk).values("usergroup_id"))
    return visible_patients(Viewer(user=blast.sender)).filter(chosen | grouped, active=True)


def _sender(viewer: Viewer, dietitian_id: object) -> User:
    if dietitian_id in (None, "") or parse_id(dietitian_id) == viewer.user_id:
        return viewer.user
    provider = get_visible(organization_providers(viewer), dietitian_id, "Provider", field="dietitian_id")
    if not viewer.is_owner:
        raise ValidationFailed("dietitian_id", "Only the organization owner can send a blast for another provider.")
    return provider


@transaction.atomic
def blast_create(viewer: Viewer, data: BlastCreate) -> MessageBlast:
    viewer.require(MEMBER)
    if data.attachment_sent:
        raise ValidationFailed("note", "Attachments are not supported in message blasts: send content only.")
    sender = _sender(viewer, data.dietitian_id)
    content = _content(data.content)
    if not has_substance(content):
        raise ValidationFailed("note", "A message blast needs content.")
    users, groups = _parse_added(viewer, data.simple_added_users, "simple_added_users")
    if data.patient_id not in (None, ""):
        users.append(get_visible(visible_patients(viewer), data.patient_id, "Patient", field="patient_id"))
    if (data.select_all_status or "").strip().lower() == SELECT_ALL:
        users.extend(visible_patients(viewer).filter(active=True))
    if not users and not groups:
        raise ValidationFailed("simple_added_users", "Choose at least one patient or user group.")
    when = _scheduled_at(viewer, data.scheduled_at)
    blast = MessageBlast.objects.create(organization_id=viewer.organization_id, sender=sender, content=content,
                                        scheduled_at=when)
    blast.recipients.set({u.pk for u in users})
    blast.user_groups.set({g.pk for g in groups})
    blast.recipients_count = invitees(blast).count()
    blast.save(update_fields=["recipients_count"])
    if blast.recipients_count == 0:
        raise ValidationFailed("simple_added_users", "None of the chosen patients can receive this blast.")
    jobs.enqueue(KIND, {"blast_id": blast.pk}, run_at=when, subject=f"message_blast:{blast.pk}",
                 organization_id=blast.organization_id)
    return blast


@transaction.atomic
def blast_update(viewer: Viewer, blast_id: object, *, participant_ids: list[object] | None,
                 select_all_status: str | None) -> MessageBlast:
    """``updateNoteScheduler``: replaces the chosen patients of a blast not sent yet."""
    viewer.require(MEMBER)
    blast = blast_get(viewer, blast_id)
    if blast.sent_at is not None:
        raise ValidationFailed("id", "This message blast was already sent.")
    if (select_all_status or "").strip().lower() == SELECT_ALL:
        blast.recipients.set(visible_patients(viewer).filter(active=True).values_list("pk", flat=True))
    elif participant_ids is not None:
        patients = [get_visible(visible_patients(viewer), pid, "Patient", field="participant_ids")
                    for pid in participant_ids]
        blast.recipients.set({p.pk for p in patients})
    blast.recipients_count = invitees(blast).count()
    blast.save(update_fields=["recipients_count", "updated_at"])
    return blast


def send(job: Job) -> None:
    blast = (MessageBlast.objects.select_for_update(of=("self",)).select_related("sender")
             .filter(pk=job.payload.get("blast_id")).first())
    if blast is None:
        raise jobs.Cancel("the message blast no longer exists")
    if blast.sent_at is not None:
        raise jobs.Cancel("the message blast was already sent")
    at = now()
    delivered = 0
    for patient in invitees(blast).order_by("id"):
        conversation = ensure_automatic_conversation(patient, blast.sender)
        if conversation is None or conversation.is_closed:
            continue  # a closed conversation refuses new notes, blasts included
        note = Note.objects.create(conversation=conversation, user=blast.sender, content=blast.content,
                                   blast=blast, scheduled_at=blast.scheduled_at)
        note.conversation = conversation
        deliver(note, at)
        delivered += 1
    blast.sent_at = at
    blast.recipients_count = delivered
    blast.save(update_fields=["sent_at", "recipients_count", "updated_at"])


def register() -> None:
    jobs.register_kind(KIND, send, retry=RETRY)
