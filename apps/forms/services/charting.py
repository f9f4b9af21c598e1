"""Charting writes: locking and unlocking chart notes, signing them, addenda, smart phrases.

Rules (docs/forms-charting.md):
- A member may lock a note they filled out when their membership has
  ``can_lock_own_charting_notes`` (on by default), anyone's note with
  ``can_lock_others_charting_notes``; the organization owner may always. Unlocking follows the
  same rule and needs a reason, kept in the note's metadata.
- A locked note refuses edits (``ensure_editable``), but signings and addenda are still added.
- Each signer signs a note once and only as themselves; a signing is withdrawn only by its
  signer and only while the note is unlocked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.accounts.selectors import user_get
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, Forbidden, NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.timefmt import format_datetime, now
from apps.events.bus import emit
from apps.forms import pdf
from apps.forms.models import (
    ChartingNoteAddendum,
    FormAnswerGroup,
    FormAnswerGroupSigning,
    SmartPhrase,
)
from apps.forms.selectors.charting import addendum_get, group_get, visible_signings, visible_smart_phrases

MAX_ADDENDUM_LENGTH = 20_000
MAX_PHRASE_LENGTH = 20_000
MAX_NAME_LENGTH = 255
MAX_REASON_LENGTH = 1_000
LOCKED_MESSAGE = "This chart note is locked; unlock it first or add an addendum."


def ensure_editable(group: FormAnswerGroup, field: str = "form_answer_group_id") -> None:
    """Refuses any change to the answers or fields of a locked filled-out form."""
    if group.is_locked:
        raise ValidationFailed(field, LOCKED_MESSAGE)


def can_lock(viewer: Viewer, group: FormAnswerGroup) -> bool:
    if not viewer.is_member:
        return False
    if viewer.is_owner or viewer.has_permission("can_lock_others_charting_notes"):
        return True
    return group.filler_id == viewer.user_id and viewer.has_permission("can_lock_own_charting_notes")


def _lockable(viewer: Viewer, group_id: object) -> FormAnswerGroup:
    viewer.require(MEMBER)
    group = group_get(viewer, group_id)
    # Re-read under a row lock so two concurrent lock/unlock calls serialize.
    group = FormAnswerGroup.objects.select_for_update().get(pk=group.pk)
    if not can_lock(viewer, group):
        raise Forbidden("You may not lock or unlock this chart note.")
    return group


@transaction.atomic
def lock(viewer: Viewer, group_id: object) -> FormAnswerGroup:
    group = _lockable(viewer, group_id)
    if group.is_locked:
        raise ValidationFailed("id", "This chart note is already locked.")
    if group.is_draft:
        raise ValidationFailed("id", "A draft cannot be locked; save it first.")
    group.locked_at, group.locked_by_id = now(), viewer.user_id
    group.save(update_fields=["locked_at", "locked_by", "updated_at"])
    emit("form_answer_group.locked", group, organization_id=group.organization_id, actor_id=viewer.user_id)
    return group


@transaction.atomic
def unlock(viewer: Viewer, group_id: object, description: str | None) -> FormAnswerGroup:
    reason = (description or "").strip()
    if not reason:
        raise ValidationFailed("description", "Say why the chart note is unlocked.")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed("description", f"The reason is at most {MAX_REASON_LENGTH} characters.")
    group = _lockable(viewer, group_id)
    if not group.is_locked:
        raise ValidationFailed("id", "This chart note is not locked.")
    metadata = group.metadata if isinstance(group.metadata, dict) else {}
    history = list(metadata.get("unlocks", []))
    history.append({"user_id": str(viewer.user_id), "at": format_datetime(now()), "description": reason,
                    "locked_at": format_datetime(group.locked_at)})
    group.metadata = {**metadata, "unlocks": history}
    group.locked_at, group.locked_by_id = None, None
    group.save(update_fields=["locked_at", "locked_by", "metadata", "updated_at"])
    return group


def _add_signing(viewer: Viewer, group: FormAnswerGroup) -> FormAnswerGroupSigning:
    if group.is_draft:
        raise ValidationFailed("form_answer_group_id", "A draft cannot be signed; save it first.")
    if FormAnswerGroupSigning.objects.filter(form_answer_group=group, user_id=viewer.user_id).exists():
        raise ValidationFailed("form_answer_group_id", "You have already signed this chart note.")
    try:
        with transaction.atomic():
            signing = FormAnswerGroupSigning.objects.create(form_answer_group=group, user_id=viewer.user_id)
    except IntegrityError as error:  # a concurrent signing by the same signer won the race
        raise ValidationFailed("form_answer_group_id", "You have already signed this chart note.") from error
    emit("form_answer_group.signed", group, organization_id=group.organization_id, actor_id=viewer.user_id)
    return signing


@transaction.atomic
def create_signing(viewer: Viewer, group_id: object, user_id: object = None) -> FormAnswerGroupSigning:
    """The viewer signs (or co-signs) a note; a signature is never given on someone's behalf."""
    viewer.require(MEMBER)
    if user_id not in (None, "") and parse_id(user_id) != viewer.user_id:
        user_get(viewer, user_id, field="user_id")  # an unknown or hidden user is "not found"
        raise ValidationFailed("user_id", "You can only sign as yourself.")
    group = group_get(viewer, group_id, field="form_answer_group_id")
    return _add_signing(viewer, group)


