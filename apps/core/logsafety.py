"""Keeps credentials that travel in URLs out of server logs.

Browsers cannot set headers on a WebSocket handshake, so the documented subscription URL
carries the API key as ``?token=``, and an invitation link carries its code as
``?signup_token=``; uvicorn logs the full path of every request and WebSocket handshake.
The filter rewrites those records before any handler sees them.
"""

from __future__ import annotations

import logging
import re

# Query parameters whose values are credentials, in any letter case.
_SECRET_PARAMETER = re.compile(r"(?i)([?&](?:token|api_key|access_token|apikey|signup_token)=)[^&#\s\"']*")
REDACTED = "[redacted]"

# uvicorn writes request lines (access) and WebSocket handshakes (error) through these.
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error", "django.server", "django.request")


def redact(text: str) -> str:
    return _SECRET_PARAMETER.sub(lambda m: m.group(1) + REDACTED, text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Adds the filter to the server loggers (idempotent; logger filters see only their own records)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
