"""Inputs of the filled-out form mutations and their conversion to service inputs."""

from __future__ import annotations

import strawberry

from apps.forms.services.answers import AnswerGroupInput, AnswerInput
from schema.payloads import provided

# The seed sends ids as String in these inputs (custom_module_form_id, user_id): String fields
# accept both the documented String variables and literal numbers.


@strawberry.input(name="FormAnswerInput")
class FormAnswerInput:
    answer: str | None = strawberry.UNSET
    conditional_custom_module_id: strawberry.ID | None = strawberry.UNSET
    custom_module_id: str | None = strawberry.UNSET
    filter_type: str | None = strawberry.UNSET
    mod_type: str | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.UNSET
    label: str | None = strawberry.UNSET
    user_id: str | None = strawberry.UNSET
    value_to_filter: str | None = strawberry.UNSET


@strawberry.input(name="createFormAnswerGroupInput")
class CreateFormAnswerGroupInput:
    appointment_id: strawberry.ID | None = strawberry.UNSET
    custom_module_form_id: str | None = strawberry.UNSET
    date: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    finished: bool | None = strawberry.UNSET
    form_answers: list[FormAnswerInput | None] | None = strawberry.UNSET
    marked_locked: bool | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    requested_form_completion_id: strawberry.ID | None = strawberry.UNSET
    user_id: str | None = strawberry.UNSET


@strawberry.input(name="updateFormAnswerGroupInput")
class UpdateFormAnswerGroupInput:
    id: strawberry.ID | None = strawberry.UNSET
    date: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    finished: bool | None = strawberry.UNSET
    form_answers: list[FormAnswerInput | None] | None = strawberry.UNSET
    marked_locked: bool | None = strawberry.UNSET
    metadata: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    appointment_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="deleteFormAnswerGroupInput")
class DeleteFormAnswerGroupInput:
    id: strawberry.ID | None = strawberry.UNSET
    user_id: strawberry.ID | None = strawberry.UNSET


def _answers(values: dict) -> dict:
    if "form_answers" in values and values["form_answers"] is not None:
        values["form_answers"] = [AnswerInput(**{k: v for k, v in provided(a).items()
                                                 if k in ("custom_module_id", "answer", "user_id", "id", "metadata",
                                                          "conditional_custom_module_id")})
                                  for a in values["form_answers"] if a is not None]
    return values


_GROUP_FIELDS = ("custom_module_form_id", "user_id", "finished", "name", "external_id", "metadata", "date",
                 "form_answers", "appointment_id", "requested_form_completion_id")


def group_input(data: object | None) -> AnswerGroupInput:
    values = _answers(provided(data))
    return AnswerGroupInput(**{k: v for k, v in values.items() if k in _GROUP_FIELDS})
