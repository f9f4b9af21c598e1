"""Error mapping: domain errors to ``messages`` payloads or coded GraphQL errors, and masking."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import strawberry
from django.db import DataError
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from apps.core.errors import AccessError, FieldMessage, RateLimited, ValidationFailed

logger = logging.getLogger("careplatform.graphql")


@strawberry.type(name="FieldError")
class FieldErrorType:
    field: str | None
    message: str
    # Not in the published API: an addition clients may select to branch on without parsing the
    # message. Clients selecting only ``field``/``message`` see exactly the documented shape.
    code: str | None = strawberry.field(
        default="BAD_USER_INPUT",
        description="Machine-readable reason: BAD_USER_INPUT for invalid input, SLOT_UNAVAILABLE when "
                    "the chosen time was taken meanwhile, NOT_FOUND for an id the caller cannot see.",
    )


def to_messages(error: ValidationFailed | list[FieldMessage]) -> list[FieldErrorType]:
    if isinstance(error, ValidationFailed):
        return [FieldErrorType(field=m.field, message=m.message, code=error.code) for m in error.messages]
    return [FieldErrorType(field=m.field, message=m.message) for m in error]


class ErrorFormatter(SchemaExtension):
    """Gives coded errors their ``extensions.code`` and masks everything unexpected.

    Unexpected exceptions reach the client as "Internal error" plus an error id;
    the traceback is logged under the same id.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not result or not getattr(result, "errors", None):
            return
        formatted: list[GraphQLError] = []
        for error in result.errors:
            original = error.original_error
            if original is None:
                formatted.append(error)  # parse/validation errors: safe and useful as they are
                continue
            if isinstance(original, RateLimited):
                extensions = {"code": original.code, "retry_after": original.retry_after}
                formatted.append(self._copy(error, str(original), extensions))
                self._mark_rate_limited(original.retry_after)
            elif isinstance(original, AccessError):
                formatted.append(self._copy(error, str(original), {"code": original.code}))
            elif isinstance(original, ValidationFailed):
                extensions = {
                    "code": original.code,
                    "messages": [{"field": m.field, "message": m.message} for m in original.messages],
                }
                formatted.append(self._copy(error, str(original), extensions))
            elif isinstance(original, DataError):
                # The database refused a value (a NUL character, a number out of range): the
                # client's input, not our fault. Validation should catch these first; this is the net.
                error_id = uuid.uuid4().hex[:12]
                logger.warning("database refused a value %s in %s: %s", error_id, error.path, original)
                formatted.append(self._copy(error, f"A value was refused by the database (id {error_id}).",
                                            {"code": "BAD_USER_INPUT", "error_id": error_id}))
            elif isinstance(original, GraphQLError) and original.original_error is None:
                # Argument coercion problems raised by graphql-core itself.
                formatted.append(self._copy(error, error.message, {"code": "BAD_USER_INPUT"}))
            else:
                error_id = uuid.uuid4().hex[:12]
                request = getattr(self.execution_context.context, "request", None)
                logger.error("unexpected error %s in %s (request %s)", error_id, error.path,
                             getattr(request, "request_id", "-"), exc_info=original)
                formatted.append(
                    self._copy(error, f"Internal error (id {error_id}).", {"code": "INTERNAL", "error_id": error_id})
                )
        result.errors = formatted

    def _mark_rate_limited(self, retry_after: int) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)

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
