"""Form requests: asking patients to fill out a template once or on a schedule.

Every write runs in one transaction: the requests, their events and e-mails, and the first
job of a recurring request are written together or not at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db import transaction

from apps.accounts import mail
from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.timefmt import TimeFormatError, now, parse_date
from apps.events import bus
from apps.forms import recurring as schedule
from apps.forms import reminders
from apps.forms.models import FormAnswerGroup, RecurringForm, RequestedFormCompletion
from apps.forms.selectors.requests import recurring_form_get, request_get, visible_forms

MEMBERS_ONLY = "Only providers and staff members can manage form requests."
MAX_RECIPIENTS = 100


@dataclass(frozen=True)
class RequestCreate:
    recipient_ids: object = None
    recipient_id: object = None  # the published single-recipient argument, added to recipient_ids
    form: object = None
    form_field: str = "form"
    is_recurring: bool = False
    frequency: str | None = None
    period: str | None = None
    minute: str | None = None
    hour: str | None = None
    weekday: str | None = None
    monthday: str | None = None
    recurrence_ends: bool = False
    ends_on: str | None = None
    item_type: str | None = None
    metadata: str | None = None
    notify: bool = True


def _ids(raw: object) -> list[object]:
    """``recipient_ids`` is documented as an array but typed String: "1,2", "[1, 2]" or a list."""
    if isinstance(raw, list | tuple):
        return list(raw)
    text = str(raw or "").strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return [text]
        return value if isinstance(value, list) else [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(errors: Collector, field: str, raw: object, low: int, high: int) -> int | None:
    text = re.sub(r"(st|nd|rd|th)$", "", str(raw).strip().lower()) if raw not in (None, "") else ""
    value = parse_id(text) if text != "0" else 0
    if value is None or not low <= value <= high:
        errors.add(field, f"{field} must be a number from {low} to {high}.")
        return None
    return value


def _recurrence(errors: Collector, data: RequestCreate) -> dict | None:
    if data.frequency not in schedule.FREQUENCIES:
        errors.add("frequency", f"frequency must be one of: {', '.join(schedule.FREQUENCIES)}.")
        return None
    period = (data.period or "").strip().upper()
    if period not in ("", "AM", "PM"):
        errors.add("period", "period must be AM or PM.")
    hour = _number(errors, "hour", data.hour if data.hour not in (None, "") else "9", 1 if period else 0,
                   12 if period else 23)
    minute = _number(errors, "minute", data.minute if data.minute not in (None, "") else "0", 0, 59)
    if hour is not None and period:
        hour = hour % 12 + (12 if period == "PM" else 0)
    values = {"frequency": data.frequency, "period": period, "hour": hour, "minute": minute, "weekday": "",
              "monthday": None, "recurrence_ends": bool(data.recurrence_ends), "ends_on": None}
    if data.frequency == schedule.WEEKLY:
        weekday = (data.weekday or "").strip().capitalize()
        if weekday not in schedule.WEEKDAYS:
            errors.add("weekday", "weekday must be a full weekday name, e.g. Monday.")
        values["weekday"] = weekday
    if data.frequency == schedule.MONTHLY:
        values["monthday"] = _number(errors, "monthday", data.monthday, 1, 31)
    if data.recurrence_ends:
        try:
            values["ends_on"] = parse_date(data.ends_on or "")
        except (TimeFormatError, ValueError):
            errors.add("ends_on", "ends_on must be a date in the YYYY-MM-DD format.")
        else:
            if values["ends_on"] < now().date():
                errors.add("ends_on", "ends_on must not be in the past.")
    return values


def issue(recurring: RecurringForm) -> RequestedFormCompletion:
    """Creates one request of a recurring form (the job's work), with its event and e-mail."""
    return _create(recurring.sender, recurring.recipient, recurring.custom_module_form, recurring)


def _create(sender, recipient, form, recurring: RecurringForm | None, *, metadata: object = None,
            notify: bool = True) -> RequestedFormCompletion:
    request = RequestedFormCompletion.objects.create(
        organization_id=form.organization_id, sender=sender, recipient=recipient, custom_module_form=form,
        recurring_form=recurring, metadata=metadata)
    bus.emit("requested_form_completion.created", request, organization_id=request.organization_id,
             actor_id=sender.pk)
    reminders.schedule_first(request)
    if notify and recipient.email:
        mail.form_requested(recipient, form.name)
    return request


@transaction.atomic
def request_create(viewer: Viewer, data: RequestCreate) -> RequestedFormCompletion:
    """Sends ``form`` to every recipient; with ``is_recurring`` each also gets a recurring form
    whose later requests the job issues. Returns the first request created."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    errors = Collector()
    raw_ids = _ids(data.recipient_ids)
    extra = [] if data.recipient_id in (None, "") else [data.recipient_id]
    if not raw_ids and not extra:
        errors.add("recipient_ids", "recipient_ids must name at least one patient.")
    elif len(raw_ids) > MAX_RECIPIENTS:
        errors.add("recipient_ids", f"At most {MAX_RECIPIENTS} recipients per request.")
    recurrence = _recurrence(errors, data) if data.is_recurring else None
    if data.item_type not in (None, "", "cmf", "CustomModuleForm"):
        errors.add("item_type", "Only forms (item_type \"cmf\") can be requested.")
    metadata = None
    if data.metadata not in (None, ""):
        try:
            metadata = json.loads(data.metadata)
        except ValueError:
            errors.add("metadata", "metadata must be a JSON string.")
    errors.raise_if_any()
    form = get_visible(visible_forms(viewer), data.form, "Form", field=data.form_field)
    pks = [parse_id(raw) for raw in raw_ids]
    extra_pks = [parse_id(raw) for raw in extra]
    recipients = {p.pk: p for p in visible_patients(viewer).filter(pk__in=[pk for pk in pks + extra_pks if pk])}
    if any(pk not in recipients for pk in pks):
        raise NotFound("recipient_ids", "Patient not found.")
    if any(pk not in recipients for pk in extra_pks):
        raise NotFound("recipient_id", "Patient not found.")
    pks += extra_pks
    sender = viewer.user
    first = None
    for pk in dict.fromkeys(pks):
        recurring = None
        if recurrence is not None:
            recurring = RecurringForm.objects.create(organization_id=viewer.organization_id, sender=sender,
                                                     recipient=recipients[pk], custom_module_form=form,
                                                     **recurrence)
            schedule.schedule(recurring)
        request = _create(sender, recipients[pk], form, recurring, metadata=metadata, notify=data.notify)
        first = first or request
    return first


@transaction.atomic
def request_delete(viewer: Viewer, *, request_id: object, recurring_form_id: object = None) -> RequestedFormCompletion:
    """Soft-deletes a request; with ``recurring_form_id`` also stops that recurring form."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    request = request_get(viewer, request_id)
    recurring = None
    if recurring_form_id not in (None, ""):
        recurring = recurring_form_get(viewer, recurring_form_id, field="recurringFormId")
    request.deleted_at = now()
    request.save(update_fields=["deleted_at", "updated_at"])
    bus.emit("requested_form_completion.deleted", request, organization_id=request.organization_id,
             actor_id=viewer.user_id)
    if recurring is not None:
        _stop(recurring)
    return request


def _stop(recurring: RecurringForm) -> None:
    recurring.deleted_at = now()
    recurring.next_issue_at = None
    recurring.save(update_fields=["deleted_at", "next_issue_at", "updated_at"])
    schedule.cancel(recurring)


@transaction.atomic
def recurring_form_delete(viewer: Viewer, *, recurring_form_id: object) -> RecurringForm:
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    recurring = recurring_form_get(viewer, recurring_form_id)
    _stop(recurring)
    return recurring


@transaction.atomic
def recurring_form_update(viewer: Viewer, *, recurring_form_id: object, data: RequestCreate,
                          is_active: bool | None = None) -> RecurringForm:
    """Changes the schedule (every schedule field is re-read, as on creation) and moves the pending
    job to the new next time; ``is_active`` false stops it like a deletion."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    recurring = recurring_form_get(viewer, recurring_form_id)
    if is_active is False:
        _stop(recurring)
        return recurring
    if data.frequency in (None, ""):
        return recurring
    errors = Collector()
    values = _recurrence(errors, data)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(recurring, name, value)
    recurring.save()
    schedule.cancel(recurring)
    schedule.schedule(recurring)
    return recurring


def mark_completed(request: RequestedFormCompletion, group: FormAnswerGroup) -> RequestedFormCompletion:
    """Called by the answers part when a filled-out form names ``request``: a finished group
    completes it, an unfinished one makes it Incomplete. Runs in the caller's transaction."""
    status = RequestedFormCompletion.COMPLETE if group.finished else RequestedFormCompletion.INCOMPLETE
    if request.status == status and request.form_answer_group_id == group.pk:
        return request
    if request.status == RequestedFormCompletion.COMPLETE and not group.finished:
        raise ValidationFailed("requested_form_completion_id", "This form request is already completed.")
    request.status = status
    request.form_answer_group = group
    request.save(update_fields=["status", "form_answer_group", "updated_at"])
    bus.emit("requested_form_completion.updated", request, organization_id=request.organization_id,
             changed_fields=["status", "form_answer_group_id"], actor_id=group.filler_id)
    return request


def send_reminder(request: RequestedFormCompletion) -> None:
    if request.status != RequestedFormCompletion.COMPLETE and request.recipient.email:
        mail.form_request_reminder(request.recipient, str(request.pk))


__all__ = ["RequestCreate", "issue", "mark_completed", "recurring_form_delete", "request_create", "request_delete",
           "send_reminder"]
