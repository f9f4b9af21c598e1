"""``/graphql`` over HTTP, following the GraphQL-over-HTTP specification.

Strawberry's Django view does the parsing and execution; this subclass adds
authentication, the per-key rate limit, media-type negotiation
(``application/graphql-response+json`` when accepted) and the status codes
the specification prescribes for each media type.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.django.views import TemporalHttpResponse

from apps.accounts.authentication import credential_from_header, spend_request_budget, viewer_for_credential
from apps.accounts.viewer import Viewer
from apps.core.errors import ErrorCode
from apps.core.fault_responses import json_error
from schema.context import Context

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def error_response(status: int, message: str, code: str, media_type: str = JSON, **headers: str) -> HttpResponse:
    return json_error(status, message, code, media_type, **headers)


def preferred_media_type(request: HttpRequest) -> str:
    """``application/graphql-response+json`` when the client lists it, else ``application/json``."""
    accept = request.headers.get("Accept", "")
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def _is_multipart(request: HttpRequest) -> bool:
    return (request.content_type or "").lower() == "multipart/form-data"


def _body_limit(request: HttpRequest) -> int | None:
    return settings.GRAPHQL_MULTIPART_MAX_BYTES if _is_multipart(request) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large(request: HttpRequest) -> bool:
    """Whether the body exceeds its limit (Django would answer its HTML 400): a JSON body
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a multipart upload ``GRAPHQL_MULTIPART_MAX_BYTES`` (its
    file parts are streamed to temporary files by Django's parser, never read here whole)."""
    limit = _body_limit(request)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if limit is not None and declared > limit:
        return True
    if _is_multipart(request):
        return False
    try:
        request.body  # noqa: B018  (reads and caches the body, bounded by the limit)
    except RequestDataTooBig:
        return True
    return False


def is_request_error(response_data: Any) -> bool:
    """Parse and validation failures: no data and no error tied to a field path.

    Field errors during execution can also null ``data``, but those are execution
    results and keep 200 under the GraphQL-over-HTTP specification.
    """
    if not isinstance(response_data, dict) or response_data.get("data") is not None:
        return False
    errors = response_data.get("errors") or []
    return bool(errors) and all(not error.get("path") for error in errors)


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryGraphQLView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        media_type = preferred_media_type(request)
        # Set first: an outage during the credential lookup below is answered in this media type
        # (apps.core.fault_responses.FaultMiddleware).
        request.graphql_media_type = media_type
        if request.method not in ("GET", "POST"):
            return error_response(405, "GraphQL accepts GET (queries) and POST.", ErrorCode.METHOD_NOT_ALLOWED,
                                  media_type, Allow="GET, POST")
        viewer = viewer_for_credential(credential_from_header(request.headers.get("Authorization")))
        request.viewer = viewer or Viewer.anonymous()
        if viewer is not None:
            decision = spend_request_budget(viewer)
            if not decision.allowed:
                limit = settings.RATE_LIMIT_API_KEY_PER_SECOND
                return error_response(429, f"Rate limit exceeded: {limit} requests per second.",
                                      ErrorCode.RATE_LIMITED, media_type, Retry_After=str(decision.retry_after))
        if request.method == "POST" and _too_large(request):
            limit = _body_limit(request)
            return error_response(413, f"The request body is larger than {limit} bytes.", ErrorCode.PAYLOAD_TOO_LARGE,
                                  media_type)
        # File parts of a multipart upload (the Upload scalar) are binary; its JSON parts are
        # parsed by the multipart handler.
        if request.method == "POST" and not _is_multipart(request) and not _is_utf8(request.body):
            # The HTTP adapter decodes the body before parsing it; undecodable bytes would be a 500.
            return error_response(400, "The request body is not valid UTF-8.", ErrorCode.BAD_REQUEST, media_type)
        try:
            return self.run(request=request)
        except HTTPException as error:
            status = error.status_code
            if error.reason == "Unsupported content type":
                status = 415
            if error.reason.endswith("are not allowed when using GET"):
                # GraphQL-over-HTTP: a mutation sent with GET is 405 Method Not Allowed.
                return error_response(405, "Mutations are only accepted over POST.", ErrorCode.METHOD_NOT_ALLOWED,
                                      media_type, Allow="POST")
            return error_response(status, error.reason, ErrorCode.BAD_REQUEST, media_type)

    def parse_json(self, data: str | bytes) -> Any:
        """A JSON object (or a batch of them); anything else is a 400, never a 500."""
        try:
            value = self.decode_json(data)
        except (ValueError, UnicodeError) as error:  # JSONDecodeError is a ValueError
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, dict) for item in items):
            raise HTTPException(400, "The request body must be a JSON object with a 'query'.")
        return value

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, viewer=getattr(request, "viewer", Viewer.anonymous()))

    def create_response(self, response_data: Any, sub_response: TemporalHttpResponse) -> HttpResponse:
        response = super().create_response(response_data, sub_response)
        media_type = getattr(self.request, "graphql_media_type", JSON)
        response["Content-Type"] = f"{media_type}; charset=utf-8"
        if media_type == GRAPHQL_RESPONSE and response.status_code == 200 and is_request_error(response_data):
            response.status_code = 400
        return response
