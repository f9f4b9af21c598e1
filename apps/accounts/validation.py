"""Input checks shared by the account services; each adds to a ``Collector``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from zxcvbn import zxcvbn

from apps.core.errors import Collector
from apps.core.timefmt import is_valid_timezone

MIN_PASSWORD_LENGTH = 8
MIN_PASSWORD_SCORE = 2  # zxcvbn 0-4; 2 refuses dictionary words, keyboard walks and repeats
LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "legal_name": 200,
    "email": 254,
    "phone_number": 40,
    "record_identifier": 100,
    "gender": 40,
    "name": 255,
    "title": 100,
    "npi": 20,
    "line1": 255,
    "line2": 255,
    "city": 100,
    "state": 50,
    "zip": 20,
    "qualifications": 255,
}


def clean_text(
    errors: Collector, field: str, value: str | None, *, required: bool = False, limit: int | None = None
) -> str | None:
    """Strips and length-checks; ``None`` means "not given".

    ``limit`` overrides the per-field default: it must match the column's ``max_length``
    (PostgreSQL refuses longer values with an error instead of a message).
    """
    if value is None:
        if required:
            errors.add(field, f"{field.replace('_', ' ').capitalize()} can't be blank")
        return None
    text = value.strip()
    if "\x00" in text:
        errors.add(field, "contains a character that is not allowed")
        return None
    if required and not text:
        errors.add(field, f"{field.replace('_', ' ').capitalize()} can't be blank")
        return None
    limit = limit or LIMITS.get(field, 255)
    if len(text) > limit:
        errors.add(field, f"is too long (maximum is {limit} characters)")
        return None
    return text


def clean_email(errors: Collector, value: str | None, *, required: bool = False, field: str = "email") -> str | None:
    text = clean_text(errors, field, value, required=required)
    if text is None or text == "":
        return text
    try:
        validate_email(text)
    except ValidationError:
        errors.add(field, "is not a valid e-mail address")
        return None
    return text.lower()


def check_password(errors: Collector, password: str | None, *, user_inputs: list[str] | None = None) -> None:
    if password is None:
        return
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.add("password", f"is too short (minimum is {MIN_PASSWORD_LENGTH} characters)")
        return
    if len(password) > 128:
        errors.add("password", "is too long (maximum is 128 characters)")
        return
    result = zxcvbn(password, user_inputs=[u for u in (user_inputs or []) if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        errors.add("password", "is too weak; use a longer password or an unusual phrase")


def check_timezone(errors: Collector, value: str | None) -> str | None:
    if value is None or value == "":
        return value
    if not is_valid_timezone(value):
        errors.add("timezone", "is not a known timezone (use an IANA name like America/New_York)")
        return None
    return value.strip()
