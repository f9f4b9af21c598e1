"""Charting mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.forms.services import charting
from schema.context import Info
from schema.forms import charting_inputs as inputs
from schema.forms import charting_payloads as p
from schema.payloads import provided, run


def _generate_pdf(info: Info, values: dict) -> dict:
    patient, _pdf = charting.charting_pdf(info.context.viewer, values.get("id"), values.get("form_answer_group_array"),
                                          values.get("pdf_letterhead_template_id"))
    return {"user": patient}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Locks a chart note: its answers can no longer change (addenda and "
                                     "signings still can be added). Emits form_answer_group.locked.")
    def lockFormAnswerGroup(self, info: Info, input: inputs.LockInput | None = None) -> p.LockPayload:  # noqa: N802
        values = provided(input)
        return run(p.LockPayload, lambda: charting.lock(info.context.viewer, values.get("id")), "form_answer_group")

    @strawberry.mutation(description="Unlocks a chart note; the reason (description) is kept in its metadata.")
    def unlockFormAnswerGroup(self, info: Info, input: inputs.UnlockInput | None = None) -> p.UnlockPayload:  # noqa: N802
        values = provided(input)
        return run(p.UnlockPayload, lambda: charting.unlock(info.context.viewer, values.get("id"),
                                                            values.get("description")), "form_answer_group")

    @strawberry.mutation(description="Signs a chart note as the caller and locks it when the caller may lock "
                                     "it. Emits form_answer_group.signed (and .locked).")
    def signFormAnswerGroup(self, info: Info, input: inputs.SignInput | None = None) -> p.SignPayload:  # noqa: N802
        values = provided(input)

        def call() -> dict:
            signed = charting.sign(info.context.viewer, values.get("id"))
            return {"form_answer_group": signed.form_answer_group,
                    "form_answer_group_signing": signed.form_answer_group_signing}

        return run(p.SignPayload, call)

    @strawberry.mutation(description="Adds the caller's signature (or co-signature) to a chart note; each "
                                     "person signs once, and only as themselves. Emits form_answer_group.signed.")
    def createFormAnswerGroupSigning(  # noqa: N802
        self, info: Info, input: inputs.CreateFormAnswerGroupSigningInput | None = None
    ) -> p.CreateFormAnswerGroupSigningPayload:
        values = provided(input)
        return run(p.CreateFormAnswerGroupSigningPayload, lambda: charting.create_signing(
            info.context.viewer, values.get("form_answer_group_id"), values.get("user_id")), "formAnswerGroupSigning")

    @strawberry.mutation(description="Withdraws the caller's own signature from an unlocked chart note.")
    def deleteFormAnswerGroupSigning(  # noqa: N802
        self, info: Info, input: inputs.DeleteFormAnswerGroupSigningInput | None = None
    ) -> p.DeleteFormAnswerGroupSigningPayload:
        values = provided(input)
        return run(p.DeleteFormAnswerGroupSigningPayload,
                   lambda: charting.delete_signing(info.context.viewer, values.get("id")), "formAnswerGroupSigning")

    @strawberry.mutation(description="Adds an addendum to a locked chart note.")
    def createAddendum(self, info: Info, input: inputs.CreateAddendumInput | None = None) -> p.CreateAddendumPayload:  # noqa: N802
        values = provided(input)
        return run(p.CreateAddendumPayload, lambda: charting.create_addendum(
            info.context.viewer, values.get("form_answer_group_id"), values.get("content")), "addendum")

    @strawberry.mutation(description="Addenda are part of the locked record and are never rewritten: answers "
                                     "a message (add another addendum instead).")
    def updateAddendum(self, info: Info, input: inputs.UpdateAddendumInput | None = None) -> p.UpdateAddendumPayload:  # noqa: N802
        values = provided(input)
        return run(p.UpdateAddendumPayload, lambda: charting.update_addendum(
            info.context.viewer, values.get("id"), values.get("content"), values.get("form_answer_group_id")),
            "addendum")

    @strawberry.mutation(description="Creates a smart phrase (a reusable text snippet) of the caller.")
    def createSmartPhrase(  # noqa: N802
        self, info: Info, input: inputs.CreateSmartPhraseInput | None = None
    ) -> p.CreateSmartPhrasePayload:
        values = provided(input)
        return run(p.CreateSmartPhrasePayload, lambda: charting.create_smart_phrase(
            info.context.viewer, values.get("name"), values.get("phrase")), "smartPhrase")

    @strawberry.mutation(description="Changes the name and/or text of one of the caller's smart phrases.")
    def updateSmartPhrase(  # noqa: N802
        self, info: Info, input: inputs.UpdateSmartPhraseInput | None = None
    ) -> p.UpdateSmartPhrasePayload:
        values = provided(input)
        return run(p.UpdateSmartPhrasePayload, lambda: charting.update_smart_phrase(
            info.context.viewer, values.get("id"), values.get("name"), values.get("phrase")), "smartPhrase")

    @strawberry.mutation(description="Deletes one of the caller's smart phrases.")
    def deleteSmartPhrase(  # noqa: N802
        self, info: Info, input: inputs.DeleteSmartPhraseInput | None = None
    ) -> p.DeleteSmartPhrasePayload:
        values = provided(input)
        return run(p.DeleteSmartPhrasePayload,
                   lambda: charting.delete_smart_phrase(info.context.viewer, values.get("id")), "smartPhrase")

    @strawberry.mutation(description="Renders the chart note(s) (id and/or form_answer_group_array, one "
                                     "patient) as a PDF and answers that patient; the file itself is downloaded "
                                     "from GET /forms/form_answer_groups/<id>/pdf (docs/forms-charting.md).")
    def generateChartingPdf(  # noqa: N802
        self, info: Info, input: inputs.GenerateChartingPdfInput | None = None
    ) -> p.GenerateChartingPdfPayload:
        values = provided(input)
        return run(p.GenerateChartingPdfPayload, lambda: _generate_pdf(info, values))

    @strawberry.mutation(description="AI-generated notes are not available: answers a message.")
    def convertGeneratedFormAnswerGroup(  # noqa: N802
        self, info: Info, input: inputs.ConvertGeneratedFormAnswerGroupInput | None = None
    ) -> p.ConvertGeneratedFormAnswerGroupPayload:
        return run(p.ConvertGeneratedFormAnswerGroupPayload, lambda: charting.absent_record(
            info.context.viewer, "id", "AI-generated note", "AI-generated notes"))

    @strawberry.mutation(description="AI-generated notes are not available: answers a message.")
    def rejectGeneratedFormAnswerGroup(  # noqa: N802
        self, info: Info, input: inputs.RejectGeneratedFormAnswerGroupInput | None = None
    ) -> p.RejectGeneratedFormAnswerGroupPayload:
        return run(p.RejectGeneratedFormAnswerGroupPayload, lambda: charting.absent_record(
            info.context.viewer, "id", "AI-generated note", "AI-generated notes"))

    @strawberry.mutation(description="AI-generated notes are not available: answers a message.")
    def updateGeneratedFormAnswerGroupFeedback(  # noqa: N802
        self, info: Info, input: inputs.UpdateGeneratedFormAnswerGroupFeedbackInput | None = None
    ) -> p.UpdateGeneratedFormAnswerGroupFeedbackPayload:
        return run(p.UpdateGeneratedFormAnswerGroupFeedbackPayload,
                   lambda: charting.absent_record(info.context.viewer, "id", "AI-generated note", "AI-generated notes"))

    @strawberry.mutation(description="Message drafts are not kept by this product: answers a message.")
    def createDraft(self, info: Info, input: inputs.CreateDraftInput | None = None) -> p.CreateDraftPayload:  # noqa: N802
        values = provided(input)
        return run(p.CreateDraftPayload,
                   lambda: charting.draft_create(info.context.viewer, values.get("conversation_membership_id")))

    @strawberry.mutation(description="Message drafts are not kept by this product: answers a message.")
    def removeDraft(self, info: Info, input: inputs.RemoveDraftInput | None = None) -> p.RemoveDraftPayload:  # noqa: N802
        return run(p.RemoveDraftPayload,
                   lambda: charting.absent_record(info.context.viewer, "id", "Draft", "message drafts"))

    @strawberry.mutation(description="Notification settings are not part of this product: answers a message.")
    def unsubscribeFromNotification(  # noqa: N802
        self, info: Info, input: inputs.UnsubscribeFromNotificationInput | None = None
    ) -> p.UnsubscribeFromNotificationPayload:
        values = provided(input)
        return run(p.UnsubscribeFromNotificationPayload,
                   lambda: charting.unsubscribe(info.context.viewer, values.get("user_id")),
                   failed={"notificationSettingUpdated": False})
