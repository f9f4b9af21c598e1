"""Inputs of the appointment chart note connection mutations."""

from __future__ import annotations

import strawberry


@strawberry.input(name="createAppointmentFormAnswerGroupConnectionInput")
class CreateAppointmentFormAnswerGroupConnectionInput:
    appointment_id: strawberry.ID | None = strawberry.UNSET
    form_answer_group_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(name="deleteAppointmentFormAnswerGroupConnectionInput")
class DeleteAppointmentFormAnswerGroupConnectionInput:
    form_answer_group_id: strawberry.ID | None = strawberry.UNSET
