"""Inputs of the form request mutations. ``recipient_ids`` and the schedule fields are String:
the documented createRequestedFormCompletion declares them so ("1,2" or a JSON array)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from apps.forms.services.requests import RequestCreate


@strawberry.input(name="createRequestedFormInput")
class CreateRequestedFormInput:
    recipient_ids: str | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    form: str | None = UNSET
    custom_module_form_id: strawberry.ID | None = UNSET
    item_type: str | None = strawberry.field(default=UNSET, description="Only forms (\"cmf\") can be requested.")
    is_recurring: bool | None = UNSET
    frequency: str | None = UNSET
    period: str | None = UNSET
    minute: str | None = UNSET
    hour: str | None = UNSET
    weekday: str | None = UNSET
    monthday: str | None = UNSET
    recurrence_ends: bool | None = UNSET
    ends_on: str | None = UNSET
    metadata: str | None = UNSET
    skip_notification_email: bool | None = False


@strawberry.input(name="deleteRequestedFormInput")
class DeleteRequestedFormInput:
    id: strawberry.ID | None = UNSET
    recurringFormId: strawberry.ID | None = UNSET  # noqa: N815


@strawberry.input(name="destroyRecurringFormInput")
class DestroyRecurringFormInput:
    id: strawberry.ID | None = UNSET
    connectable_id: strawberry.ID | None = UNSET
    connectable_type: str | None = UNSET


@strawberry.input(name="updateRecurringFormInput")
class UpdateRecurringFormInput:
    id: str | None = UNSET
    is_active: bool | None = UNSET
    is_recurring: bool | None = UNSET
    frequency: str | None = UNSET
    period: str | None = UNSET
    minute: str | None = UNSET
    hour: str | None = UNSET
    weekday: str | None = UNSET
    monthday: str | None = UNSET
    recurrence_ends: bool | None = UNSET
    ends_on: str | None = UNSET
    recipient_ids: list[strawberry.ID | None] | None = UNSET


def request_create(values: dict) -> RequestCreate:
    # custom_module_form_id (the published name) wins over form (the documented one) when both are sent.
    form, form_field = values.get("form"), "form"
    if values.get("custom_module_form_id") not in (None, ""):
        form, form_field = values["custom_module_form_id"], "custom_module_form_id"
    return RequestCreate(
        recipient_ids=values.get("recipient_ids"), recipient_id=values.get("recipient_id"), form=form,
        form_field=form_field, is_recurring=bool(values.get("is_recurring")),
        frequency=values.get("frequency"), period=values.get("period"), minute=values.get("minute"),
        hour=values.get("hour"), weekday=values.get("weekday"), monthday=values.get("monthday"),
        recurrence_ends=bool(values.get("recurrence_ends")), ends_on=values.get("ends_on"),
        item_type=values.get("item_type"), metadata=values.get("metadata"),
        notify=not values.get("skip_notification_email"))
