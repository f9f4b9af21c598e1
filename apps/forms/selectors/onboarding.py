"""Reads of onboarding flows, their items and completions, scoped to the viewer.

Members (providers and staff) see their organization's flows. A patient sees only the flow
of their own group (the one they are asked to complete) and their own completions.
"""

from __future__ import annotations

import json

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from apps.accounts.selectors import patient_get, visible_patients
from apps.accounts.viewer import Viewer
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey
from apps.forms.models import CompletedOnboardingItem, OnboardingFlow, OnboardingItem

FORM_ITEM_TYPE = "Module Form"
# Built-in steps a flow may contain once each, besides any number of forms.
BUILT_IN_ITEM_TYPES: tuple[tuple[str, str], ...] = (
    ("1", "Financial Agreement"),
    ("2", "Insurance Form"),
    ("3", "Credit Card"),
    ("4", "Welcome"),
    ("5", "Patient Profile"),
)
ITEM_TYPE_NAMES = frozenset(name for _, name in BUILT_IN_ITEM_TYPES) | {FORM_ITEM_TYPE}

_FLOW_SORTS = {
    "name_asc": [SortKey("n", False, Lower("name")), SortKey("id", False)],
    "name_desc": [SortKey("n", True, Lower("name")), SortKey("id", True)],
    "created_at_asc": [SortKey("created_at", False), SortKey("id", False)],
    "created_at_desc": [SortKey("created_at", True), SortKey("id", True)],
    "forms_count_asc": [SortKey("forms_count", False, Count("onboarding_items",
                                                            filter=Q(onboarding_items__item_type="Module Form"))),
                        SortKey("id", False)],
    "forms_count_desc": [SortKey("forms_count", True, Count("onboarding_items",
                                                            filter=Q(onboarding_items__item_type="Module Form"))),
                         SortKey("id", True)],
}


def _patient_flow_id(viewer: Viewer):
    group = viewer.user.user_group if viewer.user.user_group_id else None
    return group.onboarding_flow_id if group is not None else None


def visible_flows(viewer: Viewer) -> QuerySet[OnboardingFlow]:
    if not viewer.is_authenticated:
        return OnboardingFlow.objects.none()
    if viewer.is_patient:
        flow_id = _patient_flow_id(viewer)
        if flow_id is None:
            return OnboardingFlow.objects.none()
        return OnboardingFlow.objects.filter(pk=flow_id, organization_id=viewer.organization_id, deleted_at=None)
    if not viewer.is_member:
        return OnboardingFlow.objects.none()
    return OnboardingFlow.objects.filter(organization_id=viewer.organization_id, deleted_at=None)


def flow_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    sort_by = order_by or sort_by
    if sort_by is None or sort_by == "":
        return _FLOW_SORTS["name_asc"]
    if sort_by not in _FLOW_SORTS:
        raise ValidationFailed("sort_by", f"sort_by must be one of: {', '.join(_FLOW_SORTS)}.")
    return _FLOW_SORTS[sort_by]


def flows_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[OnboardingFlow]:
    qs = visible_flows(viewer)
    if keywords and keywords.strip():
        qs = qs.filter(name__icontains=keywords.strip())
    return qs


def flow_get(viewer: Viewer, flow_id: object, *, field: str = "id") -> OnboardingFlow:
    return get_visible(visible_flows(viewer), flow_id, "Onboarding flow", field=field)


def flow_of_patient(viewer: Viewer, *, flow_id: object = None, user_id: object = None) -> OnboardingFlow | None:
    """``onboardingFlow(id:, user_id:)``: by id, or the flow a patient's group asks them to complete.

    ``user_id`` is ignored for a patient (they always get their own flow).
    """
    if flow_id is not None:
        return flow_get(viewer, flow_id)
    if viewer.is_patient:
        return visible_flows(viewer).first()
    if user_id in (None, ""):
        return None
    patient = visible_patients(viewer).filter(pk=parse_id(user_id) or 0).select_related("user_group").first()
    if patient is None or patient.user_group is None or patient.user_group.onboarding_flow_id is None:
        return None
    return visible_flows(viewer).filter(pk=patient.user_group.onboarding_flow_id).first()


def visible_items(viewer: Viewer) -> QuerySet[OnboardingItem]:
    return OnboardingItem.objects.filter(onboarding_flow__in=visible_flows(viewer))


def item_get(viewer: Viewer, item_id: object, *, field: str = "id") -> OnboardingItem:
    return get_visible(visible_items(viewer), item_id, "Onboarding item", field=field)


def available_item_types(viewer: Viewer, flow_id: object = None) -> str:
    """The documented JSON string of ``{"id", "name"}`` types; a built-in step already in the
    given flow is not offered again (forms always are)."""
    used: set[str] = set()
    if flow_id not in (None, ""):
        flow = flow_get(viewer, flow_id, field="onboarding_flow_id")
        used = set(flow.onboarding_items.values_list("item_type", flat=True))
    elif not (viewer.is_member or viewer.is_patient):
        return json.dumps([])
    types = [{"id": key, "name": name} for key, name in BUILT_IN_ITEM_TYPES if name not in used]
    types.append({"id": "form", "name": FORM_ITEM_TYPE})
    return json.dumps(types)


def visible_completed_items(viewer: Viewer) -> QuerySet[CompletedOnboardingItem]:
    return CompletedOnboardingItem.objects.filter(user__in=visible_patients(viewer))


def completed_item_get(viewer: Viewer, completed_id: object) -> CompletedOnboardingItem:
    return get_visible(visible_completed_items(viewer), completed_id, "Completed onboarding item")


def unassociated_completed_items(viewer: Viewer, *, user_id: object = None) -> QuerySet[CompletedOnboardingItem]:
    """Completions of a patient that are not part of the flow their group asks for now (the item
    was removed, or the patient moved to a group with another flow)."""
    if viewer.is_patient or user_id in (None, ""):
        if not viewer.is_patient:
            return CompletedOnboardingItem.objects.none()
        patient = viewer.user
    else:
        patient = visible_patients(viewer).filter(pk=parse_id(user_id) or 0).select_related("user_group").first()
        if patient is None:
            return CompletedOnboardingItem.objects.none()
    current = patient.user_group.onboarding_flow_id if patient.user_group_id else None
    qs = CompletedOnboardingItem.objects.filter(user_id=patient.pk)
    if current is not None:
        qs = qs.filter(Q(onboarding_item__isnull=True) | ~Q(onboarding_item__onboarding_flow_id=current))
    return qs


COMPLETED_SORT = [SortKey("id", False)]


def patient_for_completion(viewer: Viewer, user_id: object):
    if viewer.is_patient or user_id in (None, ""):
        return viewer.user
    return patient_get(viewer, user_id, field="user_id")