@dataclass(frozen=True)
class Signed:
    form_answer_group: FormAnswerGroup
    form_answer_group_signing: FormAnswerGroupSigning


@transaction.atomic
def sign(viewer: Viewer, group_id: object) -> Signed:
    """signFormAnswerGroup: signs the note and locks it (when the viewer may and it is not yet)."""
    viewer.require(MEMBER)
    group = group_get(viewer, group_id)
    group = FormAnswerGroup.objects.select_for_update().get(pk=group.pk)
    try:
        signing = _add_signing(viewer, group)
    except ValidationFailed as error:
        raise ValidationFailed("id", error.messages[0].message) from error
    if not group.is_locked and can_lock(viewer, group):
        group.locked_at, group.locked_by_id = now(), viewer.user_id
        group.save(update_fields=["locked_at", "locked_by", "updated_at"])
        emit("form_answer_group.locked", group, organization_id=group.organization_id, actor_id=viewer.user_id)
    return Signed(group, signing)


@transaction.atomic
def delete_signing(viewer: Viewer, signing_id: object) -> FormAnswerGroupSigning:
    viewer.require(MEMBER)
    signing = get_visible(visible_signings(viewer).select_related("form_answer_group"), signing_id,
                          "Form answer group signing")
    if signing.user_id != viewer.user_id:
        raise ValidationFailed("id", "Only the signer can withdraw a signature.")
    ensure_editable(signing.form_answer_group, "id")
    snapshot_id = signing.pk
    signing.delete()
    signing.pk = snapshot_id  # the payload still names the removed signing
    return signing


# --- addenda -------------------------------------------------------------------------------------

def _addendum_content(content: str | None) -> str:
    text = (content or "").strip()
    if not text:
        raise ValidationFailed("content", "An addendum needs content.")
    if len(text) > MAX_ADDENDUM_LENGTH:
        raise ValidationFailed("content", f"An addendum is at most {MAX_ADDENDUM_LENGTH} characters.")
    if "\x00" in text:
        raise ValidationFailed("content", "The content contains a NUL character.")
    return text


@transaction.atomic
def create_addendum(viewer: Viewer, group_id: object, content: str | None) -> ChartingNoteAddendum:
    """Addenda are how a locked note is amended; an unlocked note is simply edited."""
    viewer.require(MEMBER)
    group = group_get(viewer, group_id, field="form_answer_group_id")
    text = _addendum_content(content)
    if not group.is_locked:
        raise ValidationFailed("form_answer_group_id", "Addenda are added to locked chart notes; edit this one.")
    return ChartingNoteAddendum.objects.create(form_answer_group=group, user_id=viewer.user_id, content=text)


@transaction.atomic
def update_addendum(viewer: Viewer, addendum_id: object, content: str | None,
                    group_id: object = None) -> ChartingNoteAddendum:
    """An addendum is part of the locked record: once added it is never rewritten."""
    viewer.require(MEMBER)
    group = group_get(viewer, group_id, field="form_answer_group_id") if group_id not in (None, "") else None
    addendum = addendum_get(viewer, addendum_id)
    if group is not None and addendum.form_answer_group_id != group.pk:
        raise NotFound("id", "Addendum not found.")  # not an addendum of that note
    raise ValidationFailed("id", "An addendum cannot be changed once added; add another addendum.")


# --- smart phrases ---------------------------------------------------------------------------------

def _phrase_fields(name: str | None, phrase: str | None, *, creating: bool) -> dict[str, str]:
    errors = Collector()
    values: dict[str, str] = {}
    for field, value, limit, column in (("name", name, MAX_NAME_LENGTH, "name"),
                                        ("phrase", phrase, MAX_PHRASE_LENGTH, "text")):
        if value is None and not creating:
            continue
        text = (value or "").strip()
        if not text:
            errors.add(field, f"'{field}' can't be blank.")
        elif len(text) > limit:
            errors.add(field, f"'{field}' is at most {limit} characters.")
        elif "\x00" in text:
            errors.add(field, f"'{field}' contains a NUL character.")
        else:
            values[column] = text
    errors.raise_if_any()
    return values


@transaction.atomic
def create_smart_phrase(viewer: Viewer, name: str | None, phrase: str | None) -> SmartPhrase:
    viewer.require(MEMBER)
    values = _phrase_fields(name, phrase, creating=True)
    return SmartPhrase.objects.create(organization_id=viewer.organization_id, user_id=viewer.user_id, **values)


def _own_phrase(viewer: Viewer, phrase_id: object) -> SmartPhrase:
    viewer.require(MEMBER)
    found = get_visible(visible_smart_phrases(viewer), phrase_id, "Smart phrase")
    if found.user_id != viewer.user_id:
        raise ValidationFailed("id", "Only the author of a smart phrase can change it.")
    return found


