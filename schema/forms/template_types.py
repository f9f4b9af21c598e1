"""GraphQL types of form templates (``CustomModuleForm``) and questions (``CustomModule``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Prefetch
from strawberry import auto

from apps.core.timefmt import format_datetime
from apps.forms import models, question_types
from apps.forms.selectors.templates import answer_groups_of_forms
from apps.forms.services import files
from schema.accounts.types import UserType, shown_user_field

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value)


@strawberry.type(name="CustomModuleConditionType")
class CustomModuleConditionType:
    id: strawberry.ID
    custom_module_id: strawberry.ID | None
    conditional_custom_module_id: strawberry.ID | None
    filter_type: str | None
    value_to_filter: str | None


@strawberry.type(name="FileAttachment")
class FileAttachmentType:
    id: strawberry.ID
    url: str | None


def _modules_prefetch() -> list[str]:
    return ["custom_modules"]


@strawberry_django.type(models.CustomModule, name="CustomModule")
class CustomModuleType:
    id: strawberry.ID
    mod_type: auto
    label: auto
    sublabel: auto
    options: auto
    required: auto
    hipaa_name: auto
    is_custom: auto
    external_id: auto
    external_id_type: auto

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.CustomModule) -> str | None:
        return _json(root.metadata)

    @strawberry_django.field(only=["options"], description="The choices, one per line of options.")
    def options_array(self, root: models.CustomModule) -> list[str | None] | None:
        return [line for line in root.options.splitlines() if line.strip()] if root.options else []

    @strawberry_django.field(only=["position"])
    def position(self, root: models.CustomModule) -> float | None:
        return float(root.position)

    @strawberry_django.field(only=["position"])
    def position_integer(self, root: models.CustomModule) -> int | None:
        return root.position

    @strawberry_django.field(only=["custom_module_form_id"])
    def custom_module_form_id(self, root: models.CustomModule) -> str | None:
        return str(root.custom_module_form_id)

    @strawberry_django.field(only=["parent_custom_module_id"])
    def parent_custom_module_id(self, root: models.CustomModule) -> str | None:
        return str(root.parent_custom_module_id) if root.parent_custom_module_id else None

    @strawberry_django.field(description="Sections are not a feature here: always null.")
    def custom_module_form_section_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="There is no AI scribe: always false.")
    def exclude_from_scribe(self) -> bool:
        return False

    @strawberry_django.field(description="Autoscoring is not a feature here: always [].")
    def other_module_ids_to_autoscore_on(self) -> list[strawberry.ID | None] | None:
        return []

    @strawberry_django.field(only=["custom_module_condition", "id"])
    def custom_module_condition(self, root: models.CustomModule) -> CustomModuleConditionType | None:
        rule = root.custom_module_condition
        if not rule:
            return None
        target = rule.get("conditional_custom_module_id")
        return CustomModuleConditionType(
            id=strawberry.ID(str(root.pk)), custom_module_id=strawberry.ID(str(root.pk)),
            conditional_custom_module_id=strawberry.ID(str(target)) if target else None,
            filter_type=rule.get("filter_type"), value_to_filter=rule.get("value_to_filter"))

    @strawberry_django.field(
        only=["id", "custom_module_form_id"],
        prefetch_related=[lambda info: Prefetch(
            "custom_module_form__custom_modules",
            queryset=models.CustomModule.objects.only("id", "custom_module_form_id", "custom_module_condition"),
            to_attr="_condition_sources")],
        description="Whether another question of the form is shown depending on this one's answer.")
    def controls_conditional_modules(self, root: models.CustomModule) -> bool | None:
        mine = str(root.pk)
        form = root.custom_module_form
        # Loaded by the prefetch in lists; a question read on its own (a mutation payload) asks.
        sources = getattr(form, "_condition_sources", None)
        if sources is None:
            return models.CustomModule.objects.filter(
                custom_module_form_id=root.custom_module_form_id,
                custom_module_condition__conditional_custom_module_id=mine).exists()
        return any((m.custom_module_condition or {}).get("conditional_custom_module_id") == mine for m in sources)

    @strawberry_django.field(
        select_related=["custom_module_form__copied_from"],
        only=["custom_module_form__copied_from__name", "custom_module_form__copied_from_id"])
    def copied_from_form_name(self, root: models.CustomModule) -> str | None:
        source = root.custom_module_form.copied_from
        return source.name if source else None

    @strawberry_django.field(only=["file_attachment", "file_attachment_name", "id"])
    def file_attachment(self, root: models.CustomModule, info: strawberry.Info) -> FileAttachmentType | None:
        if not root.file_attachment:
            return None
        from schema.forms.file_links import file_attachment

        # A signed, expiring link (apps.uploads.downloads): no file is served from a public path.
        return file_attachment(info, root.pk, files.module_file_url(root))

    @strawberry_django.field(select_related=["custom_module_form"])
    def custom_module_form(self, root: models.CustomModule) -> CustomModuleFormType | None:
        return root.custom_module_form


def _answer_groups_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = answer_groups_of_forms(info.context.viewer).order_by("-created_at", "-id")
    return Prefetch("form_answer_groups", queryset=queryset, to_attr="_visible_answer_groups")


@strawberry_django.type(models.CustomModuleForm, name="CustomModuleForm")
class CustomModuleFormType:
    id: strawberry.ID
    name: auto
    use_for_charting: auto
    use_for_program: auto
    is_video: auto
    prefill: auto
    external_id: auto
    external_id_type: auto
    user: UserType | None = shown_user_field("user")
    last_updated_by_user: UserType | None = shown_user_field("last_updated_by")
    custom_modules: list[CustomModuleType] = strawberry_django.field()

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.CustomModuleForm) -> str | None:
        return _json(root.metadata)

    @strawberry_django.field(only=["custom_instructions"])
    def customInstructions(self, root: models.CustomModuleForm) -> str | None:  # noqa: N802
        return root.custom_instructions or None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.CustomModuleForm) -> str:
        return format_datetime(root.created_at) or ""

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.CustomModuleForm) -> str:
        return format_datetime(root.updated_at) or ""

    @strawberry_django.field(only=["deleted_at"])
    def deleted_at(self, root: models.CustomModuleForm) -> str | None:
        return format_datetime(root.deleted_at)

    @strawberry_django.field(description="Templates are written by organizations here: always false.")
    def uploaded_by_healthie_team(self) -> bool:
        return False

    @strawberry_django.field(prefetch_related=["custom_modules"])
    def has_matrix_field(self, root: models.CustomModuleForm) -> bool | None:
        return any(m.mod_type == "matrix" for m in root.custom_modules.all())

    @strawberry_django.field(prefetch_related=["custom_modules"])
    def has_non_readonly_modules(self, root: models.CustomModuleForm) -> bool | None:
        return any(m.mod_type not in question_types.READ_ONLY_MOD_TYPES for m in root.custom_modules.all())

    @strawberry_django.field(prefetch_related=[_answer_groups_prefetch],
                             description="Filled-out forms of this template the caller may see (none "
                             "without credentials).")
    def form_answer_groups(self, root: models.CustomModuleForm, info: strawberry.Info) -> list[Annotated[
            FormAnswerGroupType, strawberry.lazy("schema.forms.answer_types")]]:
        loaded = getattr(root, "_visible_answer_groups", None)
        if loaded is None:  # a template from a mutation payload: not prefetched
            loaded = answer_groups_of_forms(info.context.viewer).filter(custom_module_form=root).order_by(
                "-created_at", "-id")
        return list(loaded)
