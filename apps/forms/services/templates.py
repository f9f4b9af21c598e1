"""Writes of form templates (``CustomModuleForm``) and their questions (``CustomModule``).

Only members (providers and staff) of the template's organization change templates; every
service runs in one transaction, so a refused input writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import visible_users
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.jobs import email
from apps.core.lookup import get_visible, parse_id
from apps.forms import question_types
from apps.forms.models import CustomModule, CustomModuleForm
from apps.forms.selectors.templates import editable_forms, module_get

MAX_NAME = 255
MAX_TEXT = 20_000
MAX_COPIES = 50
FILTER_TYPES = ("equal", "not_equal", "contains", "not_contains", "greater_than", "less_than", "any")


@dataclass(frozen=True)
class FormInput:
    name: str | None | Unset = UNSET
    use_for_charting: bool | None | Unset = UNSET
    use_for_program: bool | None | Unset = UNSET
    is_video: bool | None | Unset = UNSET
    prefill: bool | None | Unset = UNSET
    external_id: str | None | Unset = UNSET
    external_id_type: str | None | Unset = UNSET
    metadata: str | None | Unset = UNSET
    is_archived: bool | None | Unset = UNSET


@dataclass(frozen=True)
class ConditionInput:
    conditional_custom_module_id: str | None = None
    filter_type: str | None = None
    value_to_filter: str | None = None
    destroy: bool = False


@dataclass(frozen=True)
class ModuleInput:
    custom_module_form_id: str | None | Unset = UNSET
    mod_type: str | None | Unset = UNSET
    label: str | None | Unset = UNSET
    sublabel: str | None | Unset = UNSET
    options: str | None | Unset = UNSET
    options_array: list[str | None] | None | Unset = UNSET
    required: bool | None | Unset = UNSET
    is_custom: bool | None | Unset = UNSET
    index: int | None | Unset = UNSET
    external_id: str | None | Unset = UNSET
    external_id_type: str | None | Unset = UNSET
    metadata: str | None | Unset = UNSET
    hipaa_name: str | None | Unset = UNSET
    parent_custom_module_id: str | None | Unset = UNSET
    custom_module_condition: ConditionInput | None | Unset = UNSET


def _text(problems: Collector, field: str, value: Any, limit: int = MAX_NAME) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        problems.add(field, f"{field} must not contain NUL characters.")
    elif len(text) > limit:
        problems.add(field, f"{field} must be at most {limit} characters.")
    return text


def _metadata(problems: Collector, value: str | None) -> Any:
    if value in (None, ""):
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        problems.add("metadata", "metadata must be a JSON string.")
        return None


def _form_fields(form: CustomModuleForm, data: FormInput, problems: Collector, *, creating: bool) -> None:
    if creating or is_set(data.name):
        name = _text(problems, "name", data.name).strip()
        if not name:
            problems.add("name", "name is required.")
        form.name = name
    for flag in ("use_for_charting", "use_for_program", "is_video", "prefill"):
        value = getattr(data, flag)
        if is_set(value) and value is not None:
            setattr(form, flag, bool(value))
    for field in ("external_id", "external_id_type"):
        value = getattr(data, field)
        if is_set(value):
            setattr(form, field, _text(problems, field, value))
    if is_set(data.metadata):
        form.metadata = _metadata(problems, data.metadata)


@transaction.atomic
def create_form(viewer: Viewer, data: FormInput) -> CustomModuleForm:
    viewer.require(MEMBER)
    problems = Collector()
    form = CustomModuleForm(organization_id=viewer.organization_id, user=viewer.user, last_updated_by=viewer.user)
    _form_fields(form, data, problems, creating=True)
    problems.raise_if_any()
    form.save()
    return form


def _locked_form(viewer: Viewer, raw_id: object, field: str = "id") -> CustomModuleForm:
    viewer.require(MEMBER)
    form = get_visible(editable_forms(viewer), raw_id, "Form", field=field)
    return CustomModuleForm.objects.select_for_update().get(pk=form.pk)


@transaction.atomic
def update_form(viewer: Viewer, raw_id: object, data: FormInput) -> CustomModuleForm:
    form = _locked_form(viewer, raw_id)
    problems = Collector()
    _form_fields(form, data, problems, creating=False)
    if is_set(data.is_archived) and data.is_archived is not None:
        form.archived_at = (form.archived_at or timezone.now()) if data.is_archived else None
    problems.raise_if_any()
    form.last_updated_by = viewer.user
    form.save()
    return form


@transaction.atomic
def delete_form(viewer: Viewer, raw_id: object) -> CustomModuleForm:
    """Soft delete: filled-out forms of the template stay readable."""
    form = _locked_form(viewer, raw_id)
    form.deleted_at = timezone.now()
    form.last_updated_by = viewer.user
    form.save(update_fields=["deleted_at", "last_updated_by", "updated_at"])
    return form


@transaction.atomic
def set_scribe_instructions(viewer: Viewer, raw_id: object, instructions: str | None) -> CustomModuleForm:
    form = _locked_form(viewer, raw_id, field="custom_module_form_id")
    problems = Collector()
    form.custom_instructions = _text(problems, "custom_instructions", instructions, MAX_TEXT)
    problems.raise_if_any()
    form.save(update_fields=["custom_instructions", "updated_at"])
    return form


def _copy(form: CustomModuleForm, owner: User, *, name: str | None = None) -> CustomModuleForm:
    copy = CustomModuleForm.objects.create(
        organization_id=owner.organization_id, user=owner, last_updated_by=owner, name=name or form.name,
        use_for_charting=form.use_for_charting, use_for_program=form.use_for_program, is_video=form.is_video,
        prefill=form.prefill, custom_instructions=form.custom_instructions, metadata=form.metadata,
        copied_from=form,
    )
    modules = list(form.custom_modules.all())
    mapping: dict[int, CustomModule] = {}
    for module in modules:
        clone = CustomModule(
            custom_module_form=copy, mod_type=module.mod_type, label=module.label, sublabel=module.sublabel,
            options=module.options, required=module.required, position=module.position,
            hipaa_name=module.hipaa_name, is_custom=module.is_custom, metadata=module.metadata,
            file_attachment=module.file_attachment.name or "", file_attachment_name=module.file_attachment_name,
        )
        mapping[module.pk] = clone
    CustomModule.objects.bulk_create(mapping.values())
    # Parents and conditions point at questions of the copy, never back at the source.
    changed = []
    for module in modules:
        clone = mapping[module.pk]
        if module.parent_custom_module_id in mapping:
            clone.parent_custom_module = mapping[module.parent_custom_module_id]
        condition = module.custom_module_condition
        if condition:
            target = mapping.get(parse_id(condition.get("conditional_custom_module_id")) or 0)
            clone.custom_module_condition = {**condition,
                                             "conditional_custom_module_id": str(target.pk) if target else None}
        if clone.parent_custom_module_id or clone.custom_module_condition:
            changed.append(clone)
    CustomModule.objects.bulk_update(changed, ["parent_custom_module", "custom_module_condition"])
    return copy


@transaction.atomic
def copy_forms(viewer: Viewer, raw_id: object, id_list: str | None, user_id: object) -> CustomModuleForm:
    """Copies one template (``id``) or several (``id_list``, comma separated) into the caller's
    templates; returns the (last) copy. ``user_id`` other than the caller is refused: copying into
    another member's templates is what sharing does."""
    viewer.require(MEMBER)
    if user_id not in (None, "") and parse_id(user_id) != viewer.user_id:
        get_visible(visible_users(viewer), user_id, "User", field="user_id")
        raise ValidationFailed("user_id", "Only super admins can copy forms for another user.")
    if raw_id not in (None, ""):
        raw_ids = [raw_id]
        field = "id"
    elif id_list:
        raw_ids = [part.strip() for part in id_list.split(",") if part.strip()]
        field = "id_list"
    else:
        raise ValidationFailed("id", "Either id or id_list is required.")
    if not raw_ids or len(raw_ids) > MAX_COPIES:
        raise ValidationFailed(field, f"Pass between 1 and {MAX_COPIES} form ids.")
    sources = [get_visible(editable_forms(viewer), value, "Form", field=field) for value in raw_ids]
    copy = None
    for source in sources:
        copy = _copy(source, viewer.user, name=f"{source.name} (copy)"[:MAX_NAME])
    assert copy is not None
    return copy


