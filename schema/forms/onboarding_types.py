"""GraphQL types of onboarding flows, their items and patients' completed items."""

from __future__ import annotations

from typing import Any

import strawberry
import strawberry_django
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from strawberry_django.optimizer import optimize

from apps.accounts.models import User, UserGroup
from apps.core.timefmt import format_datetime
from apps.forms import models
from apps.forms.selectors.onboarding import FORM_ITEM_TYPE
from schema.accounts.types import UserGroupType, UserType, register_user_fields, shown_user_field


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value not in (None, "") else None


def _groups_prefetch(info: strawberry.Info) -> Prefetch:
    # UserGroup.onboarding_flow_id is a plain column (accounts does not know forms): no relation to
    # prefetch, so one query loads the groups of every flow on the page.
    return Prefetch("organization__user_groups", queryset=UserGroup.objects.order_by("name", "id"),
                    to_attr="_org_groups")


def _flow_groups(root: models.OnboardingFlow) -> list[UserGroup]:
    groups = getattr(root.organization, "_org_groups", None)
    if groups is None:
        groups = list(UserGroup.objects.filter(organization_id=root.organization_id).order_by("name", "id"))
    return [g for g in groups if g.onboarding_flow_id == root.pk]


def _items_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = optimize(models.OnboardingItem.objects.order_by("row_order", "id"), info)
    return Prefetch("onboarding_items", queryset=queryset, to_attr="_items")


def _items(root: models.OnboardingFlow, forms_only: bool | None) -> list[models.OnboardingItem]:
    items = getattr(root, "_items", None)
    if items is None:
        items = list(root.onboarding_items.order_by("row_order", "id"))
    return [i for i in items if i.item_type == FORM_ITEM_TYPE] if forms_only else items


@strawberry_django.type(models.OnboardingFlow, name="OnboardingFlow")
class OnboardingFlowType:
    id: strawberry.ID
    name: str | None
    has_forms_after_welcome: bool | None
    is_multiple_providers: bool | None
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.OnboardingFlow) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(prefetch_related=[_items_prefetch])
    def onboarding_items(self, root: models.OnboardingFlow,
                         custom_module_forms_only: bool | None = False) -> list[OnboardingItemType]:
        return _items(root, custom_module_forms_only)

    @strawberry_django.field(annotate={"_items_count": Count("onboarding_items")})
    def onboarding_items_count(self, root: models.OnboardingFlow) -> int:
        found = getattr(root, "_items_count", None)
        return found if found is not None else root.onboarding_items.count()

    @strawberry_django.field(only=["organization_id"], prefetch_related=[_groups_prefetch])
    def user_groups(self, root: models.OnboardingFlow, info: strawberry.Info) -> list[UserGroupType] | None:
        # Patients do not see their organization's groups.
        return _flow_groups(root) if info.context.viewer.is_member else []

    @strawberry_django.field(only=["organization_id"], prefetch_related=[_groups_prefetch])
    def user_groups_count(self, root: models.OnboardingFlow, info: strawberry.Info) -> int | None:
        return len(_flow_groups(root)) if info.context.viewer.is_member else 0

    @strawberry_django.field(only=["organization_id"], prefetch_related=[_groups_prefetch])
    def user_groups_name_string(self, root: models.OnboardingFlow, info: strawberry.Info) -> str | None:
        return ", ".join(g.name for g in _flow_groups(root)) if info.context.viewer.is_member else ""


_LATER_ITEM = models.OnboardingItem.objects.filter(
    Q(row_order__gt=OuterRef("row_order")) | Q(row_order=OuterRef("row_order"), id__gt=OuterRef("id")),
    onboarding_flow_id=OuterRef("onboarding_flow_id"))


def _own_completion_prefetch(info: strawberry.Info) -> Prefetch:
    viewer = info.context.viewer
    qs = models.CompletedOnboardingItem.objects.filter(user_id=viewer.user_id if viewer.is_patient else 0)
    return Prefetch("completions", queryset=qs.order_by("id"), to_attr="_own_completions")


