"""Shared helpers for mutation resolvers: provided-input extraction and the messages mapper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from apps.core.errors import ValidationFailed
from schema.errors import FieldErrorType, to_messages

T = TypeVar("T")


def provided(data: object | None) -> dict[str, Any]:
    """The input fields the client actually sent (``UNSET`` ones are left out)."""
    if data is None:
        return {}
    return {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}


def attempt(call: Callable[[], T]) -> tuple[T | None, list[FieldErrorType]]:
    """Runs a service; input problems become the documented ``messages`` list."""
    try:
        return call(), []
    except ValidationFailed as error:
        return None, to_messages(error)
