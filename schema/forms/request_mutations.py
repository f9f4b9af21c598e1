"""Form request mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.forms.services import requests as services
from schema.context import Info
from schema.forms import request_inputs as inputs
from schema.forms.request_payloads import (
    CreateRequestedFormPayload,
    DeleteRequestedFormPayload,
    DestroyRecurringFormPayload,
    RequestedFormStatusType,
    UpdateRecurringFormPayload,
)
from schema.payloads import provided, run


def _created(info: Info, values: dict) -> dict:
    request = services.request_create(info.context.viewer, inputs.request_create(values))
    return {"requestedFormCompletion": request,
            "requestedFormCompletionStatus": RequestedFormStatusType(status=request.status)}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Asks one or more patients to fill out a form, once or on a schedule "
                                     "(is_recurring); returns the first request.")
    def createRequestedFormCompletion(  # noqa: N802
        self, info: Info, input: inputs.CreateRequestedFormInput | None = None,
    ) -> CreateRequestedFormPayload:
        values = provided(input)
        return run(CreateRequestedFormPayload, lambda: _created(info, values))

    @strawberry.mutation(description="Deletes a form request; with recurringFormId also stops that recurrence.")
    def deleteRequestedFormCompletion(  # noqa: N802
        self, info: Info, input: inputs.DeleteRequestedFormInput | None = None,
    ) -> DeleteRequestedFormPayload:
        values = provided(input)
        return run(DeleteRequestedFormPayload, lambda: services.request_delete(
            info.context.viewer, request_id=values.get("id"), recurring_form_id=values.get("recurringFormId")),
            "requestedFormCompletion")

    @strawberry.mutation(description="Stops a recurring form request (no further requests are issued).")
    def deleteRecurringForm(  # noqa: N802
        self, info: Info, input: inputs.DestroyRecurringFormInput | None = None,
    ) -> DestroyRecurringFormPayload:
        values = provided(input)
        return run(DestroyRecurringFormPayload, lambda: services.recurring_form_delete(
            info.context.viewer, recurring_form_id=values.get("id")), "recurringForm")

    @strawberry.mutation(description="Changes the schedule of a recurring form request, or stops it "
                                     "(is_active false).")
    def updateRecurringForm(  # noqa: N802
        self, info: Info, input: inputs.UpdateRecurringFormInput | None = None,
    ) -> UpdateRecurringFormPayload:
        values = provided(input)
        data = services.RequestCreate(
            frequency=values.get("frequency"), period=values.get("period"), minute=values.get("minute"),
            hour=values.get("hour"), weekday=values.get("weekday"), monthday=values.get("monthday"),
            recurrence_ends=bool(values.get("recurrence_ends")), ends_on=values.get("ends_on"))
        return run(UpdateRecurringFormPayload, lambda: services.recurring_form_update(
            info.context.viewer, recurring_form_id=values.get("id"), data=data,
            is_active=values.get("is_active")), "recurringForm")
