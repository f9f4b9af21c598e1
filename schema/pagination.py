"""The one pagination helper every list uses: offset or keyset cursor, plus a shared count.

Arguments follow the documentation: ``offset``, ``page_size`` (default 10, at most
100), ``should_paginate`` and ``after``. Cursors are opaque base64 JSON of the
row's sort key, ``{"k":["3"]}`` for a list ordered by id, exactly like the
documented example, so a cursor stays valid when rows are inserted before it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import F, Model, Q, QuerySet
from strawberry_django.optimizer import optimize

from apps.core.errors import ValidationFailed
from apps.core.ordering import SortKey

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 1024
BAD_CURSOR = "'after' is not a cursor of this list (or of this sort order)."

M = TypeVar("M", bound=Model)

__all__ = ["SortKey", "decode_cursor", "encode_cursor", "paginate", "validate_window"]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps({"k": [_cursor_value(v) for v in values]}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _cursor_value(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def decode_cursor(cursor: str, expected: int) -> list[str | None]:
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise ValidationFailed("after", "'after' is not a valid cursor; pass the cursor field of a returned item.")
    try:
        data = json.loads(base64.b64decode(cursor.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise ValidationFailed(
            "after", "'after' is not a valid cursor; pass the cursor field of a returned item.") from error
    values = data.get("k") if isinstance(data, dict) else None
    if (
        not isinstance(values, list)
        or len(values) != expected
        or not all(v is None or (isinstance(v, str) and "\x00" not in v) for v in values)
    ):
        raise ValidationFailed("after", BAD_CURSOR)
    return values


def validate_window(offset: int | None, page_size: int | None) -> tuple[int, int]:
    offset = 0 if offset is None else offset
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if offset < 0:
        raise ValidationFailed("offset", "'offset' must be zero or positive.")
    if size < 1 or size > MAX_PAGE_SIZE:
        raise ValidationFailed("page_size", f"'page_size' must be between 1 and {MAX_PAGE_SIZE}.")
    return offset, size


def _ordered(qs: QuerySet[M], sort: Sequence[SortKey]) -> tuple[QuerySet[M], list[SortKey]]:
    keys = list(sort)
    if not keys or keys[-1].name != "id":
        # The primary key breaks ties so every row has a unique position.
        keys.append(SortKey("id", keys[-1].descending if keys else True))
    # Every key is annotated under an alias so it is always loaded, even when the
    # optimizer defers the column itself (reading a deferred column costs a query per row).
    aliased = [SortKey(f"_sk{i}", k.descending, k.expression or F(k.name)) for i, k in enumerate(keys)]
    qs = qs.annotate(**{k.name: k.expression for k in aliased})
    return qs.order_by(*[f"-{k.name}" if k.descending else k.name for k in aliased]), aliased


def _typed(qs: QuerySet[M], keys: list[SortKey], values: list[str | None]) -> list[object]:
    """The cursor's values as the sort columns' Python values; a value that does not fit is a bad cursor.

    Checked here, before the query runs, so that an error while loading the page (a bad
    keyword, a database problem) is never blamed on ``after``.
    """
    typed: list[object] = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            typed.append(None)
            continue
        field = qs.query.annotations[key.name].output_field
        try:
            converted = field.to_python(value)
        except (ValidationError, ValueError, TypeError, OverflowError) as error:
            raise ValidationFailed("after", BAD_CURSOR) from error
        if isinstance(converted, int) and not -(2**63) <= converted < 2**63:
            raise ValidationFailed("after", BAD_CURSOR)
        typed.append(converted)
    return typed


def _after(keys: list[SortKey], values: list[object]) -> Q:
    """Rows strictly after ``values`` in the ordering (lexicographic keyset condition)."""
    condition = Q()
    for index, key in enumerate(keys):
        value = values[index]
        if value is None:
            raise ValidationFailed("after", BAD_CURSOR)
        step = Q(**{f"{k.name}": values[i] for i, k in enumerate(keys[:index])})
        step &= Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
        condition |= step
    return condition


def paginate(
    qs: QuerySet[M],
    info: Any,
    *,
    sort: Sequence[SortKey],
    offset: int | None = None,
    page_size: int | None = None,
    should_paginate: bool | None = True,
    after: str | None = None,
) -> list[M]:
    """Orders, windows and loads ``qs`` (with the query optimizer), setting ``row.cursor``."""
    offset, size = validate_window(offset, page_size)
    qs, keys = _ordered(qs, sort)
    if after is not None:
        qs = qs.filter(_after(keys, _typed(qs, keys, decode_cursor(after, len(keys)))))
    if info is not None:
        qs = optimize(qs, info)
    if should_paginate is not False:
        qs = qs[offset : offset + size]
    elif offset:
        qs = qs[offset:]
    rows = list(qs)
    for row in rows:
        row.cursor = encode_cursor([getattr(row, k.name) for k in keys])
    return rows
