"""Faults of the process or its backing services, answered in the API's own JSON shape.

Two kinds of failure can escape a view: the database not answering (restarting, failing
over, unreachable) and bugs. Clients must be able to tell them apart without parsing
text: the first is ``503 SERVICE_UNAVAILABLE`` with ``Retry-After`` (nothing was written,
try again), the second ``500 INTERNAL`` with an error id that the server log repeats. In
every mode — ``DEBUG`` included — neither shows a traceback or settings to the client.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.debug import SafeExceptionReporterFilter

from apps.core.errors import ErrorCode

logger = logging.getLogger("careplatform.http")

JSON = "application/json"
# A PostgreSQL restart or a failover takes about a second; a longer wait only delays recovery.
RETRY_AFTER_SECONDS = 2
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; retry after a few seconds."


CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means "the database did not answer", as opposed to a bug or bad input.

    Django raises its own ``OperationalError``/``InterfaceError`` around driver calls; a few
    paths (a connection that died between requests) surface the driver's classes directly.
    """
    if error is None:
        return False
    driver = getattr(connection, "Database", None)
    kinds: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
    if driver is not None:
        kinds += tuple(k for k in (getattr(driver, "OperationalError", None), getattr(driver, "InterfaceError", None))
                       if isinstance(k, type))
    return isinstance(error, kinds)


def json_error(status: int, message: str, code: str, media_type: str = JSON, *,
               extensions: dict[str, object] | None = None, **headers: str) -> HttpResponse:
    """A GraphQL-shaped error document (``{"errors": [...]}``) as a complete HTTP response.

    ``headers`` use underscores for dashes (``Retry_After="2"``).
    """
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code, **(extensions or {})}}]},
                      separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type=f"{media_type}; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def new_error_id() -> str:
    return uuid.uuid4().hex[:12]


def unavailable_extensions(error_id: str) -> dict[str, object]:
    return {"code": ErrorCode.SERVICE_UNAVAILABLE.value, "retry_after": RETRY_AFTER_SECONDS, "error_id": error_id}


def unavailable_response(error_id: str, media_type: str = JSON) -> HttpResponse:
    extensions = unavailable_extensions(error_id)
    del extensions["code"]
    return json_error(503, UNAVAILABLE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE, media_type, extensions=extensions,
                      Retry_After=str(RETRY_AFTER_SECONDS))


class FaultMiddleware:
    """Answers any exception that escapes a view with the API's JSON instead of Django's 500 page.

    Django's own handler would render the technical page (traceback and settings) under
    ``DEBUG`` and an HTML page otherwise; this runs first, so neither reaches a client.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django's own 404/403/400 handling: the client's mistake, not a fault
        media_type = getattr(request, "graphql_media_type", JSON)
        request_id = getattr(request, "request_id", "-")
        error_id = new_error_id()
        if database_unavailable(exception):
            logger.warning("database unavailable %s during %s %s (request %s): %s", error_id, request.method,
                           request.path, request_id, exception)
            return unavailable_response(error_id, media_type)
        logger.error("unexpected error %s in %s %s (request %s)", error_id, request.method, request.path,
                     request_id, exc_info=exception)
        return json_error(500, f"Internal error (id {error_id}).", ErrorCode.INTERNAL, media_type,
                          extensions={"error_id": error_id})


class NoSettingsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django still renders its technical page under ``DEBUG`` for errors raised by middleware
    (a disallowed ``Host`` header): that page lists no settings at all, not even "safe" ones
    (``REDIS_URL`` and ``DATABASE_URL`` carry passwords that the default filter's name
    patterns miss)."""

    def get_safe_settings(self) -> dict[str, object]:
        return {}

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, object]:
        return {}

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: object) -> list:
        return []  # frame locals hold settings values too (a URL with its password)
