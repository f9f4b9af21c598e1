"""Turns the documented request headers into a ``Viewer``.

``Authorization: Basic <api key>`` with ``AuthorizationSource: API`` is the
documented form; ``Authorization: Bearer <api key or session token>`` is also
accepted. Keys and tokens are looked up by their SHA-256, never stored in clear.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import ApiKey, SessionToken, User
from apps.accounts.viewer import Viewer
from apps.core import ratelimit
from apps.core.crypto import token_hash

API_KEY_PREFIX = "cp_"
SESSION_PREFIX = "cps_"
_LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
# A provider's or staff member's API keys work only while their membership is active and grants
# API access (OrganizationMembership.has_api_access); taking either away stops every key at once
# without revoking them. Patients have no membership and keep their keys. Sign-in sessions (the
# web app) are not API access and are not affected.
_API_ACCESS = Q(user__is_patient=True) | Q(user__membership__active=True, user__membership__has_api_access=True)


def credential_from_header(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in {"basic", "bearer"}:
        return None
    value = value.strip()
    if not value or len(value) > 200 or not value.isascii():
        return None
    return value


def viewer_for_credential(credential: str | None) -> Viewer | None:
    """The viewer for a key or token; ``None`` when it is unknown, revoked, expired or archived,
    or when it is an API key of a member without (active) API access."""
    if not credential:
        return None
    digest = token_hash(credential)
    now = timezone.now()
    if credential.startswith(SESSION_PREFIX):
        session = (
            SessionToken.objects.select_related("user", "user__organization")
            .filter(key_hash=digest, revoked_at__isnull=True, expires_at__gt=now, user__active=True)
            .first()
        )
        return Viewer(user=session.user, session_id=session.pk) if session else None
    key = (
        ApiKey.objects.select_related("user", "user__organization")
        .filter(key_hash=digest, revoked_at__isnull=True, user__active=True)
        .filter(_API_ACCESS)
        .first()
    )
    if key is None:
        return None
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        # Coarse on purpose: one write per key every few minutes, not one per request.
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - _LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return Viewer(user=key.user, api_key_id=key.pk)


def viewer_for_user(user: User) -> Viewer:
    return Viewer(user=user)


def spend_request_budget(viewer: Viewer) -> ratelimit.Decision:
    """One request's hit on the caller's per-second budget (``RATE_LIMIT_API_KEY_PER_SECOND``).

    API keys and sign-in sessions each have their own budget, so a session is no way around
    the limit. HTTP requests and operations started over a WebSocket spend the same budget.
    """
    if viewer.api_key_id is not None:
        scope, ident = "api_key", viewer.api_key_id
    elif viewer.session_id is not None:
        scope, ident = "session", viewer.session_id
    else:
        return ratelimit.Decision(True, 0)
    return ratelimit.hit(scope, str(ident), limit=settings.RATE_LIMIT_API_KEY_PER_SECOND, window_seconds=1)
