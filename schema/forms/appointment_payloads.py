"""Payloads of the appointment chart note connection mutations."""

from __future__ import annotations

from schema.forms.answer_types import FormAnswerGroupType
from schema.payloads import payload_type
from schema.scheduling.types import AppointmentObjectType

CreateAppointmentFormAnswerGroupConnectionPayload = payload_type(
    "createAppointmentFormAnswerGroupConnectionPayload", appointment=AppointmentObjectType,
    form_answer_group=FormAnswerGroupType)
DeleteAppointmentFormAnswerGroupConnectionPayload = payload_type(
    "deleteAppointmentFormAnswerGroupConnectionPayload", form_answer_group=FormAnswerGroupType)
