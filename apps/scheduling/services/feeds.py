"""Read-only iCalendar feeds: a secret URL per provider, revocable at any time."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.viewer import MEMBER, Viewer
from apps.core.crypto import random_token, token_hash
from apps.core.errors import Collector
from apps.core.timefmt import now
from apps.scheduling.models import CalendarFeed
from apps.scheduling.services.common import org_provider

TOKEN_PREFIX = "cal_"


@transaction.atomic
def calendar_feed_create(viewer: Viewer, *, provider_id: object = None) -> tuple[CalendarFeed, str]:
    """A new feed for the provider (the caller by default); the token is returned once.

    The feed shows the provider's appointments the caller may see (``ical.provider_calendar``):
    a member restricted to their own patients gets no appointment of another patient, on the
    provider's calendar or their own."""
    viewer.require(MEMBER)
    errors = Collector()
    provider = org_provider(viewer, errors, "provider_id", provider_id)
    errors.raise_if_any()
    token = random_token(TOKEN_PREFIX, 32)
    feed = CalendarFeed.objects.create(organization_id=viewer.organization_id, user=provider,
                                       created_by=viewer.user, token_hash=token_hash(token))
    return feed, token


@transaction.atomic
def calendar_feeds_revoke(viewer: Viewer, *, provider_id: object = None) -> int:
    """Revokes every live feed of the provider; old URLs stop working at once."""
    viewer.require(MEMBER)
    errors = Collector()
    provider = org_provider(viewer, errors, "provider_id", provider_id)
    errors.raise_if_any()
    return CalendarFeed.objects.filter(user=provider, revoked_at__isnull=True).update(revoked_at=now())
