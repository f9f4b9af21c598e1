"""Connecting a filled-out form to an appointment as the session's chart note: one service call each."""

from __future__ import annotations

import strawberry

from apps.forms.services import appointments
from schema.context import Info
from schema.forms.appointment_inputs import (
    CreateAppointmentFormAnswerGroupConnectionInput,
    DeleteAppointmentFormAnswerGroupConnectionInput,
)
from schema.forms.appointment_payloads import (
    CreateAppointmentFormAnswerGroupConnectionPayload,
    DeleteAppointmentFormAnswerGroupConnectionPayload,
)
from schema.payloads import provided, run


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Makes a filled-out form the chart note (form_answer_group) of an appointment "
                                     "with the form's patient.")
    def createAppointmentFormAnswerGroupConnection(  # noqa: N802
        self, info: Info, input: CreateAppointmentFormAnswerGroupConnectionInput | None = None
    ) -> CreateAppointmentFormAnswerGroupConnectionPayload:
        def connect() -> dict:
            values = provided(input)
            appointment, group = appointments.appointment_form_connect(
                info.context.viewer, appointment_id=values.get("appointment_id"),
                form_answer_group_id=values.get("form_answer_group_id"))
            return {"appointment": appointment, "form_answer_group": group}

        return run(CreateAppointmentFormAnswerGroupConnectionPayload, connect)

    @strawberry.mutation(description="Removes the chart note connection of a filled-out form from its appointment "
                                     "(the form stays).")
    def deleteAppointmentFormAnswerGroupConnection(  # noqa: N802
        self, info: Info, input: DeleteAppointmentFormAnswerGroupConnectionInput | None = None
    ) -> DeleteAppointmentFormAnswerGroupConnectionPayload:
        return run(DeleteAppointmentFormAnswerGroupConnectionPayload, lambda: appointments.appointment_form_disconnect(
            info.context.viewer, form_answer_group_id=provided(input).get("form_answer_group_id")),
            "form_answer_group")
