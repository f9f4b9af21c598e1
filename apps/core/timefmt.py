"""The documented date and time formats, parsed and formatted in one place.

Inputs seen in the published API: ISO 8601 (``2022-08-16T07:30:00-04:00``),
``YYYY-MM-DD HH:MM:SS`` (interpreted in a given timezone), plain dates
(``YYYY-MM-DD``), long dates (``August 16, 2022``) and clock times written as
``07 30``. Output timestamps follow ``2021-10-10 10:00:00 -0400``.
All values are stored in UTC; conversions use IANA zones from ``zoneinfo``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone as dj_timezone

UTC = dt.UTC
OUTPUT_FORMAT = "%Y-%m-%d %H:%M:%S %z"
_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
_LONG_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y")
_CLOCK = re.compile(r"^\s*(\d{1,2})[ :](\d{2})\s*$")


class TimeFormatError(ValueError):
    """The text is not in any accepted format; the message says which formats are."""


def get_zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """An IANA zone; raises TimeFormatError for names that do not exist."""
    candidate = (name or default).strip()
    if not candidate or len(candidate) > 64 or ".." in candidate or candidate.startswith("/"):
        raise TimeFormatError(f"'{name}' is not a known IANA timezone (like America/New_York).")
    try:
        return ZoneInfo(candidate)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TimeFormatError(f"'{name}' is not a known IANA timezone (like America/New_York).") from error


def is_valid_timezone(name: str) -> bool:
    try:
        get_zone(name)
    except TimeFormatError:
        return False
    return True


def known_timezones() -> set[str]:
    return available_timezones()


def parse_datetime(text: str, tz: str | ZoneInfo | None = None) -> dt.datetime:
    """An aware datetime from ISO 8601 or ``YYYY-MM-DD HH:MM:SS``.

    A value without an offset is read in ``tz`` (UTC when not given). Ambiguous
    or non-existent local times around DST changes resolve with ``fold=0``, the
    first occurrence, which matches how calendars show them.
    """
    if not isinstance(text, str) or not text.strip():
        raise TimeFormatError("A date and time is required, like 2022-08-16T07:30:00-04:00.")
    raw = text.strip()
    zone = tz if isinstance(tz, ZoneInfo) else get_zone(tz)
    value: dt.datetime | None = None
    for fmt in _LOCAL_FORMATS:
        try:
            value = dt.datetime.strptime(raw, fmt)
            break
        except ValueError:
            continue
    if value is None:
        candidate = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
        try:
            value = dt.datetime.fromisoformat(candidate)
        except ValueError:
            # "2021-10-10 10:00:00 -0400", the output format, is also accepted back.
            try:
                value = dt.datetime.strptime(raw, OUTPUT_FORMAT)
            except ValueError as error:
                raise TimeFormatError(
                    f"'{text[:40]}' is not a valid date and time; use ISO 8601 "
                    "(2022-08-16T07:30:00-04:00) or YYYY-MM-DD HH:MM:SS."
                ) from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def parse_date(text: str) -> dt.date:
    """A calendar date from ``YYYY-MM-DD`` or ``August 16, 2022``."""
    if not isinstance(text, str) or not text.strip():
        raise TimeFormatError("A date is required, like 2022-08-16 or August 16, 2022.")
    raw = text.strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    for fmt in _LONG_DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise TimeFormatError(f"'{text[:40]}' is not a valid date; use YYYY-MM-DD or 'August 16, 2022'.")


def parse_clock(text: str) -> dt.time:
    """A wall-clock time written ``07 30`` (the documented availability format) or ``07:30``."""
    match = _CLOCK.match(text or "")
    if not match:
        raise TimeFormatError(f"'{(text or '')[:20]}' is not a valid time; use HH MM like '07 30'.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise TimeFormatError(f"'{text}' is not a valid time of day.")
    return dt.time(hour, minute)


def format_datetime(value: dt.datetime | None, tz: str | ZoneInfo | None = None) -> str | None:
    """``2021-10-10 10:00:00 -0400`` in ``tz`` (UTC when not given)."""
    if value is None:
        return None
    zone = tz if isinstance(tz, ZoneInfo) else get_zone(tz)
    if dj_timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).strftime(OUTPUT_FORMAT)


def format_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def now() -> dt.datetime:
    return dj_timezone.now()
