"""The one error vocabulary of every app, and its codes.

Services raise these; ``schema/payloads.py`` maps them onto a mutation payload's
``messages { field message code }`` and ``schema/errors.py`` onto top-level GraphQL
errors with ``extensions.code``. There are three families:

- input problems (``ValidationFailed``): the client sent a bad value. On a mutation they
  become ``messages`` entries naming the input field; on a query a top-level
  ``BAD_USER_INPUT`` error (there is no payload to carry them).
- ``NotFound``: an id that does not exist, or that the caller may not see. It names the
  input field that carried the id, like an input problem, so a foreign id and a missing id
  answer the same way everywhere.
- access problems (``AccessError``): who is asking, not what they sent. Always top-level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Every machine-readable code a client can see, in ``messages`` or ``extensions.code``."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    # The card issuer (through Stripe) refused a charge; nothing was paid.
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    # The payment processor is not configured for the organization, or did not answer.
    PAYMENT_UNAVAILABLE = "PAYMENT_UNAVAILABLE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    # The database (or another backing service) did not answer: retry after ``Retry-After``.
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # The HTTP and WebSocket layers' own refusals (no operation ran).
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    FELL_BEHIND = "FELL_BEHIND"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class FieldMessage:
    field: str | None
    message: str
    code: ErrorCode = ErrorCode.BAD_USER_INPUT


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT


class ValidationFailed(DomainError):
    """One or more input or business-rule problems; nothing was written.

    ``ValidationFailed("email", "is taken")`` names one problem; ``ValidationFailed.of(...)``
    carries several (a ``Collector``'s).
    """

    def __init__(self, field: str | None, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> None:
        self.messages: list[FieldMessage] = [FieldMessage(field, message, ErrorCode(code))]
        super().__init__(str(self))

    @classmethod
    def of(cls, messages: list[FieldMessage]) -> ValidationFailed:
        if not messages:
            raise ValueError("ValidationFailed needs at least one message")
        error = cls(messages[0].field, messages[0].message, messages[0].code)
        error.messages = list(messages)
        error.args = (str(error),)
        return error

    @property
    def code(self) -> ErrorCode:  # type: ignore[override]
        return self.messages[0].code

    def __str__(self) -> str:
        # The field travels beside the message (``messages``' field, ``extensions.messages``).
        return "; ".join(m.message for m in self.messages)


class NotFound(DomainError):
    """A missing id, and also an id of another organization or of a hidden patient.

    ``field`` is the input field (or query argument) that carried the id.
    """

    code = ErrorCode.NOT_FOUND

    def __init__(self, field: str | None = "id", message: str = "Not found.") -> None:
        self.field = field
        super().__init__(message)

    def as_message(self) -> FieldMessage:
        return FieldMessage(self.field, str(self), ErrorCode.NOT_FOUND)


class AccessError(DomainError):
    """Who is asking is not allowed: always a top-level error with ``extensions.code``."""

    code = ErrorCode.FORBIDDEN
    default_message = "You are not allowed to do this."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class Unauthenticated(AccessError):
    code = ErrorCode.UNAUTHENTICATED
    default_message = "Authentication is required: send 'Authorization: Basic <api key>'."


class Forbidden(AccessError):
    code = ErrorCode.FORBIDDEN


class RateLimited(AccessError):
    code = ErrorCode.RATE_LIMITED
    default_message = "Rate limit exceeded."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Collector:
    """Accumulates field messages so a service can report every problem at once."""

    def __init__(self) -> None:
        self.messages: list[FieldMessage] = []

    def add(self, field_name: str, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> None:
        self.messages.append(FieldMessage(field_name, message, code))

    def has(self, field_name: str) -> bool:
        return any(m.field == field_name for m in self.messages)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationFailed.of(self.messages)
