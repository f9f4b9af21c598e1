"""The on-commit hook of ``emit()``: a thin event pushed to channel-layer groups.

The push carries ids only. Subscription resolvers re-read the record through the
viewer's selector, so a push never shows data the subscriber could not query, and a
push dropped by the layer (it is at-most-once) never leaves stale data on screen.
Domains add their groups with ``register_groups`` (chat adds ``conversation.<id>``);
group names live in ``apps.events.groups``, shared with the subscription side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.faults import Fault
from apps.events.groups import GROUP_KEY, organization_group, user_group
from apps.events.models import Event

logger = logging.getLogger(__name__)

# After a failed publish the layer is not tried again for this long: with Redis unreachable
# every committed write would otherwise wait for the layer's timeout. Pushes are at most once
# (subscribers closed by the outage re-query when they reconnect), so skipping loses nothing
# a subscriber could rely on; the Event rows and webhooks are unaffected.
RETRY_AFTER_FAILURE_SECONDS = 1.0
_skip_until = 0.0

unpublished = Fault("events.unpublished", logger,
                    "committed events not pushed to subscriptions: the channel layer is unreachable")

MESSAGE_TYPE = "domain.event"
GroupMapper = Callable[[Event], list[str]]
_MAPPERS: dict[str, list[GroupMapper]] = {}


def register_groups(resource_id_type: str, mapper: GroupMapper) -> None:
    mappers = _MAPPERS.setdefault(resource_id_type, [])
    if mapper not in mappers:
        mappers.append(mapper)


def groups_for(event: Event) -> list[str]:
    groups = [organization_group(event.organization_id)]
    for mapper in _MAPPERS.get(event.resource_id_type, []):
        groups.extend(mapper(event))
    return groups


def message_for(event: Event) -> dict[str, object]:
    """The thin event as it travels; ``schema.realtime.watch.ThinEvent`` reads these keys."""
    return {
        "type": MESSAGE_TYPE,
        "event_id": event.pk,
        "event_type": event.event_type,
        "resource_id": event.resource_id,
        "resource_id_type": event.resource_id_type,
        "organization_id": event.organization_id,
        "changed_fields": event.changed_fields,
    }


async def publish_async(event: Event, groups: list[str] | None = None) -> None:
    """``groups``: computed beforehand by the caller when a mapper reads the database (mappers
    may, e.g. chat's membership -> user; the ORM is not usable on the event loop)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = message_for(event)
    for group in groups if groups is not None else groups_for(event):
        # The group travels in the message: a process-wide listener (schema.realtime.hub) routes on it.
        await layer.group_send(group, {**message, GROUP_KEY: group})


async def _publish_bounded(event: Event, groups: list[str]) -> None:
    await asyncio.wait_for(publish_async(event, groups), timeout=settings.CHANNEL_LAYER_TIMEOUT_SECONDS)


def publish(event: Event) -> None:
    """Runs after commit. A layer outage must not turn a committed write into an error, nor
    hold the response for long: the push is bounded by ``CHANNEL_LAYER_TIMEOUT_SECONDS``,
    and failures are counted (``events.unpublished``) and reported once a minute."""
    global _skip_until
    if time.monotonic() < _skip_until:
        unpublished.record()
        return
    try:
        async_to_sync(_publish_bounded)(event, groups_for(event))
    except Exception as error:
        _skip_until = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
        unpublished.record(error)


register_groups("User", lambda event: [user_group(event.resource_id)])
