"""``emit()``: the one way a service records a documented domain event.

Subscribers register hooks in their ``AppConfig.ready()``: in-transaction hooks write
their own rows with the change (the webhook outbox), on-commit hooks react once it is
durable (the channel-layer publisher for subscriptions). Services know none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models, transaction

from apps.events.catalog import EVENT_TYPES, INTERNAL_EVENT_TYPES, resource_type_for
from apps.events.models import Event


class UnknownEventType(ValueError):
    pass


_in_transaction_hooks: list[Callable[[Event], None]] = []
_on_commit_hooks: list[Callable[[Event], None]] = []


def register_in_transaction(hook: Callable[[Event], None]) -> None:
    if hook not in _in_transaction_hooks:
        _in_transaction_hooks.append(hook)


def register_on_commit(hook: Callable[[Event], None]) -> None:
    if hook not in _on_commit_hooks:
        _on_commit_hooks.append(hook)


def emit(
    event_type: str,
    instance: models.Model,
    *,
    organization_id: int,
    changed_fields: Iterable[str] | None = None,
    actor_id: int | None = None,
) -> Event:
    """Records ``event_type`` for ``instance`` inside the caller's transaction.

    Precondition: called inside ``transaction.atomic()`` (services are), so the
    event row commits or rolls back with the change it describes.
    """
    if event_type not in EVENT_TYPES and event_type not in INTERNAL_EVENT_TYPES:
        raise UnknownEventType(f"'{event_type}' is not a documented webhook event type.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change it records.")
    is_update = event_type.endswith(".updated")
    event = Event.objects.create(
        organization_id=organization_id,
        event_type=event_type,
        resource_id=str(instance.pk),
        resource_id_type=resource_type_for(event_type),
        changed_fields=sorted(set(changed_fields or ())) if is_update else None,
        actor_id=actor_id,
    )
    for hook in _in_transaction_hooks:
        hook(event)
    for hook in _on_commit_hooks:
        transaction.on_commit(lambda hook=hook: hook(event))
    return event
