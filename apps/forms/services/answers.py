"""Writes of filled-out forms: create, update, soft delete.

Each function runs in one transaction and validates everything before writing anything:
every answer is checked against its question (``apps.forms.question_types``), problems come
back together, each naming its answer (``form_answers.<n>.answer``), and nothing is written
when there is any. A locked form (``locked_at`` set) refuses edits.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import AUTHENTICATED, Viewer
from apps.core.errors import Collector, ErrorCode, Forbidden, NotFound, ValidationFailed
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.lookup import get_visible, parse_id
from apps.core.timefmt import TimeFormatError, parse_date, parse_datetime
from apps.events.bus import emit
from apps.forms import question_types as qt
from apps.forms.models import CustomModule, CustomModuleForm, FormAnswer, FormAnswerGroup, RequestedFormCompletion
from apps.forms.selectors.answers import answer_group_get
from apps.forms.services import requests
from apps.scheduling.selectors import appointments_visible

MAX_ANSWERS = 1_000
MAX_METADATA_CHARS = 20_000


@dataclass(frozen=True)
class AnswerInput:
    """One entry of ``form_answers``."""

    custom_module_id: object = UNSET
    answer: object = UNSET
    user_id: object = UNSET
    id: object = UNSET
    metadata: object = UNSET
    conditional_custom_module_id: object = UNSET


@dataclass(frozen=True)
class AnswerGroupInput:
    custom_module_form_id: object = UNSET
    user_id: object = UNSET
    finished: bool | None | Unset = UNSET
    name: str | None | Unset = UNSET
    external_id: object = UNSET
    metadata: str | None | Unset = UNSET
    date: str | None | Unset = UNSET
    form_answers: list[AnswerInput] | None | Unset = UNSET
    appointment_id: object = UNSET
    requested_form_completion_id: object = UNSET


def _template_scope(viewer: Viewer):
    # The templates helper's ``visible_forms`` is the one rule for templates; until it is merged
    # a filled-out form may use any live template of the viewer's organization.
    try:
        from apps.forms.selectors.templates import visible_forms
    except ImportError:
        return CustomModuleForm.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)
    return visible_forms(viewer).filter(organization_id=viewer.organization_id)


def _require_writer(viewer: Viewer) -> None:
    viewer.require(AUTHENTICATED)
    if not (viewer.is_patient or viewer.is_member):
        raise Forbidden("Only members of an organization and its patients can fill out forms.")


def _metadata(value: object, errors: Collector) -> dict | list | None:
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) > MAX_METADATA_CHARS:
        errors.add("metadata", f"'metadata' is longer than {MAX_METADATA_CHARS} characters.")
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        errors.add("metadata", "'metadata' must be a JSON object.")
        return None
    if not isinstance(parsed, dict):
        errors.add("metadata", "'metadata' must be a JSON object.")
        return None
    return parsed


def _service_date(value: object, errors: Collector) -> dt.datetime | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        return parse_datetime(text)
    except TimeFormatError:
        pass
    try:
        day = parse_date(text)
    except (TimeFormatError, ValueError):
        errors.add("date", "'date' must be a date or date and time, like 2021-10-29 or 2021-10-29T10:00:00Z.")
        return None
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _text(value: object, limit: int, name: str, errors: Collector) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        errors.add(name, f"'{name}' contains a NUL character.")
    elif len(text) > limit:
        errors.add(name, f"'{name}' is longer than {limit} characters.")
    return text.strip()


def _appointment(viewer: Viewer, group: FormAnswerGroup, raw: object, errors: Collector):
    """The appointment the form documents: one the viewer may see, with the form's patient."""
    if raw in (None, ""):
        return None
    pk = parse_id(raw)
    found = appointments_visible(viewer).filter(pk=pk).first() if pk else None
    if found is None:
        errors.add("appointment_id", "Appointment not found.", ErrorCode.NOT_FOUND)
        return None
    if found.user_id != group.user_id and not found.attendee_links.filter(user_id=group.user_id).exists():
        errors.add("appointment_id", "The appointment is not with the patient of this form.")
        return None
    return found


def _request(viewer: Viewer, group: FormAnswerGroup, raw: object, errors: Collector):
    """The form request this form answers: one of the viewer's organization, sent to the form's
    patient for this template (the request's own status belongs to the requests part)."""
    pk = parse_id(raw)
    found = RequestedFormCompletion.objects.filter(
        pk=pk, organization_id=viewer.organization_id, deleted_at__isnull=True, recipient_id=group.user_id,
        recipient__in=visible_patients(viewer), custom_module_form_id=group.custom_module_form_id,
    ).first() if pk else None
    if found is None:
        errors.add("requested_form_completion_id", "Form request not found.", ErrorCode.NOT_FOUND)
    return found


