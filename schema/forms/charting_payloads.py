"""Payloads of the charting mutations (each with the documented ``messages`` list)."""

from __future__ import annotations

from schema.accounts.types import UserType
from schema.forms.answer_types import FormAnswerGroupType
from schema.forms.charting_types import (
    ChartingNoteAddendumType,
    DraftType,
    FormAnswerGroupSigningType,
    GeneratedFormAnswerGroupType,
    SmartPhraseType,
)
from schema.payloads import payload_type

LockPayload = payload_type("LockPayload", form_answer_group=FormAnswerGroupType)
UnlockPayload = payload_type("UnlockPayload", form_answer_group=FormAnswerGroupType)
SignPayload = payload_type("SignPayload", form_answer_group=FormAnswerGroupType,
                           form_answer_group_signing=FormAnswerGroupSigningType)
CreateFormAnswerGroupSigningPayload = payload_type("createFormAnswerGroupSigningPayload",
                                                   formAnswerGroupSigning=FormAnswerGroupSigningType)
DeleteFormAnswerGroupSigningPayload = payload_type("deleteFormAnswerGroupSigningPayload",
                                                   formAnswerGroupSigning=FormAnswerGroupSigningType)
CreateAddendumPayload = payload_type("createAddendumPayload", addendum=ChartingNoteAddendumType)
UpdateAddendumPayload = payload_type("updateAddendumPayload", addendum=ChartingNoteAddendumType)
CreateSmartPhrasePayload = payload_type("createSmartPhrasePayload", smartPhrase=SmartPhraseType)
UpdateSmartPhrasePayload = payload_type("updateSmartPhrasePayload", smartPhrase=SmartPhraseType)
DeleteSmartPhrasePayload = payload_type("deleteSmartPhrasePayload", smartPhrase=SmartPhraseType)
CreateDraftPayload = payload_type("createDraftPayload", draft=DraftType)
RemoveDraftPayload = payload_type("removeDraftPayload", draft=DraftType)
GenerateChartingPdfPayload = payload_type("generateChartingPdfPayload", user=UserType)
ConvertGeneratedFormAnswerGroupPayload = payload_type(
    "convertGeneratedFormAnswerGroupPayload", form_answer_group=FormAnswerGroupType,
    generated_form_answer_group=GeneratedFormAnswerGroupType)
RejectGeneratedFormAnswerGroupPayload = payload_type(
    "rejectGeneratedFormAnswerGroupPayload", generated_form_answer_group=GeneratedFormAnswerGroupType)
UpdateGeneratedFormAnswerGroupFeedbackPayload = payload_type(
    "updateGeneratedFormAnswerGroupFeedbackPayload", generated_form_answer_group=GeneratedFormAnswerGroupType)
UnsubscribeFromNotificationPayload = payload_type("unsubscribeFromNotificationPayload",
                                                  notificationSettingUpdated=bool)
