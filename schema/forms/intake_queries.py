"""Intake queries: thin resolvers over ``apps.forms.services.intake``."""

from __future__ import annotations

import strawberry

from apps.forms.services import intake
from schema.context import Info
from schema.forms.answer_types import FormAnswerType
from schema.forms.intake_types import FormStatus, FormType, IntakeFlowOrderKeys, IntakeFlowType


@strawberry.type
class Query:
    @strawberry.field(description="Whether questions can be shown conditionally on earlier answers (and their "
                                  "conditions edited): true for signed-in callers.")
    def hasConditionalQuestionEditing(self, info: Info) -> bool | None:  # noqa: N802
        return info.context.viewer.is_authenticated

    @strawberry.field(description="Whether the patient has an intake item or form request that is not completed "
                                  "(a patient may only ask about themselves).")
    def hasFormsToComplete(self, info: Info, user_id: strawberry.ID) -> bool | None:  # noqa: N802
        return intake.has_forms_to_complete(info.context.viewer, user_id=user_id)

    @strawberry.field(description="The answers a form opens with: the patient's unfinished form "
                                  "(incomplete_form_id, else the latest one of this template), else the last "
                                  "finished answers when the template prefills, then profile values for "
                                  "questions with a hipaa_name. Unsaved answers have the id new-<question id>.")
    def initialFormAnswers(  # noqa: N802
        self, info: Info, custom_module_form_id: strawberry.ID | None = None,
        incomplete_form_id: strawberry.ID | None = None, user_id: strawberry.ID | None = None,
    ) -> list[FormAnswerType] | None:
        return intake.initial_form_answers(info.context.viewer, custom_module_form_id=custom_module_form_id,
                                           incomplete_form_id=incomplete_form_id, user_id=user_id)

    @strawberry.field(description="A patient's onboarding items and form requests with their statuses "
                                  "(user_id: the patient; a patient gets their own).")
    def intakeFlow(  # noqa: N802
        self, info: Info, keywords: str | None = None, sort_by: str | None = None,
        order_by: IntakeFlowOrderKeys | None = None, user_id: strawberry.ID | None = None,
        statuses: list[FormStatus | None] | None = None, form_types: list[FormType | None] | None = None,
    ) -> IntakeFlowType | None:
        order = order_by.value if order_by is not None else sort_by
        flow = intake.intake_flow(
            info.context.viewer, user_id=user_id, keywords=keywords, order_by=order,
            statuses=[s.value for s in statuses or [] if s is not None],
            form_types=[t.value for t in form_types or [] if t is not None])
        return IntakeFlowType(flow=flow)
