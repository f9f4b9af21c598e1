"""createClientViaForm: one service call, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.forms.services import intake
from schema.context import Info
from schema.forms.answer_inputs import FormAnswerInput, group_input
from schema.forms.answer_types import FormAnswerGroupType
from schema.payloads import payload_type, provided, run

CreateClientViaFormPayload = payload_type("CreateClientViaFormPayload", form_answer_group=FormAnswerGroupType)


@strawberry.input(name="CreateClientViaFormInput")
class CreateClientViaFormInput:
    custom_module_form_id: strawberry.ID | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    form_answers: list[FormAnswerInput | None] | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    phone_number: str | None = strawberry.UNSET
    provider_id: strawberry.ID | None = strawberry.UNSET
    send_product_recommendation_email: bool | None = strawberry.UNSET


def client_input(data: CreateClientViaFormInput | None) -> intake.ClientViaForm:
    values = provided(data)
    answers = group_input(data).form_answers if "form_answers" in values else None
    return intake.ClientViaForm(
        custom_module_form_id=values.get("custom_module_form_id"), email=values.get("email"),
        first_name=values.get("first_name"), last_name=values.get("last_name"),
        phone_number=values.get("phone_number"), provider_id=values.get("provider_id"),
        form_answers=answers if isinstance(answers, list) else None)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A provider adds a patient and their finished form in one step; any problem "
                                     "(a duplicate e-mail, a refused answer) writes nothing. Emits patient.created "
                                     "and form_answer_group.created.")
    def createClientViaForm(  # noqa: N802
        self, info: Info, input: CreateClientViaFormInput | None = None,
    ) -> CreateClientViaFormPayload:
        return run(CreateClientViaFormPayload, lambda: intake.client_via_form_create(
            info.context.viewer, client_input(input)), "form_answer_group")
