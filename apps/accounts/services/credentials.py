"""API keys and sign-in sessions. Plain keys and tokens leave the server once, at creation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from apps.accounts.authentication import API_KEY_PREFIX, SESSION_PREFIX
from apps.accounts.models import ApiKey, OrganizationMembership, SessionToken, User
from apps.accounts.selectors import api_keys_visible, parse_id, user_get
from apps.accounts.validation import clean_email, clean_text
from apps.accounts.viewer import OWNER, Viewer
from apps.core import ratelimit
from apps.core.crypto import random_token, token_hash
from apps.core.errors import Collector, ValidationFailed
from apps.core.lookup import get_visible

# A fixed hash to compare against when no account matches, so a miss costs as much as a hit.
_DUMMY_HASH = "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$WjX3jXUQxMG4+M0Ndv0Y1T3vW9Wg7tN3u0iTtgIbqSw"


@dataclass(frozen=True)
class IssuedKey:
    plain: str
    record: ApiKey


@transaction.atomic
def api_key_create(viewer: Viewer, *, user_id: object = None, name: str | None = None) -> IssuedKey:
    """Anyone may create keys for themselves; the owner for anyone of the organization; developers
    for patients only (a key carries its user's powers, so a developer minting one for the owner or
    another member would escalate their own permissions)."""
    viewer.require()
    errors = Collector()
    name = clean_text(errors, "name", name, limit=ApiKey._meta.get_field("name").max_length)
    errors.raise_if_any()
    if user_id in (None, "") or parse_id(user_id) == viewer.user_id:
        target = viewer.user
    else:
        viewer.require("is_developer", message="Only the owner or developers can create API keys for other users.")
        target = user_get(viewer, user_id, field="user_id")
        if not target.is_patient:
            viewer.require(OWNER, message="Only the owner can create API keys for providers and staff members.")
    if not target.is_patient and not OrganizationMembership.objects.filter(
        user_id=target.pk, active=True, has_api_access=True
    ).exists():
        # The key could never authenticate (see authentication._API_ACCESS): say so instead.
        raise ValidationFailed("user_id", "This member has no API access (has_api_access is false)")
    plain = random_token(API_KEY_PREFIX, 30)
    record = ApiKey.objects.create(
        user=target,
        created_by=viewer.user,
        name=(name or "").strip(),
        key_hash=token_hash(plain),
        displayable_key=f"{plain[:7]}...{plain[-4:]}",
    )
    return IssuedKey(plain, record)


@transaction.atomic
def api_key_delete(viewer: Viewer, *, key_id: object) -> ApiKey:
    key = get_visible(api_keys_visible(viewer), key_id, "API key")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    return key


@dataclass(frozen=True)
class Session:
    token: str
    user: User


def sign_in(*, email: str | None, password: str | None) -> Session:
    """Checks the password of the active account(s) with this e-mail.

    One e-mail may hold several accounts (one per organization or name); the first
    whose password matches is signed in. 100 attempts per minute per e-mail.
    """
    errors = Collector()
    address = clean_email(errors, email, required=True)
    if not password:
        errors.add("password", "Password can't be blank")
    errors.raise_if_any()
    ratelimit.enforce("sign_in", token_hash(address), limit=settings.RATE_LIMIT_SIGN_IN_PER_MINUTE,
                      window_seconds=60, message="Too many sign-in attempts; try again later.")
    candidates = list(User.objects.filter(email__iexact=address, active=True).order_by("id")[:20])
    with_password = [u for u in candidates if u.has_usable_password()]
    user = next((u for u in with_password if u.check_password(password)), None)
    if user is None:
        if not with_password:
            # No hash was checked (unknown e-mail, or invited accounts without a password yet):
            # spend the same time, so the answer's timing does not reveal which.
            check_password(password, _DUMMY_HASH)
        raise ValidationFailed("password", "Invalid email or password")
    plain = random_token(SESSION_PREFIX, 30)
    SessionToken.objects.create(
        user=user,
        key_hash=token_hash(plain),
        expires_at=timezone.now() + dt.timedelta(hours=settings.SESSION_TOKEN_TTL_HOURS),
    )
    return Session(plain, user)


def sign_out(viewer: Viewer) -> bool:
    """Ends the session the request came with; an API key is not affected (use deleteApiKey)."""
    viewer.require()
    if viewer.session_id:
        SessionToken.objects.filter(pk=viewer.session_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return True
