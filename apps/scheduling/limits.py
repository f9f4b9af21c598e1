"""Input bounds shared by scheduling reads and writes."""

from __future__ import annotations

import datetime as dt

# Calendar arithmetic near year 1 or 9999 overflows; nothing real is booked outside this.
FIRST_YEAR, LAST_YEAR = 1970, 2200
YEAR_MESSAGE = f"must be between the years {FIRST_YEAR} and {LAST_YEAR}"
# Comma-separated id lists (attendees, providers) longer than this are refused.
MAX_IDS = 100


def in_years(value: dt.date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR
