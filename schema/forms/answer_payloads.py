"""Payloads of the filled-out form mutations (each with the documented ``messages`` list)."""

from __future__ import annotations

from schema.forms.answer_types import FormAnswerGroupType
from schema.payloads import payload_type

CreateFormAnswerGroupPayload = payload_type("createFormAnswerGroupPayload", form_answer_group=FormAnswerGroupType)
UpdateFormAnswerGroupPayload = payload_type("updateFormAnswerGroupPayload", form_answer_group=FormAnswerGroupType)
DeleteFormAnswerGroupPayload = payload_type("deleteFormAnswerGroupPayload", form_answer_group=FormAnswerGroupType)
