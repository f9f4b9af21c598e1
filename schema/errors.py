"""Top-level GraphQL errors: domain errors get their ``extensions.code``, everything else is masked.

Mutation payloads carry input problems as ``messages`` (``schema/payloads.py``); what
reaches this formatter is what has no payload to go to: credentials, permissions, rate
limits, query arguments and missing ids on queries, and bugs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import strawberry
from django.db import DataError
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from apps.core import fault_responses
from apps.core.errors import DomainError, ErrorCode, RateLimited, ValidationFailed

logger = logging.getLogger("careplatform.graphql")


@strawberry.type(name="FieldError")
class FieldErrorType:
    field: str | None
    message: str
    # Not in the published API: an addition clients may select to branch on without parsing the
    # message. Clients selecting only ``field``/``message`` see exactly the documented shape.
    code: str | None = strawberry.field(
        default=ErrorCode.BAD_USER_INPUT.value,
        description="Machine-readable reason: BAD_USER_INPUT for invalid input, SLOT_UNAVAILABLE when "
                    "the chosen time was taken meanwhile, NOT_FOUND for an id the caller cannot see.",
    )


def extensions_for(error: DomainError) -> dict[str, Any]:
    """``extensions`` of the top-level error that stands for ``error``."""
    extensions: dict[str, Any] = {"code": error.code.value}
    if isinstance(error, RateLimited):
        extensions["retry_after"] = error.retry_after
    elif isinstance(error, ValidationFailed):
        extensions["messages"] = [{"field": m.field, "message": m.message} for m in error.messages]
    return extensions


def graphql_error(error: DomainError) -> GraphQLError:
    """A domain error as a top-level GraphQL error, for transports that bypass the formatter."""
    return GraphQLError(str(error), extensions=extensions_for(error))


class ErrorFormatter(SchemaExtension):
    """Gives domain errors their ``extensions.code`` and masks everything unexpected.

    Unexpected exceptions reach the client as "Internal error" plus an error id;
    the traceback is logged under the same id.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not result or not getattr(result, "errors", None):
            return
        result.errors = [self._format(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # A WebSocket transport sends each result as it is yielded, long before on_operation ends
        # (a subscription's errors would otherwise leave unmasked, "Error 111 connecting to ...").
        if getattr(result, "errors", None):
            result.errors = [self._format(error) for error in result.errors]
        yield

    def _format(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None:
            return error  # parse/validation errors: safe and useful as they are
        if isinstance(original, DomainError):
            if isinstance(original, RateLimited):
                self._mark_rate_limited(original.retry_after)
            return self._copy(error, str(original), extensions_for(original))
        if fault_responses.database_unavailable(original):
            # A restart or failover, not a bug: the transaction rolled back, the client retries.
            self._mark_unavailable()
            error_id = fault_responses.new_error_id()
            request = getattr(self.execution_context.context, "request", None)
            logger.warning("database unavailable %s in %s (request %s): %s", error_id, error.path,
                           getattr(request, "request_id", "-"), original)
            return self._copy(error, fault_responses.UNAVAILABLE_MESSAGE,
                              fault_responses.unavailable_extensions(error_id))
        if isinstance(original, DataError):
            # The database refused a value (a NUL character, a number out of range): the
            # client's input, not our fault. Validation should catch these first; this is the net.
            error_id = uuid.uuid4().hex[:12]
            logger.warning("database refused a value %s in %s: %s", error_id, error.path, original)
            return self._copy(error, f"A value was refused by the database (id {error_id}).",
                              {"code": ErrorCode.BAD_USER_INPUT.value, "error_id": error_id})
        if isinstance(original, GraphQLError) and original.original_error is None:
            # Argument coercion problems raised by graphql-core itself.
            return self._copy(error, error.message, {"code": ErrorCode.BAD_USER_INPUT.value})
        error_id = uuid.uuid4().hex[:12]
        request = getattr(self.execution_context.context, "request", None)
        logger.error("unexpected error %s in %s (request %s)", error_id, error.path,
                     getattr(request, "request_id", "-"), exc_info=original)
        return self._copy(error, f"Internal error (id {error_id}).",
                          {"code": ErrorCode.INTERNAL.value, "error_id": error_id})

    def _mark_rate_limited(self, retry_after: int) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)

    def _mark_unavailable(self) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response["Retry-After"] = str(fault_responses.RETRY_AFTER_SECONDS)

    @staticmethod
    def _copy(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )
