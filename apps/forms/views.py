"""``GET /forms/form_answer_groups/<id>/pdf``: the PDF of one filled-out form.

Authenticated like ``/graphql`` (``Authorization: Basic <api key>``) and scoped by the same
selector, so another organization's note, a hidden patient's or a missing one all answer 404.
``generateChartingPdf`` validates and renders the same document; this is where it is fetched.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.authentication import credential_from_header, spend_request_budget, viewer_for_credential
from apps.core.errors import AccessError, DomainError, ErrorCode
from apps.core.fault_responses import json_error
from apps.forms.services.charting import charting_pdf


@require_GET
def form_answer_group_pdf(request: HttpRequest, group_id: str) -> HttpResponse:
    viewer = viewer_for_credential(credential_from_header(request.headers.get("Authorization")))
    if viewer is None:
        return json_error(401, "Authentication is required: send 'Authorization: Basic <api key>'.",
                          ErrorCode.UNAUTHENTICATED)
    decision = spend_request_budget(viewer)
    if not decision.allowed:
        return json_error(429, f"Rate limit exceeded: {settings.RATE_LIMIT_API_KEY_PER_SECOND} requests per second.",
                          ErrorCode.RATE_LIMITED, Retry_After=str(decision.retry_after))
    try:
        _patient, document = charting_pdf(viewer, group_id)
    except AccessError as error:
        return json_error(403, str(error), error.code)
    except DomainError:
        return json_error(404, "Form answer group not found.", ErrorCode.NOT_FOUND)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="form-answer-group-{int(group_id)}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
