"""Receiver-side verification used by the tests, written from the documentation's description."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.webhooks.receiver import Received


def js_stringify(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def documented(received: Received, secret: str) -> bool:
    """The documented algorithm, step by step, as a receiver would port it."""
    digest = received.headers["content-digest"].split("=")[1]
    length = len(js_stringify(json.loads(received.body)).encode())
    data = f"{received.method.lower()} {received.path} {received.query} {digest} application/json {length}"
    computed = hmac.new(secret.encode(), data.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(computed, received.headers["signature"].split("=")[1])


def digest_matches_body(received: Received) -> bool:
    """What the documented sample leaves out: the digest must be the hash of the bytes received."""
    return received.headers["content-digest"] == "SHA-256=" + hashlib.sha256(received.body).hexdigest()


def ed25519(received: Received, public_key: str) -> bool:
    raw = base64.b64decode(public_key.removeprefix("whpk_"))
    key = Ed25519PublicKey.from_public_bytes(raw)
    signed = f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode() + received.body
    for part in received.headers["webhook-signature"].split(" "):
        version, _, value = part.partition(",")
        if version == "v1a":
            try:
                key.verify(base64.b64decode(value), signed)
                return True
            except InvalidSignature:
                return False
    return False


def node_request(received: Received) -> dict:
    return {"method": received.method.lower(), "path": received.path, "query": received.query,
            "body": json.loads(received.body), "headers": received.headers}
