"""Reads of form templates and their questions, scoped to the viewer.

Templates are organization data that the documentation calls public to view: members and
patients of the organization see its templates; an anonymous caller may read one template by
id (``public_form``) with its questions, never its filled-out forms.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from apps.accounts.selectors import hidden_patients
from apps.accounts.viewer import Viewer
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible
from apps.core.ordering import SortKey, sort_for
from apps.forms.models import CustomModule, CustomModuleForm, FormAnswerGroup

MAX_KEYWORDS = 200

SORTS: dict[str, list[SortKey]] = {
    "name_asc": [SortKey("name")], "name_desc": [SortKey("name", True)],
    "updated_at_asc": [SortKey("updated_at")], "updated_at_desc": [SortKey("updated_at", True)],
    "created_at_asc": [SortKey("created_at")], "created_at_desc": [SortKey("created_at", True)],
    "user_last_name_asc": [SortKey("owner_last_name", False, F("user__last_name"))],
    "user_last_name_desc": [SortKey("owner_last_name", True, F("user__last_name"))],
    "type_asc": [SortKey("use_for_charting"), SortKey("name")],
    "type_desc": [SortKey("use_for_charting", True), SortKey("name")],
}
# Older spellings of ``sort_by`` without a direction.
SORTS.update({"name": SORTS["name_asc"], "updated_at": SORTS["updated_at_desc"],
              "created_at": SORTS["created_at_desc"], "type": SORTS["type_asc"]})
MODULE_SORT = [SortKey("custom_module_form_id"), SortKey("position")]
CATEGORIES = {"charting": Q(use_for_charting=True), "programs": Q(use_for_program=True),
              "forms": Q(use_for_charting=False, use_for_program=False)}


def visible_forms(viewer: Viewer) -> QuerySet[CustomModuleForm]:
    """Templates of the viewer's organization (members and patients), not deleted."""
    if not viewer.is_authenticated:
        return CustomModuleForm.objects.none()
    return CustomModuleForm.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def editable_forms(viewer: Viewer) -> QuerySet[CustomModuleForm]:
    """Templates the viewer may change: members only (patients and anonymous callers none)."""
    if not viewer.is_member:
        return CustomModuleForm.objects.none()
    return visible_forms(viewer)


def readable_forms(viewer: Viewer) -> QuerySet[CustomModuleForm]:
    """What ``customModuleForm(id:)`` may answer: public reads for anonymous callers."""
    if not viewer.is_authenticated:
        return CustomModuleForm.objects.filter(deleted_at__isnull=True)
    return visible_forms(viewer)


def forms_filter(viewer: Viewer, *, active_status: bool | None = None, category: str | None = None,
                 keywords: str | None = None) -> QuerySet[CustomModuleForm]:
    qs = visible_forms(viewer)
    # active_status true lists archived templates, as the documentation describes it.
    qs = qs.filter(archived_at__isnull=not active_status)
    if category:
        rule = CATEGORIES.get(category.strip().lower())
        if rule is None:
            raise ValidationFailed("category", f"category must be one of: {', '.join(sorted(CATEGORIES))}.")
        qs = qs.filter(rule)
    if keywords:
        if len(keywords) > MAX_KEYWORDS:
            raise ValidationFailed("keywords", f"keywords must be at most {MAX_KEYWORDS} characters.")
        qs = qs.filter(name__icontains=keywords.strip())
    return qs


def sort_key(sort_by: str | None, order_by: str | None) -> list[SortKey]:
    if order_by:
        return sort_for(SORTS, order_by, "name_asc", argument="order_by")
    return sort_for(SORTS, sort_by, "name_asc")


def visible_modules(viewer: Viewer) -> QuerySet[CustomModule]:
    return CustomModule.objects.filter(custom_module_form__in=visible_forms(viewer))


def editable_modules(viewer: Viewer) -> QuerySet[CustomModule]:
    return CustomModule.objects.filter(custom_module_form__in=editable_forms(viewer))


def modules_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[CustomModule]:
    qs = visible_modules(viewer)
    if keywords:
        if len(keywords) > MAX_KEYWORDS:
            raise ValidationFailed("keywords", f"keywords must be at most {MAX_KEYWORDS} characters.")
        qs = qs.filter(label__icontains=keywords.strip())
    return qs


def module_get(viewer: Viewer, raw_id: object, field: str = "id") -> CustomModule:
    return get_visible(editable_modules(viewer), raw_id, "Question", field=field)


def answer_groups_of_forms(viewer: Viewer) -> QuerySet[FormAnswerGroup]:
    """Filled-out forms a template may list: members see their organization's, minus patients
    hidden from them; a patient only their own; anonymous callers none.

    Stand-in for ``apps.forms.selectors.answers.visible_answer_groups`` (helper "answers").
    """
    if not viewer.is_authenticated:
        return FormAnswerGroup.objects.none()
    qs = FormAnswerGroup.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True,
                                        is_draft=False)
    if viewer.is_patient:
        return qs.filter(user_id=viewer.user_id)
    if not viewer.is_member:
        return FormAnswerGroup.objects.none()
    return qs.exclude(user__in=hidden_patients(viewer))
