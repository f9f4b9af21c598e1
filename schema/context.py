"""The typed GraphQL context: the request, the response being built and the ``Viewer``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from strawberry.types import Info as _Info

from apps.accounts.viewer import Viewer


@dataclass
class Context:
    request: HttpRequest | None
    response: HttpResponse | None
    viewer: Viewer = field(default_factory=Viewer.anonymous)
    # Used by transports without an HTTP request (WebSocket consumers).
    connection_params: dict[str, Any] = field(default_factory=dict)
    # Reads that list fields share across the rows of one operation (keyed by their module).
    memo: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:  # strawberry-django reads context["request"]
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


Info = _Info[Context, None]
