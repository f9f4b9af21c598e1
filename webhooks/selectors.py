"""Scoped reads for webhooks: organization members see their organization's webhooks and log;
patients are refused (``Forbidden``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from apps.accounts.models import AppliedTag
from apps.accounts.selectors import hidden_patients, parse_id
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible
from apps.core.ordering import Sort, SortKey, sort_for
from apps.core.timefmt import TimeFormatError, parse_datetime
from apps.scheduling.models import Appointment
from apps.scheduling.selectors import appointments_visible
from webhooks.models import Attempt, SigningKey, Webhook

# ``order_by`` (or ``sort_by``) of ``sentWebhooks``, spelled like ``QuerySet.order_by``.
SENT_SORTS: dict[str, Sort] = {
    "created_at_desc": [SortKey("created_at", True)],
    "created_at_asc": [SortKey("created_at")],
}
WEBHOOK_SORT = [SortKey("id", True)]


def sent_sort(order_by: str | None = None, sort_by: str | None = None) -> list[SortKey]:
    """The delivery log's order; ``order_by`` wins over ``sort_by``, newest first by default."""
    argument = "order_by" if order_by else "sort_by"
    return sort_for(SENT_SORTS, order_by or sort_by, "created_at_desc", argument=argument)


def _time(name: str, value: str | None) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_datetime(value)
    except TimeFormatError as error:
        raise ValidationFailed(name, f"'{name}': {error}") from error


def webhooks_visible(viewer: Viewer) -> QuerySet[Webhook]:
    viewer.require(MEMBER)
    return Webhook.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def webhook_get(viewer: Viewer, webhook_id: object) -> Webhook:
    return get_visible(webhooks_visible(viewer), webhook_id, "Webhook")


def _hidden_resources(viewer: Viewer) -> Q:
    """Log entries naming a patient hidden from the viewer (a member without
    ``can_see_all_clients``), or an appointment or applied tag of one: the log must not show
    their ids. Matches nothing for everyone else."""
    if viewer.has_permission("can_see_all_clients"):
        return Q(pk__in=[])
    hidden = hidden_patients(viewer)

    def ids(queryset: QuerySet) -> QuerySet:
        return queryset.annotate(text_id=Cast("pk", CharField())).values("text_id")

    hidden_appointments = Appointment.objects.filter(organization_id=viewer.organization_id).exclude(
        pk__in=appointments_visible(viewer, include_deleted=True).values("pk"))
    return (Q(resource_id_type="User", resource_id__in=ids(hidden))
            | Q(resource_id_type="Appointment", resource_id__in=ids(hidden_appointments))
            | Q(resource_id_type="AppliedTag", resource_id__in=ids(AppliedTag.objects.filter(user__in=hidden))))


def sent_webhooks_filter(
    viewer: Viewer,
    *,
    keywords: str | None = None,
    resource_id: str | None = None,
    resource_type: str | None = None,
    failed: bool | None = None,
    sent_after: str | None = None,
    sent_before: str | None = None,
    webhook_id: object = None,
) -> QuerySet[Attempt]:
    """The filter shared by ``sentWebhooks`` and ``sentWebhooksCount``."""
    viewer.require(MEMBER)
    after, before = _time("sent_after", sent_after), _time("sent_before", sent_before)
    qs = Attempt.objects.filter(organization_id=viewer.organization_id).exclude(_hidden_resources(viewer))
    if keywords and keywords.strip():
        for term in keywords.split()[:5]:
            term = term[:100]
            qs = qs.filter(Q(event_type__icontains=term) | Q(url__icontains=term) | Q(resource_id=term)
                           | Q(resource_id_type__iexact=term))
    if resource_id not in (None, ""):
        qs = qs.filter(resource_id=str(resource_id).strip()[:64])
    if resource_type:
        qs = qs.filter(resource_id_type=resource_type.strip()[:64])
    if failed is True:
        qs = qs.filter(succeeded=False)
    elif failed is False:
        qs = qs.filter(succeeded=True)
    if after is not None:
        qs = qs.filter(created_at__gte=after)
        # Documented: sent_before is only considered together with sent_after.
        if before is not None:
            qs = qs.filter(created_at__lte=before)
    if webhook_id not in (None, ""):
        pk = parse_id(webhook_id)
        qs = qs.filter(webhook_id=pk) if pk else qs.none()
    return qs


def public_key(viewer: Viewer) -> str | None:
    viewer.require(MEMBER, message="Only organization members can read the webhook public key.")
    return (
        SigningKey.objects.filter(Q(organization_id=viewer.organization_id))
        .values_list("public_key", flat=True)
        .first()
    )
