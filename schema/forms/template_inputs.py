"""Input types of template and question mutations, and the builders of the services' inputs."""

from __future__ import annotations

import strawberry

from apps.forms.services.templates import ConditionInput, FormInput, ModuleInput
from schema.payloads import provided


@strawberry.input(name="createCustomModuleFormInput")
class CreateCustomModuleFormInput:
    external_id: strawberry.ID | None = strawberry.UNSET
    external_id_type: strawberry.ID | None = strawberry.UNSET
    is_video: bool | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    on_completion_ifs_tag_id: strawberry.ID | None = strawberry.UNSET
    prefill: bool | None = strawberry.UNSET
    use_for_charting: bool | None = strawberry.UNSET
    use_for_program: bool | None = strawberry.UNSET


@strawberry.input(name="updateCustomModuleFormInput")
class UpdateCustomModuleFormInput(CreateCustomModuleFormInput):
    id: strawberry.ID | None = strawberry.UNSET
    is_archived: bool | None = strawberry.UNSET


@strawberry.input(name="deleteCustomModuleFormInput")
class DeleteCustomModuleFormInput:
    id: strawberry.ID | None = None


@strawberry.input(name="copyCustomModuleFormInput")
class CopyCustomModuleFormInput:
    id: strawberry.ID | None = None
    id_list: str | None = None
    # String, as the documented operation declares it.
    user_id: str | None = None


@strawberry.input(name="shareCustomModuleFormInput")
class ShareCustomModuleFormInput:
    form_share_recipient: str | None = None
    id: strawberry.ID | None = None
    validate_permissions: bool | None = False


@strawberry.input(name="SetCustomModuleFormScribeInstructionsInput")
class SetCustomModuleFormScribeInstructionsInput:
    custom_module_form_id: strawberry.ID
    custom_instructions: str | None = None


@strawberry.input(name="CustomModuleConditionInput")
class CustomModuleConditionInput:
    destroy: bool | None = strawberry.field(name="_destroy", default=None)
    conditional_custom_module_id: strawberry.ID | None = None
    filter_type: str | None = None
    id: strawberry.ID | None = None
    value_to_filter: str | None = None


@strawberry.input(name="createCustomModuleInput")
class CreateCustomModuleInput:
    custom_module_form_id: strawberry.ID | None = strawberry.UNSET
    exclude_from_scribe: bool | None = strawberry.UNSET
    external_id: strawberry.ID | None = strawberry.UNSET
    external_id_type: strawberry.ID | None = strawberry.UNSET
    index: int | None = strawberry.UNSET
    is_custom: bool | None = strawberry.UNSET
    label: str | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    mod_type: str | None = strawberry.UNSET
    options: str | None = strawberry.UNSET
    parent_custom_module_id: strawberry.ID | None = strawberry.UNSET
    required: bool | None = strawberry.UNSET
    sublabel: str | None = strawberry.UNSET


@strawberry.input(name="updateCustomModuleInput")
class UpdateCustomModuleInput:
    custom_module_condition: CustomModuleConditionInput | None = strawberry.UNSET
    exclude_from_scribe: bool | None = strawberry.UNSET
    external_id: strawberry.ID | None = strawberry.UNSET
    external_id_type: strawberry.ID | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.UNSET
    index: int | None = strawberry.UNSET
    is_custom: bool | None = strawberry.UNSET
    label: str | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    mod_type: str | None = strawberry.UNSET
    options: str | None = strawberry.UNSET
    options_array: list[str | None] | None = strawberry.UNSET
    parent_custom_module_id: int | None = strawberry.UNSET
    required: bool | None = strawberry.UNSET
    sublabel: str | None = strawberry.UNSET


@strawberry.input(name="deleteCustomModuleInput")
class DeleteCustomModuleInput:
    id: strawberry.ID | None = None


@strawberry.input(name="copyCustomModuleInput")
class CopyCustomModuleInput:
    id: strawberry.ID | None = None


@strawberry.input(name="DeleteCustomModuleFileAttachmentInput")
class DeleteCustomModuleFileAttachmentInput:
    file_attachment_id: strawberry.ID | None = None


FORM_FIELDS = ("name", "use_for_charting", "use_for_program", "is_video", "prefill", "external_id",
               "external_id_type", "metadata", "is_archived")
MODULE_FIELDS = ("custom_module_form_id", "mod_type", "label", "sublabel", "options", "options_array", "required",
                 "is_custom", "index", "external_id", "external_id_type", "metadata", "parent_custom_module_id")


def form_input(data: object | None) -> FormInput:
    sent = provided(data)
    return FormInput(**{k: v for k, v in sent.items() if k in FORM_FIELDS})


def module_input(data: object | None) -> ModuleInput:
    sent = provided(data)
    values = {k: v for k, v in sent.items() if k in MODULE_FIELDS}
    if "parent_custom_module_id" in values and values["parent_custom_module_id"] is not None:
        values["parent_custom_module_id"] = str(values["parent_custom_module_id"])
    if "custom_module_condition" in sent:
        rule = sent["custom_module_condition"]
        values["custom_module_condition"] = None if rule is None else ConditionInput(
            conditional_custom_module_id=rule.conditional_custom_module_id, filter_type=rule.filter_type,
            value_to_filter=rule.value_to_filter, destroy=bool(rule.destroy))
    return ModuleInput(**values)
