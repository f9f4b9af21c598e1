"""Filled-out form mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.forms.services import answers
from schema.context import Info
from schema.forms import answer_inputs as inputs
from schema.forms.answer_payloads import (
    CreateFormAnswerGroupPayload,
    DeleteFormAnswerGroupPayload,
    UpdateFormAnswerGroupPayload,
)
from schema.payloads import provided, run


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Fills out a form (an intake form, a chart note) about a patient; every "
                                     "answer is checked against its question. Emits form_answer_group.created.")
    def createFormAnswerGroup(  # noqa: N802
        self, info: Info, input: inputs.CreateFormAnswerGroupInput | None = None
    ) -> CreateFormAnswerGroupPayload:
        return run(CreateFormAnswerGroupPayload, lambda: answers.form_answer_group_create(
            info.context.viewer, inputs.group_input(input)), "form_answer_group")

    @strawberry.mutation(description="Changes answers (and name, date, finished) of a filled-out form that is "
                                     "not locked.")
    def updateFormAnswerGroup(  # noqa: N802
        self, info: Info, input: inputs.UpdateFormAnswerGroupInput | None = None
    ) -> UpdateFormAnswerGroupPayload:
        return run(UpdateFormAnswerGroupPayload, lambda: answers.form_answer_group_update(
            info.context.viewer, provided(input).get("id"), inputs.group_input(input)), "form_answer_group")

    @strawberry.mutation(description="Deletes a filled-out form that is not locked (soft delete). Emits "
                                     "form_answer_group.deleted.")
    def deleteFormAnswerGroup(  # noqa: N802
        self, info: Info, input: inputs.DeleteFormAnswerGroupInput | None = None
    ) -> DeleteFormAnswerGroupPayload:
        return run(DeleteFormAnswerGroupPayload, lambda: answers.form_answer_group_delete(
            info.context.viewer, provided(input).get("id"), provided(input).get("user_id")), "form_answer_group")