def _validated_answers(
    modules: dict[int, CustomModule], entries: list[AnswerInput], patient_id: int, errors: Collector,
    existing: dict[int, FormAnswer],
) -> dict[int, tuple[str, object]]:
    """Question id -> (normalized answer, metadata) for each entry; problems go to ``errors``."""
    by_answer_id = {a.pk: a.custom_module_id for a in existing.values()}
    result: dict[int, tuple[str, object]] = {}
    if len(entries) > MAX_ANSWERS:
        errors.add("form_answers", f"'form_answers' takes at most {MAX_ANSWERS} answers.")
        return result
    for n, entry in enumerate(entries):
        prefix = f"form_answers.{n}"
        module_pk = parse_id(entry.custom_module_id) if is_set(entry.custom_module_id) else None
        if is_set(entry.id) and entry.id not in (None, ""):
            by_id = by_answer_id.get(parse_id(entry.id) or 0)
            if by_id is None or (module_pk is not None and by_id != module_pk):
                errors.add(f"{prefix}.id", "Answer not found on this form.", ErrorCode.NOT_FOUND)
                continue
            module_pk = by_id
        module = modules.get(module_pk or 0)
        if module is None:
            errors.add(f"{prefix}.custom_module_id", "Question not found on this form.", ErrorCode.NOT_FOUND)
            continue
        conditional = entry.conditional_custom_module_id
        if is_set(conditional) and conditional not in (None, "") and parse_id(conditional) not in modules:
            errors.add(f"{prefix}.conditional_custom_module_id", "Question not found on this form.",
                       ErrorCode.NOT_FOUND)
            continue
        if module.pk in result:
            errors.add(f"{prefix}.custom_module_id", "This question is answered twice.")
            continue
        if is_set(entry.user_id) and entry.user_id not in (None, "") and parse_id(entry.user_id) != patient_id:
            errors.add(f"{prefix}.user_id", "Patient not found: an answer's user_id must be the form's patient.",
                       ErrorCode.NOT_FOUND)
            continue
        metadata: object = UNSET
        if is_set(entry.metadata):
            sub = Collector()
            metadata = _metadata(entry.metadata, sub)
            for message in sub.messages:
                errors.add(f"{prefix}.metadata", message.message)
        raw = entry.answer if is_set(entry.answer) else None
        try:
            result[module.pk] = (qt.validate_answer(module, raw), metadata)
        except ValidationFailed as error:
            for message in error.messages:
                errors.add(f"{prefix}.answer", message.message)
    return result


def _fill_computed(modules: dict[int, CustomModule], answers: dict[int, str]) -> None:
    """Computed questions (BMI) take their value from the form's height and weight answers."""
    height = next((answers.get(m.pk, "") for m in modules.values() if m.mod_type == "height"), "")
    weight = next((answers.get(m.pk, "") for m in modules.values() if m.mod_type == "weight"), "")
    for module in modules.values():
        if module.mod_type in qt.COMPUTED_MOD_TYPES and height and weight:
            value = qt.compute_bmi(module.mod_type, height, weight)
            if value is not None:
                answers[module.pk] = value


def _check_required(modules: dict[int, CustomModule], answers: dict[int, str], errors: Collector) -> None:
    for module in modules.values():
        if (module.required and not qt.is_read_only(module.mod_type)
                and module.mod_type not in qt.COMPUTED_MOD_TYPES and not answers.get(module.pk)):
            label = (module.label or module.mod_type)[:80]
            errors.add("form_answers", f"'{label}' (question {module.pk}) is required to finish the form.")


def _save_answers(group: FormAnswerGroup, modules: dict[int, CustomModule], answers: dict[int, str],
                  metadata: dict[int, object], existing: dict[int, FormAnswer]) -> None:
    new = []
    for module_pk, text in answers.items():
        answer = existing.get(module_pk)
        if answer is None:
            new.append(FormAnswer(form_answer_group=group, custom_module_id=module_pk, user_id=group.user_id,
                                  answer=text, metadata=None if metadata.get(module_pk) is UNSET
                                  else metadata.get(module_pk)))
        elif answer.answer != text or (metadata.get(module_pk) is not UNSET
                                       and metadata.get(module_pk) != answer.metadata):
            answer.answer = text
            if metadata.get(module_pk) is not UNSET:
                answer.metadata = metadata.get(module_pk)
            answer.save(update_fields=["answer", "metadata", "updated_at"])
    FormAnswer.objects.bulk_create(new)


def finished_group_save(group: FormAnswerGroup, entries: list[AnswerInput], errors: Collector) -> bool:
    """Validates the answers of a new, finished form (types, options, required questions, computed
    fields) and, when ``errors`` stays empty, saves the form and its answers.

    The path of forms filled outside ``createFormAnswerGroup`` (a booking form at checkout); the
    caller owns the transaction, the events and how ``errors`` are reported.
    """
    modules = {m.pk: m for m in CustomModule.objects.filter(custom_module_form_id=group.custom_module_form_id)}
    validated = _validated_answers(modules, entries, group.user_id, errors, {})
    answers = {pk: text for pk, (text, _) in validated.items()}
    metadata = {pk: meta for pk, (_, meta) in validated.items()}
    _fill_computed(modules, answers)
    for pk in answers:
        metadata.setdefault(pk, UNSET)
    if not errors:
        _check_required(modules, answers, errors)
    if errors:
        return False
    group.save()
    _save_answers(group, modules, answers, metadata, {})
    return True


