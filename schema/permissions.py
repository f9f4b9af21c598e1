"""Which root fields answer without credentials (the gate in ``schema.extensions`` enforces it).

Every other permission is checked by the services and selectors with ``viewer.require``.
"""

from __future__ import annotations

# Root fields that answer without credentials. Everything else needs a key or token;
# the gate in schema.extensions enforces it before any resolver runs.
PUBLIC_ROOT_FIELDS: set[str] = {"signUp", "signIn", "__schema", "__type", "__typename"}


def register_public(*names: str) -> None:
    PUBLIC_ROOT_FIELDS.update(names)
