from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def apply_changes(instance: models.Model, changes: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """Sets the allowed ``fields`` present in ``changes``; returns the names whose value changed."""
    changed: list[str] = []
    for name in fields:
        if name in changes and getattr(instance, name) != changes[name]:
            setattr(instance, name, changes[name])
            changed.append(name)
    return changed
