"""Encryption of secrets at rest (webhook secrets, calendar tokens) with Fernet."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str, secret_key: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    # Development fallback: derived from SECRET_KEY so a fresh checkout works.
    derived = base64.urlsafe_b64encode(hashlib.sha256(("field-encryption:" + secret_key).encode()).digest())
    return Fernet(derived)


def encrypt(plain: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("The stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY.") from error


def token_hash(plain: str) -> str:
    """SHA-256 of a high-entropy token. Fine for random keys (not for passwords)."""
    return hashlib.sha256(plain.encode()).hexdigest()


def random_token(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"