@transaction.atomic
def update_smart_phrase(viewer: Viewer, phrase_id: object, name: str | None, phrase: str | None) -> SmartPhrase:
    found = _own_phrase(viewer, phrase_id)
    for column, value in _phrase_fields(name, phrase, creating=False).items():
        setattr(found, column, value)
    found.save()
    return found


@transaction.atomic
def delete_smart_phrase(viewer: Viewer, phrase_id: object) -> SmartPhrase:
    found = _own_phrase(viewer, phrase_id)
    pk = found.pk
    found.delete()
    found.pk = pk
    return found


# --- features this product does not have ------------------------------------------------------

def unavailable(feature: str) -> None:
    """Published mutations of absent features validate and answer this (docs/compatibility.md)."""
    raise ValidationFailed(None, f"Not available in this product: {feature}.")


def absent_record(viewer: Viewer, field: str, what: str, feature: str) -> None:
    """An id of a record kind this product never creates: always missing, and says why."""
    viewer.require()
    raise NotFound(field, f"{what} not found: {feature} are not available in this product.")


def draft_create(viewer: Viewer, membership_id: object) -> None:
    viewer.require()
    if membership_id not in (None, ""):
        from apps.chat.selectors.conversations import visible_memberships

        get_visible(visible_memberships(viewer), membership_id, "Conversation membership",
                    field="conversation_membership_id")
    unavailable("message drafts")


def unsubscribe(viewer: Viewer, user_id: object) -> None:
    viewer.require()
    if user_id not in (None, ""):
        user_get(viewer, user_id, field="user_id")
    unavailable("notification settings")


# --- PDF -------------------------------------------------------------------------------------------

MAX_PDF_NOTES = 50


def _pdf_ids(group_id: object, array: str | None) -> list[object]:
    """``id`` and/or ``form_answer_group_array`` (a JSON array or comma-separated ids)."""
    ids: list[object] = []
    if group_id not in (None, ""):
        ids.append(group_id)
    if array not in (None, ""):
        text = str(array).strip()
        try:
            parsed = json.loads(text) if text.startswith("[") else text.split(",")
        except ValueError as error:
            raise ValidationFailed("form_answer_group_array", "Send a JSON array of ids or comma-separated ids.") \
                from error
        if not isinstance(parsed, list):
            raise ValidationFailed("form_answer_group_array", "Send a JSON array of ids or comma-separated ids.")
        ids.extend(str(item).strip() for item in parsed)
    if not ids:
        raise ValidationFailed("id", "Name the chart note to print (id or form_answer_group_array).")
    if len(ids) > MAX_PDF_NOTES:
        raise ValidationFailed("form_answer_group_array", f"At most {MAX_PDF_NOTES} notes per PDF.")
    return ids


def _section(group: FormAnswerGroup) -> pdf.Section:
    patient = group.user
    facts = [("Patient", f"{patient.first_name} {patient.last_name}".strip()),
             ("Date", format_datetime(group.record_created_at or group.created_at) or "")]
    if group.filler is not None:
        facts.append(("Filled out by", f"{group.filler.first_name} {group.filler.last_name}".strip()))
    if group.locked_at is not None:
        facts.append(("Locked", format_datetime(group.locked_at) or ""))
    for signing in group.form_answer_group_signings.all():
        facts.append(("Signed by", f"{signing.user.first_name} {signing.user.last_name} "
                                   f"at {format_datetime(signing.created_at)}"))
    rows = sorted(group.form_answers.all(), key=lambda a: (a.custom_module.position, a.custom_module_id))
    answers = [(answer.custom_module.label, answer.answer) for answer in rows]
    addenda = [f"{format_datetime(a.created_at)}: {a.content}" for a in group.charting_note_addendums.all()]
    return pdf.Section(title=group.name or group.custom_module_form.name, facts=facts, answers=answers,
                       addenda=addenda)


def charting_pdf(viewer: Viewer, group_id: object = None, array: str | None = None,
                 letterhead_id: object = None) -> tuple[User, bytes]:
    """The PDF of one or more visible notes of one patient, and that patient."""
    viewer.require(MEMBER)
    if letterhead_id not in (None, ""):
        raise NotFound("pdf_letterhead_template_id",
                       "PDF letterhead template not found: letterhead templates are not available in this product.")
    wanted = _pdf_ids(group_id, array)
    groups = []
    for raw in wanted:
        field = "id" if raw is group_id else "form_answer_group_array"
        groups.append(group_get(viewer, raw, field=field))
    if len({g.user_id for g in groups}) > 1:
        raise ValidationFailed("form_answer_group_array", "All notes of one PDF must be about the same patient.")
    loaded = {g.pk: g for g in FormAnswerGroup.objects.filter(pk__in=[g.pk for g in groups])
              .select_related("user", "filler", "custom_module_form")
              .prefetch_related("form_answers__custom_module", "form_answer_group_signings__user",
                                "charting_note_addendums")}
    ordered = [loaded[g.pk] for g in groups]
    return ordered[0].user, pdf.render(_section(g) for g in ordered)
