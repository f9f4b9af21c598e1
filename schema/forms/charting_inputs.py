"""Inputs of the charting mutations, named as the published schema names them."""

from __future__ import annotations

import strawberry

from schema.forms.charting_types import GeneratedFormAnswerGroupRejectionReasonEnum


@strawberry.input(name="LockInput")
class LockInput:
    id: strawberry.ID


@strawberry.input(name="UnlockInput")
class UnlockInput:
    id: strawberry.ID
    description: str


@strawberry.input(name="SignInput")
class SignInput:
    id: strawberry.ID


@strawberry.input(name="createFormAnswerGroupSigningInput")
class CreateFormAnswerGroupSigningInput:
    form_answer_group_id: strawberry.ID | None = strawberry.UNSET
    user_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="deleteFormAnswerGroupSigningInput")
class DeleteFormAnswerGroupSigningInput:
    id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="createAddendumInput")
class CreateAddendumInput:
    content: str | None = strawberry.UNSET
    form_answer_group_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="updateAddendumInput")
class UpdateAddendumInput:
    content: str | None = strawberry.UNSET
    form_answer_group_id: strawberry.ID | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="createSmartPhraseInput")
class CreateSmartPhraseInput:
    name: str | None = strawberry.UNSET
    phrase: str | None = strawberry.UNSET


@strawberry.input(name="updateSmartPhraseInput")
class UpdateSmartPhraseInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    phrase: str | None = strawberry.UNSET


@strawberry.input(name="deleteSmartPhraseInput")
class DeleteSmartPhraseInput:
    id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="createDraftInput")
class CreateDraftInput:
    content: str | None = strawberry.UNSET
    conversation_membership_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="removeDraftInput")
class RemoveDraftInput:
    id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="generateChartingPdfInput")
class GenerateChartingPdfInput:
    form_answer_group_array: str | None = strawberry.UNSET
    id: strawberry.ID | None = strawberry.UNSET
    include_header_on_every_page: bool | None = strawberry.UNSET
    pdf_letterhead_template_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="convertGeneratedFormAnswerGroupInput")
class ConvertGeneratedFormAnswerGroupInput:
    id: strawberry.ID


@strawberry.input(name="rejectGeneratedFormAnswerGroupInput")
class RejectGeneratedFormAnswerGroupInput:
    id: strawberry.ID
    feedback: str | None = strawberry.UNSET
    rejection_reason: list[GeneratedFormAnswerGroupRejectionReasonEnum] | None = strawberry.field(
        default_factory=list)


@strawberry.input(name="updateGeneratedFormAnswerGroupFeedbackInput")
class UpdateGeneratedFormAnswerGroupFeedbackInput:
    id: strawberry.ID
    feedback: str


@strawberry.input(name="unsubscribeFromNotificationInput")
class UnsubscribeFromNotificationInput:
    notification_setting_uuid: str | None = strawberry.UNSET
    type_of_notification: str | None = strawberry.UNSET
    user_id: strawberry.ID | None = strawberry.UNSET
