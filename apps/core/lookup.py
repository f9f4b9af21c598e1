"""Looking one record up by a client-supplied id inside an already scoped queryset."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from apps.core.errors import NotFound

M = TypeVar("M", bound=Model)

MAX_ID_DIGITS = 18  # stays inside a signed 64-bit integer


def parse_id(value: object) -> int | None:
    """A positive database id from an ``ID``/``String`` argument, or ``None`` when it is not one.

    Only ASCII digits count: ``str.isdigit`` also accepts superscripts and other scripts'
    digits, which ``int()`` either refuses or silently reads as another number; and no
    surrounding whitespace, so one record has one spelling. Comma-separated lists strip
    their items before parsing them (``"1, 2"``).
    """
    if value is None:
        return None
    text = str(value)
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number > 0 else None


def get_visible(scoped: QuerySet[M], raw_id: object, what: str, *, field: str = "id") -> M:
    """The row of ``scoped`` with this id; ``NotFound(field)`` otherwise.

    ``scoped`` is a selector's viewer-scoped queryset, so a malformed id, a missing id and
    another organization's id all produce the same "<what> not found." answer. ``field``
    names the input field or argument that carried the id.
    """
    pk = parse_id(raw_id)
    found = scoped.filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(field, f"{what} not found.")
    return found
