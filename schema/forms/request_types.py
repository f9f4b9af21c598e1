"""GraphQL types of form requests and recurring form requests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Prefetch

from apps.core.timefmt import format_datetime
from apps.forms import models
from apps.forms.selectors.requests import visible_forms
from schema.accounts.types import UserGroupType, UserType, shown_prefetch, shown_user, shown_user_field

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType
    from schema.forms.template_types import CustomModuleFormType

LazyForm = Annotated["CustomModuleFormType", strawberry.lazy("schema.forms.template_types")]
LazyAnswerGroup = Annotated["FormAnswerGroupType", strawberry.lazy("schema.forms.answer_types")]


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _form_prefetch(info: strawberry.Info) -> Prefetch:
    # Through visible_forms: a request never exposes a template the caller may not read.
    return Prefetch("custom_module_form", queryset=visible_forms(info.context.viewer), to_attr="_visible_form")


def _form(root: Any, info: strawberry.Info):
    if hasattr(root, "_visible_form"):
        return root._visible_form
    return visible_forms(info.context.viewer).filter(pk=root.custom_module_form_id).first()


def _group_prefetch(info: strawberry.Info) -> Prefetch:
    # The group answers the request, so whoever sees the request sees the group it produced.
    return Prefetch("form_answer_group", queryset=models.FormAnswerGroup.objects.filter(deleted_at=None),
                    to_attr="_answer_group")


@strawberry_django.type(models.RequestedFormCompletion, name="RequestedFormCompletion")
class RequestedFormCompletionType:
    id: strawberry.ID
    status: str | None
    recipient: UserType | None = shown_user_field("recipient")
    sender: UserType | None = shown_user_field("sender")
    # Kept after the recurrence is stopped (its is_active answers false).
    recurring_form: RecurringFormType | None

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(description="Always \"cmf\" (a custom module form).")
    def item_type(self) -> str:
        return "cmf"

    @strawberry_django.field(only=["custom_module_form_id"], prefetch_related=[_form_prefetch])
    def custom_module_form(self, root: models.RequestedFormCompletion,
                           info: strawberry.Info) -> LazyForm | None:
        return _form(root, info)

    @strawberry_django.field(only=["custom_module_form_id"])
    def custom_module_form_id(self, root: models.RequestedFormCompletion) -> str | None:
        return _str(root.custom_module_form_id)

    @strawberry_django.field(only=["form_answer_group_id"], prefetch_related=[_group_prefetch])
    def form_answer_group(self, root: models.RequestedFormCompletion) -> LazyAnswerGroup | None:
        if hasattr(root, "_answer_group"):
            return root._answer_group
        return models.FormAnswerGroup.objects.filter(pk=root.form_answer_group_id, deleted_at=None).first()

    @strawberry_django.field(only=["form_answer_group_id"])
    def form_answer_group_id(self, root: models.RequestedFormCompletion) -> str | None:
        return _str(root.form_answer_group_id)

    @strawberry_django.field(only=["recipient_id"])
    def recipient_id(self, root: models.RequestedFormCompletion) -> str | None:
        return _str(root.recipient_id)

    @strawberry_django.field(only=["sender_id"])
    def sender_id(self, root: models.RequestedFormCompletion) -> str | None:
        return _str(root.sender_id)

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.RequestedFormCompletion) -> str | None:
        return json.dumps(root.metadata) if root.metadata is not None else None

    @strawberry_django.field(only=["created_at"])
    def date_to_show(self, root: models.RequestedFormCompletion) -> str | None:
        return format_datetime(root.created_at)


@strawberry_django.type(models.RecurringForm, name="RecurringForm")
class RecurringFormType:
    id: strawberry.ID

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["custom_module_form_id"], prefetch_related=[_form_prefetch])
    def custom_module_form(self, root: models.RecurringForm, info: strawberry.Info) -> LazyForm | None:
        return _form(root, info)

    @strawberry_django.field(only=["custom_module_form_id"])
    def form_id(self, root: models.RecurringForm) -> str | None:
        return _str(root.custom_module_form_id)

    @strawberry_django.field(description="Always \"CustomModuleForm\".")
    def form_type(self) -> str:
        return "CustomModuleForm"

    @strawberry_django.field(only=["frequency"])
    def interval(self, root: models.RecurringForm) -> str | None:
        return root.frequency

    @strawberry_django.field(only=["frequency", "weekday", "monthday", "hour", "minute"],
                             description="When in the period: the weekday (Weekly), day of month (Monthly), "
                                         "and the HH:MM time of day.")
    def interval_type(self, root: models.RecurringForm) -> str | None:
        day = root.weekday or (str(root.monthday) if root.monthday else "")
        return f"{day} {root.hour:02d}:{root.minute:02d}".strip()

    @strawberry_django.field(only=["deleted_at", "next_issue_at"])
    def is_active(self, root: models.RecurringForm) -> bool:
        return root.deleted_at is None and root.next_issue_at is not None

    @strawberry_django.field(only=["ends_on", "recurrence_ends"])
    def recurrence_end_at(self, root: models.RecurringForm) -> str | None:
        return root.ends_on.isoformat() if root.recurrence_ends and root.ends_on else None

    @strawberry_django.field(only=["recipient_id"])
    def user_id(self, root: models.RecurringForm) -> str | None:
        return _str(root.recipient_id)

    @strawberry_django.field(only=["recipient_id"], prefetch_related=[shown_prefetch("recipient")])
    def users(self, root: models.RecurringForm, info: strawberry.Info) -> list[UserType]:
        user = shown_user(root, "recipient", info)
        return [user] if user is not None else []

    @strawberry_django.field(description="Recurring requests go to patients, not groups: always [].")
    def userGroups(self) -> list[UserGroupType]:  # noqa: N802
        return []

    @strawberry_django.field(only=["recipient_id"], prefetch_related=[shown_prefetch("recipient")])
    def users_and_groups(self, root: models.RecurringForm, info: strawberry.Info) -> list[str | None]:
        user = shown_user(root, "recipient", info)
        return [f"{user.first_name} {user.last_name}".strip()] if user is not None else []

    @strawberry_django.field(only=["recipient_id"])
    def has_connected_recipient(self, root: models.RecurringForm, connectable_id: strawberry.ID | None = None,
                                connectable_type: str | None = None) -> bool | None:
        if connectable_type not in (None, "", "User"):
            return False
        return connectable_id is not None and str(root.recipient_id) == str(connectable_id)