@transaction.atomic
def share_form(viewer: Viewer, raw_id: object, recipient_email: str | None) -> CustomModuleForm:
    """Gives another member of the organization an independent copy and e-mails them."""
    viewer.require(MEMBER)
    form = get_visible(editable_forms(viewer), raw_id, "Form")
    address = (recipient_email or "").strip()
    if not address:
        raise ValidationFailed("form_share_recipient", "form_share_recipient is required.")
    if len(address) > 254:
        raise ValidationFailed("form_share_recipient", "form_share_recipient is not a valid e-mail address.")
    recipient = (User.objects.filter(organization_id=viewer.organization_id, is_patient=False,
                                     email__iexact=address, membership__active=True)
                 .select_related("organization").first())
    if recipient is None:
        raise ValidationFailed("form_share_recipient", "No member of your organization has this e-mail address.")
    copy = _copy(form, recipient)
    sender = viewer.user
    email.send_later(
        [recipient.email], f"{sender.first_name} {sender.last_name} shared a form with you".strip(),
        f"Hello {recipient.first_name},\n\n{sender.first_name} {sender.last_name} shared the form "
        f"\"{form.name}\" with you. Your own copy is in your forms.\n",
        organization_id=recipient.organization_id, about=f"custom_module_form:{copy.pk}",
    )
    return copy


