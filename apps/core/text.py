"""Checks on free-text arguments that reach SQL filters."""

from __future__ import annotations

from apps.core.errors import ValidationFailed


def reject_nul(value: str | None, argument: str) -> str | None:
    """Refuses a NUL character: PostgreSQL cannot store or compare it (it raises DataError)."""
    if value is not None and "\x00" in value:
        raise ValidationFailed(argument, f"'{argument}' contains a character that is not allowed.")
    return value
