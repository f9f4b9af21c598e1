"""Fields forms adds to ``UserGroup``: the group's onboarding flow and its patients' recurring
form requests (registered with ``register_user_group_fields``; accounts does not import forms)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.models import UserGroup
from apps.accounts.selectors import visible_patients
from apps.forms.selectors.onboarding import visible_flows
from apps.forms.selectors.requests import visible_recurring_forms
from schema.accounts.types import register_user_group_fields

if TYPE_CHECKING:
    from schema.forms.onboarding_types import OnboardingFlowType
    from schema.forms.request_types import RecurringFormType

_FLOWS_MEMO = "forms.group_flows"


def _recurring_prefetch(info: strawberry.Info) -> Prefetch:
    viewer = info.context.viewer
    forms = Prefetch("recurring_forms", queryset=visible_recurring_forms(viewer).order_by("id"),
                     to_attr="_group_recurring_forms")
    return Prefetch("users", queryset=visible_patients(viewer).only("id", "user_group_id").order_by("id")
                    .prefetch_related(forms), to_attr="_group_patients")


def _recurring_count(info: strawberry.Info):
    rows = (visible_recurring_forms(info.context.viewer).filter(recipient__user_group_id=OuterRef("pk")).order_by()
            .values("recipient__user_group_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _recurring(root: UserGroup, info: strawberry.Info) -> list:
    patients = getattr(root, "_group_patients", None)
    if patients is None:
        return list(visible_recurring_forms(info.context.viewer).filter(recipient__user_group_id=root.pk)
                    .order_by("id"))
    return sorted((f for p in patients for f in p._group_recurring_forms), key=lambda f: f.pk)


class _FormsUserGroupFields:
    @strawberry_django.field(only=["onboarding_flow_id"],
                             description="The onboarding flow the group's patients are asked to complete.")
    def onboarding_flow(self, root: UserGroup, info: strawberry.Info) -> Annotated[
            OnboardingFlowType, strawberry.lazy("schema.forms.onboarding_types")] | None:
        if not root.onboarding_flow_id:
            return None
        # One query per distinct flow and operation: a page of groups shares a few flows.
        cache = info.context.memo.setdefault(_FLOWS_MEMO, {})
        if root.onboarding_flow_id not in cache:
            cache[root.onboarding_flow_id] = visible_flows(info.context.viewer).filter(
                pk=root.onboarding_flow_id).first()
        return cache[root.onboarding_flow_id]

    @strawberry_django.field(prefetch_related=[_recurring_prefetch],
                             description="Active recurring form requests of the group's patients (that the "
                                         "caller may see).")
    def recurring_forms(self, root: UserGroup, info: strawberry.Info) -> list[
            Annotated[RecurringFormType, strawberry.lazy("schema.forms.request_types")]] | None:
        return _recurring(root, info)

    @strawberry_django.field(annotate={"_recurring_forms_count": _recurring_count},
                             description="How many recurring_forms lists.")
    def recurring_forms_count(self, root: UserGroup, info: strawberry.Info) -> int | None:
        if hasattr(root, "_recurring_forms_count"):
            return root._recurring_forms_count
        return visible_recurring_forms(info.context.viewer).filter(recipient__user_group_id=root.pk).count()


register_user_group_fields(_FormsUserGroupFields)