def _options(problems: Collector, data: ModuleInput) -> str | None:
    if is_set(data.options_array) and data.options_array is not None:
        items = [str(item).strip() for item in data.options_array if item is not None and str(item).strip()]
        if any("\n" in item for item in items):
            problems.add("options_array", "options must not contain line breaks.")
        return _text(problems, "options_array", "\n".join(items), MAX_TEXT)
    if is_set(data.options):
        return _text(problems, "options", data.options, MAX_TEXT)
    return None


def _condition(problems: Collector, module: CustomModule, data: ConditionInput | None) -> None:
    if data is None or data.destroy:
        module.custom_module_condition = None
        return
    target_id = parse_id(data.conditional_custom_module_id)
    target = (CustomModule.objects.filter(pk=target_id, custom_module_form_id=module.custom_module_form_id)
              .exclude(pk=module.pk).first() if target_id else None)
    if target is None:
        problems.add("custom_module_condition.conditional_custom_module_id",
                     "Question not found in this form (a question cannot depend on itself).", ErrorCode.NOT_FOUND)
        return
    filter_type = (data.filter_type or "equal").strip()
    if filter_type not in FILTER_TYPES:
        problems.add("custom_module_condition", f"filter_type must be one of: {', '.join(FILTER_TYPES)}.")
        return
    value = _text(problems, "custom_module_condition", data.value_to_filter, MAX_NAME)
    module.custom_module_condition = {"conditional_custom_module_id": str(target.pk), "filter_type": filter_type,
                                      "value_to_filter": value}


def _module_fields(module: CustomModule, data: ModuleInput, problems: Collector, *, creating: bool) -> None:
    if creating or is_set(data.mod_type):
        mod_type = (data.mod_type or "").strip()
        if mod_type not in question_types.MOD_TYPES:
            problems.add("mod_type", f"mod_type must be one of: {', '.join(sorted(question_types.MOD_TYPES))}.")
        module.mod_type = mod_type
    for field, limit in (("label", MAX_TEXT), ("sublabel", MAX_TEXT), ("external_id", MAX_NAME),
                         ("external_id_type", MAX_NAME), ("hipaa_name", MAX_NAME)):
        value = getattr(data, field)
        if is_set(value):
            setattr(module, field, _text(problems, field, value, limit))
    options = _options(problems, data)
    if options is not None:
        module.options = options
    for flag in ("required", "is_custom"):
        value = getattr(data, flag)
        if is_set(value) and value is not None:
            setattr(module, flag, bool(value))
    if is_set(data.metadata):
        module.metadata = _metadata(problems, data.metadata)
    if is_set(data.parent_custom_module_id):
        parent_id = parse_id(data.parent_custom_module_id)
        if data.parent_custom_module_id in (None, ""):
            module.parent_custom_module = None
        elif not parent_id or not CustomModule.objects.filter(
                pk=parent_id, custom_module_form_id=module.custom_module_form_id).exclude(pk=module.pk or 0).exists():
            problems.add("parent_custom_module_id", "Question not found in this form.", ErrorCode.NOT_FOUND)
        else:
            module.parent_custom_module_id = parent_id
    if is_set(data.custom_module_condition):
        _condition(problems, module, data.custom_module_condition)


def _place(module: CustomModule, index: int | None) -> None:
    """Puts ``module`` at ``index`` (0-based) among its form's questions, shifting the others."""
    siblings = CustomModule.objects.filter(custom_module_form_id=module.custom_module_form_id).exclude(pk=module.pk)
    ordered = list(siblings.order_by("position", "id"))
    at = len(ordered) if index is None else max(0, min(index, len(ordered)))
    ordered.insert(at, module)
    for position, item in enumerate(ordered):
        item.position = position
    CustomModule.objects.bulk_update([m for m in ordered if m.pk], ["position"])


