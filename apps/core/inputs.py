"""Typed service inputs: frozen dataclasses whose fields may be ``UNSET``.

A resolver builds the dataclass from its GraphQL input; a service reads it. ``UNSET``
means the client did not send the field (leave it alone), ``None`` that it sent null.
Services never see GraphQL types or an untyped ``values`` dict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final, TypeVar

T = TypeVar("T")


class _Unset:
    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
Unset = _Unset


def is_set(value: object) -> bool:
    return value is not UNSET


def sent(value: T | _Unset, default: T | None = None) -> T | None:
    """The value, or ``default`` when it was not sent."""
    return default if value is UNSET else value  # type: ignore[return-value]


def given(data: object) -> dict[str, Any]:
    """The fields of a service input that were sent, by name."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)  # type: ignore[arg-type]
            if getattr(data, f.name) is not UNSET}


def build(cls: type[T], values: Mapping[str, Any], **overrides: Any) -> T:
    """``cls`` from ``values`` (only the keys ``cls`` declares; the rest stay ``UNSET``)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    chosen = {k: v for k, v in values.items() if k in names}
    chosen.update(overrides)
    return cls(**chosen)
