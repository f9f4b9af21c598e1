"""The in-transaction hook of ``emit()``: one ``Delivery`` row per subscribed webhook.

Runs inside the transaction of the change, so the outbox commits or rolls back with it.
A parent organization's webhooks receive its sub-organizations' events; a
sub-organization's webhooks receive only their own (documented behaviour).
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.models import Organization
from apps.events.models import Event
from webhooks.models import Delivery, Webhook
from webhooks.signing import compact_json

MAX_DEPTH = 8  # organizations nest shallowly; the bound guards against a cycle in bad data


def organization_and_ancestors(organization_id: int) -> list[int]:
    chain = [organization_id]
    current: int | None = organization_id
    while current is not None and len(chain) <= MAX_DEPTH:
        current = Organization.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        if current is None or current in chain:
            break
        chain.append(current)
    return chain


def subscribed_webhooks(event_type: str, organization_id: int) -> list[int]:
    return list(
        Webhook.objects.filter(
            organization_id__in=organization_and_ancestors(organization_id),
            is_enabled=True,
            deleted_at__isnull=True,
            webhook_events__event_type=event_type,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def write_deliveries(event: Event) -> None:
    webhook_ids = subscribed_webhooks(event.event_type, event.organization_id)
    if not webhook_ids:
        return
    body = compact_json(event.payload())
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                webhook_id=webhook_id,
                event=event,
                event_type=event.event_type,
                resource_id=event.resource_id,
                resource_id_type=event.resource_id_type,
                body=body,
                next_attempt_at=now,
            )
            for webhook_id in sorted(webhook_ids)
        ]
    )
