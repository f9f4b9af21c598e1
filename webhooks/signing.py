"""Webhook body serialization and the three signatures every delivery carries.

1. The documented scheme (``Content-Digest``, ``Signature-Input``, ``Signature``): HMAC-SHA256,
   keyed with the UTF-8 bytes of the whole secret, over
   ``"<method> <path> <query> <digest> application/json <content length>"``. The documented
   JavaScript sample reads the digest and the signature with ``split('=')[1]``, so both
   values are hex (base64 padding would contain ``=``) and ``Signature`` carries exactly
   one signature.
2. Standard Webhooks (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``):
   ``v1,<base64 HMAC-SHA256>`` over ``"<id>.<timestamp>.<body>"`` keyed with the base64-decoded
   part of ``whsec_<base64>``; during a rotation both secrets sign.
3. Ed25519 (``v1a,<base64>``) over the same content, verifiable with the organization's
   public key (``whpk_<base64>``) without holding any shared secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SECRET_PREFIX = "whsec_"
PUBLIC_KEY_PREFIX = "whpk_"
CONTENT_TYPE = "application/json"
SIGNATURE_LABEL = "sig1"


def compact_json(payload: object) -> str:
    """Exactly what JavaScript's ``JSON.stringify`` produces for the same value.

    Receivers parse the body and re-serialize it to compute the signed content length, so
    separators carry no spaces and non-ASCII stays unescaped, like ``JSON.stringify``.
    """
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key: the base64 part of ``whsec_<base64>``, decoded."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def content_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def documented_data_string(*, method: str, url: str, digest: str, content_length: int) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{method.lower()} {path} {parts.query} {digest} {CONTENT_TYPE} {content_length}"


def documented_signature(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha256).hexdigest()


def standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Signer:
    """Everything needed to sign for one webhook: current (and previous) secret, Ed25519 key."""

    secret: str
    previous_secret: str | None
    private_key: Ed25519PrivateKey | None
    key_id: str

    def headers(self, *, url: str, body: bytes, msg_id: str, timestamp: int) -> dict[str, str]:
        digest = content_digest(body)
        data = documented_data_string(method="POST", url=url, digest=digest, content_length=len(body))
        signatures = [f"v1,{standard_signature(standard_key(self.secret), msg_id, timestamp, body)}"]
        if self.previous_secret:
            signatures.append(f"v1,{standard_signature(standard_key(self.previous_secret), msg_id, timestamp, body)}")
        if self.private_key is not None:
            signed = f"{msg_id}.{timestamp}.".encode() + body
            signatures.append("v1a," + base64.b64encode(self.private_key.sign(signed)).decode())
        return {
            "Content-Type": CONTENT_TYPE,
            "Content-Digest": f"SHA-256={digest}",
            "Signature-Input": (
                f'{SIGNATURE_LABEL}=("@method" "@path" "@query" "content-digest" "content-type" '
                f'"content-length");created={timestamp};keyid="{self.key_id}";alg="hmac-sha256"'
            ),
            "Signature": f"{SIGNATURE_LABEL}={documented_signature(self.secret, data)}",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signatures),
        }


def new_key_pair() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    return private, public_key_text(private)


def public_key_text(private: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw).decode()


def private_key_text(private: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return base64.b64encode(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
