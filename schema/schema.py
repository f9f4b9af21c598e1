"""The one Strawberry schema. Each domain package under ``schema/`` may export
``Query``, ``Mutation`` and ``Subscription``; they are merged here."""

from __future__ import annotations

import importlib

from strawberry import Schema
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.accounts.types import compose_user_type
from schema.errors import ErrorFormatter
from schema.extensions import AuthenticationGate, FreshMemo, OperationNameRequired, TextInputGuard, query_limits

DOMAINS = ("accounts", "announcements", "webhooks", "scheduling", "chat", "forms", "billing")


def _collect(kind: str) -> tuple[type, ...]:
    found = []
    for domain in DOMAINS:
        try:
            module = importlib.import_module(f"schema.{domain}")
        except ModuleNotFoundError as error:
            if error.name != f"schema.{domain}":
                raise
            continue
        if hasattr(module, kind):
            found.append(getattr(module, kind))
    return tuple(found)


def build_schema() -> Schema:
    subscriptions = _collect("Subscription")
    # Every domain is imported now, so each has registered its User fields.
    compose_user_type()
    return Schema(
        query=merge_types("Query", _collect("Query")),
        mutation=merge_types("Mutation", _collect("Mutation")),
        subscription=merge_types("Subscription", subscriptions) if subscriptions else None,
        config=StrawberryConfig(auto_camel_case=False),
        # Partner apps send the same few documents over and over: parse and validate each once.
        # Extensions are given as classes or factories: strawberry builds fresh ones per request
        # (the caches themselves live at module level and are shared).
        extensions=[*query_limits(), lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512),
                    OperationNameRequired, AuthenticationGate, FreshMemo, TextInputGuard, DjangoOptimizerExtension,
                    ErrorFormatter],
    )


schema = build_schema()
