"""Invitations to set a password: issued with the welcome e-mail, used once at /set_password.

Only the SHA-256 of a code is stored (like API keys and sessions), with an expiry; the plain
code leaves the server in the welcome e-mail (an encrypted job until it is sent) and in the
payload of the mutation that issued it, and nowhere else. Using it sets the password and
clears the hash, so it works once; a new invitation replaces any earlier one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.validation import check_password
from apps.core import ratelimit
from apps.core.crypto import random_token, token_hash
from apps.core.errors import Collector, ValidationFailed
from apps.events.bus import emit

PREFIX = "cpi_"
# Unknown, used, expired and archived-account codes all get this one answer.
REFUSED = "This link is not valid any more. Ask your provider to send a new invitation."
MAX_CODE_LENGTH = 100


def invitation_issue(user: User) -> str:
    """Gives ``user`` a fresh code (replacing an earlier one) on the instance, unsaved; the caller
    saves the user and sends or shows the returned code. The instance remembers the code in
    ``issued_signup_token`` (never saved) so the issuing mutation's payload can show the link."""
    plain = random_token(PREFIX, 24)
    user.signup_token_hash = token_hash(plain)
    user.signup_token_expires_at = timezone.now() + dt.timedelta(hours=settings.INVITATION_TOKEN_TTL_HOURS)
    user.issued_signup_token = plain
    return plain


SET_PASSWORD_PATH = "/set_password"


def set_password_link(code: str) -> str:
    return f"{SET_PASSWORD_PATH}?signup_token={code}"


def _limit(client_address: str) -> None:
    ratelimit.enforce("set_password", client_address, limit=settings.RATE_LIMIT_SET_PASSWORD_PER_MINUTE,
                      window_seconds=60, message="Too many attempts; try again later.")


def _pending(code: str | None) -> User | None:
    """The active account whose unused, unexpired invitation this code is."""
    code = (code or "").strip()
    if not 0 < len(code) <= MAX_CODE_LENGTH:
        return None
    return User.objects.filter(signup_token_hash=token_hash(code), signup_token_expires_at__gt=timezone.now(),
                               active=True).first()


def invitation_valid(*, code: str | None, client_address: str) -> bool:
    """``validateSignupToken``: whether the code would set a password now (it is not used up).
    Counts against the same per-address budget as setting the password."""
    _limit(client_address)
    return _pending(code) is not None


@transaction.atomic
def invitation_accept(*, code: str | None, password: str | None, password_confirmation: str | None,
                      client_address: str) -> User:
    """Sets the password of the invited account and uses the code up.

    Refused with one message on ``signup_token`` whether the code is unknown, used, expired or
    its account archived; a password the rules refuse leaves the code usable.
    ``RATE_LIMIT_SET_PASSWORD_PER_MINUTE`` attempts per minute per client address.
    """
    _limit(client_address)
    user = _pending(code)
    if user is None:
        raise ValidationFailed("signup_token", REFUSED)
    errors = Collector()
    if not password:
        errors.add("password", "Password can't be blank")
    else:
        check_password(errors, password, user_inputs=[user.email, user.first_name, user.last_name])
        if not errors.has("password") and password != password_confirmation:
            errors.add("password_confirmation", "does not match the password")
    errors.raise_if_any()
    # Compare-and-set on the hash: of two requests racing with one code, exactly one updates the row.
    used = User.objects.filter(pk=user.pk, signup_token_hash=user.signup_token_hash).update(
        password=make_password(password), signup_token_hash="", signup_token_expires_at=None,
        updated_at=timezone.now())
    if used != 1:
        raise ValidationFailed("signup_token", REFUSED)
    user.refresh_from_db()
    if user.is_patient:
        emit("patient.updated", user, organization_id=user.organization_id, actor_id=user.pk,
             changed_fields=["password"])
    return user