@strawberry_django.type(models.OnboardingItem, name="OnboardingItem")
class OnboardingItemType:
    id: strawberry.ID
    display_name: str | None
    is_skippable: bool
    item_type: str | None
    welcome_text: str | None
    user: UserType | None = shown_user_field("user")
    # Items are only reached through flows the caller sees (or completions of live flows).
    onboarding_flow: OnboardingFlowType | None

    @strawberry_django.field(only=["item_id"])
    def item_id(self, root: models.OnboardingItem) -> str | None:
        return str(root.item_id) if root.item_id is not None else None

    @strawberry_django.field(only=["onboarding_flow_id"])
    def onboarding_flow_id(self, root: models.OnboardingItem) -> strawberry.ID | None:
        return _id(root.onboarding_flow_id)

    @strawberry_django.field(annotate={"_is_last": ~Exists(_LATER_ITEM)})
    def is_last_item(self, root: models.OnboardingItem, custom_module_forms_only: bool | None = False) -> bool | None:
        if custom_module_forms_only:
            later = root.onboarding_flow.onboarding_items.filter(
                Q(row_order__gt=root.row_order) | Q(row_order=root.row_order, id__gt=root.id),
                item_type=FORM_ITEM_TYPE)
            return not later.exists()
        return getattr(root, "_is_last", None)

    @strawberry_django.field(prefetch_related=[_own_completion_prefetch],
                             description="The caller's own completion of this item (patients only).")
    def completed_onboarding_item(self, root: models.OnboardingItem) -> CompletedOnboardingItemType | None:
        found = getattr(root, "_own_completions", None)
        return found[0] if found else None

    @strawberry_django.field(description="Not part of this product: always null.")
    def billing_disclaimer(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def policy_disclaimer(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def photo_id_disclaimer(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def attached_object_edit_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def view_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def completed_form_id(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def incomplete_form_id(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always false.")
    def has_matrix_field(self) -> bool | None:
        return False

    @strawberry_django.field(only=["created_at"])
    def date_to_show(self, root: models.OnboardingItem) -> str | None:
        return format_datetime(root.created_at)


@strawberry_django.type(models.CompletedOnboardingItem, name="CompletedOnboardingItem")
class CompletedOnboardingItemType:
    id: strawberry.ID
    item_type: str | None
    skipped: bool
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["item_id"])
    def item_id(self, root: models.CompletedOnboardingItem) -> str | None:
        return str(root.item_id) if root.item_id is not None else None

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.CompletedOnboardingItem) -> str | None:
        return str(root.user_id)

    @strawberry_django.field(only=["onboarding_item_id"])
    def onboarding_item_id(self, root: models.CompletedOnboardingItem) -> str | None:
        return str(root.onboarding_item_id) if root.onboarding_item_id else None

    @strawberry_django.field(only=["onboarding_item_id"], select_related=["onboarding_item__onboarding_flow"])
    def onboarding_item(self, root: models.CompletedOnboardingItem) -> OnboardingItemType | None:
        item = root.onboarding_item
        return item if item is not None and item.onboarding_flow.deleted_at is None else None

    @strawberry_django.field(only=["created_at"])
    def date_to_show(self, root: models.CompletedOnboardingItem) -> str | None:
        return format_datetime(root.created_at)

    @strawberry_django.field(description="Not part of this product: always null.")
    def attached_object_edit_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Not part of this product: always null.")
    def view_url(self) -> str | None:
        return None


def _open_steps():
    done = models.CompletedOnboardingItem.objects.filter(user_id=OuterRef(OuterRef("pk")),
                                                         onboarding_item__isnull=False).values("onboarding_item_id")
    return Exists(models.OnboardingItem.objects.filter(
        onboarding_flow_id=OuterRef("user_group__onboarding_flow_id"), onboarding_flow__deleted_at=None,
    ).exclude(pk__in=done))


def _open_requests():
    return Exists(models.RequestedFormCompletion.objects.filter(recipient_id=OuterRef("pk"), deleted_at=None).exclude(
        status=models.RequestedFormCompletion.COMPLETE))


class _FormsUserFields:
    @strawberry_django.field(annotate={"_open_onboarding_steps": lambda info: _open_steps()},
                             description="Whether the patient's group flow has items they have not completed.")
    def any_incomplete_onboarding_steps(self, root: User) -> bool | None:
        if hasattr(root, "_open_onboarding_steps"):
            return root._open_onboarding_steps
        return User.objects.filter(pk=root.pk).annotate(x=_open_steps()).values_list("x", flat=True).first()

    @strawberry_django.field(annotate={"_open_form_requests": lambda info: _open_requests()},
                             description="Whether the patient has form requests not completed yet.")
    def any_incomplete_requested_form_completions(self, root: User) -> bool | None:
        if hasattr(root, "_open_form_requests"):
            return root._open_form_requests
        return User.objects.filter(pk=root.pk).annotate(x=_open_requests()).values_list("x", flat=True).first()


register_user_fields(_FormsUserFields)