@transaction.atomic
def create_module(viewer: Viewer, data: ModuleInput) -> CustomModule:
    form = _locked_form(viewer, data.custom_module_form_id or None, field="custom_module_form_id")
    problems = Collector()
    module = CustomModule(custom_module_form=form)
    _module_fields(module, data, problems, creating=True)
    index = data.index if is_set(data.index) else None
    if index is not None and index < 0:
        problems.add("index", "index must be 0 or more.")
    problems.raise_if_any()
    module.position = (form.custom_modules.aggregate(top=Max("position"))["top"] or 0) + 1
    module.save()
    if index is not None:
        _place(module, index)
    _touch(form, viewer)
    return module


def _touch(form: CustomModuleForm, viewer: Viewer) -> None:
    CustomModuleForm.objects.filter(pk=form.pk).update(last_updated_by=viewer.user, updated_at=timezone.now())


@transaction.atomic
def update_module(viewer: Viewer, raw_id: object, data: ModuleInput) -> CustomModule:
    viewer.require(MEMBER)
    found = module_get(viewer, raw_id)
    _locked_form(viewer, found.custom_module_form_id)
    module = CustomModule.objects.get(pk=found.pk)
    problems = Collector()
    _module_fields(module, data, problems, creating=False)
    index = data.index if is_set(data.index) else None
    if index is not None and index < 0:
        problems.add("index", "index must be 0 or more.")
    problems.raise_if_any()
    module.save()
    if index is not None:
        _place(module, index)
        module.refresh_from_db(fields=["position"])
    _touch(module.custom_module_form, viewer)
    return module


@transaction.atomic
def delete_module(viewer: Viewer, raw_id: object) -> CustomModule:
    """Removes a question; one that already has answers is refused (answers keep their question)."""
    viewer.require(MEMBER)
    module = module_get(viewer, raw_id)
    form = _locked_form(viewer, module.custom_module_form_id)
    if module.form_answers.exists():
        raise ValidationFailed("id", "This question has answers; archive the form or copy it instead.")
    CustomModule.objects.filter(custom_module_form=form, custom_module_condition__conditional_custom_module_id=str(
        module.pk)).update(custom_module_condition=None)
    deleted = CustomModule(pk=module.pk, custom_module_form_id=module.custom_module_form_id, mod_type=module.mod_type,
                           label=module.label, position=module.position)
    module.delete()
    CustomModule.objects.filter(custom_module_form=form, position__gt=deleted.position).update(
        position=F("position") - 1)
    _touch(form, viewer)
    return deleted


@transaction.atomic
def copy_module(viewer: Viewer, raw_id: object) -> CustomModule:
    """A copy of the question right after it, in the same form."""
    viewer.require(MEMBER)
    module = module_get(viewer, raw_id)
    form = _locked_form(viewer, module.custom_module_form_id)
    clone = CustomModule.objects.create(
        custom_module_form=form, mod_type=module.mod_type, label=module.label, sublabel=module.sublabel,
        options=module.options, required=module.required, position=module.position + 1,
        hipaa_name="", is_custom=module.is_custom, metadata=module.metadata,
        parent_custom_module_id=module.parent_custom_module_id,
        custom_module_condition=module.custom_module_condition,
    )
    _place(clone, list(form.custom_modules.order_by("position", "id").values_list("pk", flat=True)).index(
        module.pk) + 1)
    clone.refresh_from_db(fields=["position"])
    _touch(form, viewer)
    return clone


def _question_for_files(viewer: Viewer, raw_id: object, field: str) -> CustomModule:
    viewer.require(MEMBER)
    return module_get(viewer, raw_id, field=field)


@transaction.atomic
def remove_file(viewer: Viewer, raw_attachment_id: object) -> CustomModule:
    """Detaches the file of a question (a question's attachment has the question's id). The stored
    file is kept: copies of the template point at the same file."""
    module = _question_for_files(viewer, raw_attachment_id, "file_attachment_id")
    if not module.file_attachment:
        raise NotFound("file_attachment_id", "File attachment not found.")
    _locked_form(viewer, module.custom_module_form_id, field="file_attachment_id")
    removed = CustomModule(pk=module.pk, file_attachment=module.file_attachment.name)
    module.file_attachment = ""
    module.file_attachment_name = ""
    module.save(update_fields=["file_attachment", "file_attachment_name", "updated_at"])
    return removed
