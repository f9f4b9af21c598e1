"""The on-commit hook of ``emit()``: a thin event pushed to channel-layer groups.

The push carries ids only. Subscription resolvers re-read the record through the
viewer's selector, so a push never shows data the subscriber could not query, and a
push dropped by the layer (it is at-most-once) never leaves stale data on screen.
Domains add their groups with ``register_groups`` (chat adds ``conversation.<id>``);
group names live in ``apps.events.groups``, shared with the subscription side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.events.groups import GROUP_KEY, organization_group, user_group
from apps.events.models import Event

logger = logging.getLogger(__name__)

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


async def publish_async(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = message_for(event)
    for group in groups_for(event):
        # The group travels in the message: a process-wide listener (schema.realtime.hub) routes on it.
        await layer.group_send(group, {**message, GROUP_KEY: group})


def publish(event: Event) -> None:
    """Runs after commit. A layer outage must not turn a committed write into an error."""
    try:
        async_to_sync(publish_async)(event)
    except Exception:
        logger.exception("could not publish event %s (%s) to the channel layer", event.pk, event.event_type)


register_groups("User", lambda event: [user_group(event.resource_id)])
