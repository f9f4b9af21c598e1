"""Looking one record up by a client-supplied id inside an already scoped queryset."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from apps.core.errors import NotFound

M = TypeVar("M", bound=Model)


def parse_id(value: object) -> int | None:
    """A positive database id from an ``ID``/``String`` argument, or ``None`` when it is not one."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None


def get_visible(scoped: QuerySet[M], raw_id: object, what: str) -> M:
    """The row of ``scoped`` with this id; ``NotFound`` otherwise.

    ``scoped`` is a selector's viewer-scoped queryset, so a malformed id, a missing id and
    another organization's id all produce the same "<what> not found." answer.
    """
    pk = parse_id(raw_id)
    found = scoped.filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(f"{what} not found.")
    return found
