"""Scoped reads for webhooks: organization members see their organization's webhooks and log."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.core.errors import Forbidden
from apps.core.lookup import get_visible
from webhooks.models import Attempt, SigningKey, Webhook


def can_manage(viewer: Viewer) -> bool:
    """Developers (and owners, who hold every permission) manage webhooks and read secrets."""
    return viewer.is_member and viewer.has_permission("is_developer")


def require_manager(viewer: Viewer) -> None:
    if not viewer.is_member:
        raise Forbidden("Only organization members can manage webhooks.")
    if not can_manage(viewer):
        raise Forbidden("Managing webhooks requires the developer permission.")


def webhooks_visible(viewer: Viewer) -> QuerySet[Webhook]:
    if not viewer.is_member:
        return Webhook.objects.none()
    return Webhook.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def webhook_get(viewer: Viewer, webhook_id: object) -> Webhook:
    return get_visible(webhooks_visible(viewer), webhook_id, "Webhook")


def sent_webhooks_filter(
    viewer: Viewer,
    *,
    keywords: str | None = None,
    resource_id: str | None = None,
    resource_type: str | None = None,
    failed: bool | None = None,
    sent_after: dt.datetime | None = None,
    sent_before: dt.datetime | None = None,
    webhook_id: object = None,
) -> QuerySet[Attempt]:
    """The filter shared by ``sentWebhooks`` and ``sentWebhooksCount``."""
    if not viewer.is_member:
        return Attempt.objects.none()
    qs = Attempt.objects.filter(organization_id=viewer.organization_id)
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
    if sent_after is not None:
        qs = qs.filter(created_at__gte=sent_after)
        # Documented: sent_before is only considered together with sent_after.
        if sent_before is not None:
            qs = qs.filter(created_at__lte=sent_before)
    if webhook_id not in (None, ""):
        pk = parse_id(webhook_id)
        qs = qs.filter(webhook_id=pk) if pk else qs.none()
    return qs


def public_key(viewer: Viewer) -> str | None:
    if not viewer.is_member:
        raise Forbidden("Only organization members can read the webhook public key.")
    return (
        SigningKey.objects.filter(Q(organization_id=viewer.organization_id))
        .values_list("public_key", flat=True)
        .first()
    )
