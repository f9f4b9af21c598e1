"""Authorization helpers for resolvers: they raise errors that carry ``extensions.code``."""

from __future__ import annotations

from apps.accounts.viewer import Viewer
from apps.core.errors import Forbidden, Unauthenticated
from schema.context import Info

# Root fields that answer without credentials. Everything else needs a key or token;
# the gate in schema.extensions enforces it before any resolver runs.
PUBLIC_ROOT_FIELDS: set[str] = {"signUp", "signIn", "__schema", "__type", "__typename"}


def register_public(*names: str) -> None:
    PUBLIC_ROOT_FIELDS.update(names)


def viewer_of(info: Info) -> Viewer:
    return info.context.viewer


def require_viewer(info: Info) -> Viewer:
    viewer = info.context.viewer
    if not viewer.is_authenticated:
        raise Unauthenticated()
    return viewer


def require_member(info: Info) -> Viewer:
    """Providers and staff (organization members); patients are refused."""
    viewer = require_viewer(info)
    if not viewer.is_member:
        raise Forbidden("Only providers and staff members can do this.")
    return viewer
