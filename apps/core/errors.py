"""The domain error vocabulary shared by every app.

Services raise these; one mapper in ``schema/errors.py`` turns them into the
documented ``messages { field message }`` payload (input problems) or into a
GraphQL error with ``extensions.code`` (authorization problems).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldMessage:
    field: str
    message: str


@dataclass
class ValidationFailed(Exception):
    """One or more input or business-rule problems; nothing was written."""

    messages: list[FieldMessage] = field(default_factory=list)
    code: str = "BAD_USER_INPUT"

    @classmethod
    def single(cls, field_name: str, message: str, code: str = "BAD_USER_INPUT") -> ValidationFailed:
        return cls([FieldMessage(field_name, message)], code)

    def __str__(self) -> str:
        return "; ".join(f"{m.field}: {m.message}" for m in self.messages)


class AccessError(Exception):
    """Base for errors surfaced as top-level GraphQL errors with ``extensions.code``."""

    code = "FORBIDDEN"
    default_message = "You are not allowed to do this."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class Unauthenticated(AccessError):
    code = "UNAUTHENTICATED"
    default_message = "Authentication is required: send 'Authorization: Basic <api key>'."


class Forbidden(AccessError):
    code = "FORBIDDEN"


class NotFound(AccessError):
    """Also used for records of other organizations, so they look exactly like missing ones."""

    code = "NOT_FOUND"
    default_message = "Not found."


class BadUserInput(AccessError):
    """A query argument problem (there is no payload to carry ``messages`` on queries)."""

    code = "BAD_USER_INPUT"
    default_message = "Invalid argument."


class RateLimited(AccessError):
    code = "RATE_LIMITED"
    default_message = "Rate limit exceeded."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Collector:
    """Accumulates field messages so a service can report every problem at once."""

    def __init__(self) -> None:
        self.messages: list[FieldMessage] = []

    def add(self, field_name: str, message: str) -> None:
        self.messages.append(FieldMessage(field_name, message))

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationFailed(list(self.messages))