def _apply(viewer: Viewer, group: FormAnswerGroup, data: AnswerGroupInput, errors: Collector,
           existing: dict[int, FormAnswer]) -> tuple[dict[int, str], dict[int, object], dict[int, CustomModule]]:
    modules = {m.pk: m for m in CustomModule.objects.filter(custom_module_form_id=group.custom_module_form_id)}
    entries = data.form_answers if is_set(data.form_answers) and data.form_answers else []
    validated = _validated_answers(modules, entries, group.user_id, errors, existing)
    answers = {pk: a.answer for pk, a in existing.items()}
    answers.update({pk: text for pk, (text, _) in validated.items()})
    metadata = {pk: meta for pk, (_, meta) in validated.items()}
    if is_set(data.name):
        group.name = _text(data.name, 255, "name", errors) or group.custom_module_form.name
    if is_set(data.external_id):
        group.external_id = _text(data.external_id, 255, "external_id", errors)
    if is_set(data.metadata):
        group.metadata = _metadata(data.metadata, errors)
    if is_set(data.date):
        group.record_created_at = _service_date(data.date, errors)
    if is_set(data.appointment_id):
        group.appointment = _appointment(viewer, group, data.appointment_id, errors)
    if is_set(data.requested_form_completion_id) and data.requested_form_completion_id not in (None, ""):
        group.requested_form_completion = _request(viewer, group, data.requested_form_completion_id, errors)
    if is_set(data.finished) and data.finished is not None:
        group.finished = bool(data.finished)
    computed_before = dict(answers)
    _fill_computed(modules, answers)
    for pk, text in answers.items():
        if computed_before.get(pk) != text:
            metadata.setdefault(pk, UNSET)
    if group.finished and not errors:
        _check_required(modules, answers, errors)
    changed = {pk: text for pk, text in answers.items()
               if pk not in existing or existing[pk].answer != text or metadata.get(pk, UNSET) is not UNSET}
    return changed, metadata, modules


@transaction.atomic
def form_answer_group_create(viewer: Viewer, data: AnswerGroupInput) -> FormAnswerGroup:
    _require_writer(viewer)
    errors = Collector()
    template = get_visible(_template_scope(viewer), data.custom_module_form_id if is_set(
        data.custom_module_form_id) else None, "Form", field="custom_module_form_id")
    raw_user = data.user_id if is_set(data.user_id) and data.user_id not in (None, "") else (
        viewer.user_id if viewer.is_patient else None)
    if raw_user is None:
        raise ValidationFailed("user_id", "'user_id' (the patient the form is about) is required.")
    patient: User = get_visible(visible_patients(viewer), raw_user, "Patient", field="user_id")
    group = FormAnswerGroup(organization_id=viewer.organization_id, custom_module_form=template, user=patient,
                            filler_id=viewer.user_id, name=template.name, finished=False)
    changed, metadata, modules = _apply(viewer, group, data, errors, {})
    errors.raise_if_any()
    group.save()
    _save_answers(group, modules, changed, metadata, {})
    _settle_request(group)
    emit("form_answer_group.created", group, organization_id=group.organization_id, actor_id=viewer.user_id)
    return group


def _settle_request(group: FormAnswerGroup) -> None:
    """The form request this filled-out form answers becomes Complete (finished) or Incomplete."""
    if group.requested_form_completion_id is not None:
        requests.mark_completed(group.requested_form_completion, group)


def _editable(viewer: Viewer, group_id: object) -> FormAnswerGroup:
    _require_writer(viewer)
    group = answer_group_get(viewer, group_id)
    # Rows are locked for the rest of the transaction so two edits of one form cannot interleave.
    group = FormAnswerGroup.objects.select_for_update().select_related("custom_module_form").get(pk=group.pk)
    if group.is_locked:
        raise ValidationFailed("id", "This form is locked: it can no longer be edited (add an addendum instead).")
    if viewer.is_patient and group.filler_id != viewer.user_id:
        raise NotFound("id", "Filled-out form not found.")
    return group


@transaction.atomic
def form_answer_group_update(viewer: Viewer, group_id: object, data: AnswerGroupInput) -> FormAnswerGroup:
    group = _editable(viewer, group_id)
    errors = Collector()
    existing = {a.custom_module_id: a for a in group.form_answers.all()}
    changed, metadata, modules = _apply(viewer, group, data, errors, existing)
    errors.raise_if_any()
    group.save()
    _save_answers(group, modules, changed, metadata, existing)
    _settle_request(group)
    emit("form_answer_group.updated", group, organization_id=group.organization_id, actor_id=viewer.user_id,
         changed_fields=["form_answers"] if changed else [])
    return group


@transaction.atomic
def form_answer_group_delete(viewer: Viewer, group_id: object, user_id: object = None) -> FormAnswerGroup:
    group = _editable(viewer, group_id)
    if user_id not in (None, "") and parse_id(user_id) != group.user_id:
        raise NotFound("user_id", "Patient not found: user_id must be the form's patient.")
    group.deleted_at = timezone.now()
    group.save(update_fields=["deleted_at", "updated_at"])
    emit("form_answer_group.deleted", group, organization_id=group.organization_id, actor_id=viewer.user_id)
    return group
