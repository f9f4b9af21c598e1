"""Payloads of the form request mutations (each with the documented ``messages`` list)."""

from __future__ import annotations

import strawberry

from schema.forms.request_types import RecurringFormType, RequestedFormCompletionType
from schema.payloads import payload_type


@strawberry.type(name="RequestedFormStatusType")
class RequestedFormStatusType:
    status: str | None = None


CreateRequestedFormPayload = payload_type("createRequestedFormPayload",
                                          requestedFormCompletion=RequestedFormCompletionType,
                                          requestedFormCompletionStatus=RequestedFormStatusType)
DeleteRequestedFormPayload = payload_type("deleteRequestedFormPayload",
                                          requestedFormCompletion=RequestedFormCompletionType)
DestroyRecurringFormPayload = payload_type("destroyRecurringFormPayload", recurringForm=RecurringFormType)
UpdateRecurringFormPayload = payload_type("updateRecurringFormPayload", recurringForm=RecurringFormType)
