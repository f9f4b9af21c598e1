"""Input parsing shared by the scheduling services (all problems go to a Collector)."""

from __future__ import annotations

import datetime as dt

from apps.accounts.models import User
from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, ErrorCode
from apps.core.timefmt import TimeFormatError, get_zone, parse_clock, parse_date, parse_datetime
from apps.scheduling.limits import MAX_IDS, YEAR_MESSAGE, in_years
from apps.scheduling.selectors import active_providers


def int_in_range(errors: Collector, field: str, value: object, low: int, high: int) -> int | None:
    """An integer from an Int or a numeric String argument (``buffer: "15"``)."""
    if value is None:
        return None
    text = str(value).strip()
    # ASCII only: str.isdigit also accepts "²" (int() raises) and "١٥" (int() reads 15).
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 9:
        errors.add(field, "must be a whole number")
        return None
    number = int(text)
    if not low <= number <= high:
        errors.add(field, f"must be between {low} and {high}")
        return None
    return number


def zone_or_error(errors: Collector, field: str, name: str | None, default: str):
    try:
        return get_zone(name if name not in (None, "") else default)
    except TimeFormatError as error:
        errors.add(field, str(error))
        return None


def date_or_error(errors: Collector, field: str, value: str | None, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.add(field, f"{field} is required, like August 16, 2022")
        return None
    try:
        day = parse_date(value)
    except TimeFormatError as error:
        errors.add(field, str(error))
        return None
    if not in_years(day):
        errors.add(field, YEAR_MESSAGE)
        return None
    return day


def clock_or_error(errors: Collector, field: str, value: str | None, *, required: bool = False) -> dt.time | None:
    if value in (None, ""):
        if required:
            errors.add(field, f"{field} is required, like 07 30")
        return None
    try:
        return parse_clock(value)
    except TimeFormatError as error:
        errors.add(field, str(error))
        return None


def datetime_or_error(errors: Collector, field: str, value: str | None, zone) -> dt.datetime | None:
    try:
        moment = parse_datetime(value, zone)
    except (TimeFormatError, OverflowError) as error:
        errors.add(field, str(error) if isinstance(error, TimeFormatError) else YEAR_MESSAGE)
        return None
    if not in_years(moment):
        errors.add(field, YEAR_MESSAGE)
        return None
    return moment


def org_provider(viewer: Viewer, errors: Collector, field: str, value: object) -> User | None:
    """An active provider of the viewer's organization; the viewer when ``value`` is empty."""
    if value in (None, ""):
        if viewer.is_member:
            return viewer.user
        errors.add(field, "Provider is required")
        return None
    pk = parse_id(value)
    provider = active_providers().filter(organization_id=viewer.organization_id, pk=pk).first() if pk else None
    if provider is None:
        errors.add(field, "Provider not found", ErrorCode.NOT_FOUND)
    return provider


def id_list(value: object) -> list[int | None]:
    """Comma-separated ids (``"1,2"``) as parsed ids; None marks an entry that is not an id."""
    if value in (None, ""):
        return []
    parts = [part for part in str(value).split(",") if part.strip()]
    if len(parts) > MAX_IDS:
        return [None]  # reported by the caller like any other malformed list
    return [parse_id(part.strip()) for part in parts]
