"""A filled-out form's audit trail, read from the event log (``apps.events``): no table of its own.

``Event`` rows name their resource by type and id instead of a foreign key, so Django cannot
prefetch them through a relation. ``EventLog`` is a class attribute that Django's prefetch
machinery accepts like a reverse relation: ``Prefetch("audit_log", queryset=..., to_attr=...)``
loads the events of a whole page of forms in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.events.models import Event

# The form events an audit trail shows (unlocks and addenda are read from the form itself).
AUDITED_EVENT_TYPES = ("form_answer_group.locked", "form_answer_group.signed")


class EventLog:
    """Prefetchable events of one resource type (see the module docstring)."""

    def __init__(self, resource_id_type: str, event_types: Iterable[str]) -> None:
        self.resource_id_type = resource_id_type
        self.event_types = tuple(event_types)

    def __get__(self, instance: object, owner: type) -> EventLog:
        return self

    def queryset(self, ids: Iterable[object]) -> QuerySet[Event]:
        return Event.objects.filter(resource_id_type=self.resource_id_type, event_type__in=self.event_types,
                                    resource_id__in=[str(i) for i in ids]).order_by("created_at", "id")

    def get_prefetch_querysets(self, instances, querysets=None):
        """Django's prefetch contract: (rows, key of a row, key of an instance, single, cache name,
        is descriptor)."""
        rows = self.queryset(i.pk for i in instances)
        if querysets:
            rows = querysets[0].filter(pk__in=rows.values("pk")).order_by("created_at", "id")
        return rows, (lambda event: event.resource_id), (lambda instance: str(instance.pk)), False, "audit_log", False
