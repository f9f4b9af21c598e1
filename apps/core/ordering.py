"""Sort orders of lists, declared beside the selectors that own the lists.

A ``sort_by`` table maps each documented value to the ``SortKey`` columns of its order;
``schema/pagination.py`` applies them (keyset cursors included).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import Expression, F

from apps.core.errors import ValidationFailed


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering. ``expression`` is annotated under ``name`` when given."""

    name: str
    descending: bool = False
    expression: Expression | F | None = None


# A fixed list of keys, or a factory for orders that must be built per request (a
# subquery comparing against the current time, for example).
Sort = list[SortKey] | Callable[[], list[SortKey]]


def sort_for(table: Mapping[str, Sort], sort_by: str | None, default: str, *,
             argument: str = "sort_by") -> list[SortKey]:
    """The keys ``sort_by`` names in ``table`` (``default`` when it is not given).

    ``argument`` is the name the client sent the value under (``order_by`` on some lists).
    """
    key = (sort_by or default).strip().lower()
    if key not in table:
        raise ValidationFailed(argument, f"'{argument}' must be one of: {', '.join(sorted(table))}.")
    sort = table[key]
    return sort() if callable(sort) else list(sort)
