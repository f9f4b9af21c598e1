"""E-mail as a durable job: written in the caller's transaction, sent by the worker.

The message (recipients, subject, body) is stored encrypted with ``apps.core.crypto``:
bodies carry sign-up codes and personal details that must not sit in the table in clear.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.mail import send_mail

from apps.core.crypto import decrypt, encrypt
from apps.core.jobs.generic import enqueue
from apps.core.jobs.models import Job
from apps.core.jobs.schedule import RetrySchedule

KIND = "email"
# A mail server outage of up to a day loses nothing; late is better than never for these.
RETRY = RetrySchedule(
    delays=(dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(hours=1),
            dt.timedelta(hours=3)),
    window=dt.timedelta(days=1),
    jitter=0.1,
)


def send_later(to: list[str], subject: str, body: str, *, organization_id: int | None = None,
               about: str = "") -> Job | None:
    """Enqueues one e-mail (inside the caller's transaction); nothing when no recipient has an address."""
    recipients = [address for address in to if address]
    if not recipients:
        return None
    message = encrypt(json.dumps({"to": recipients, "subject": subject, "body": body}))
    return enqueue(KIND, {"message": message}, subject=about, organization_id=organization_id)


def send(to: list[str], subject: str, body: str) -> None:
    """Sends now; only job handlers call this (everything else enqueues)."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


def handle(job: Job) -> None:
    message = json.loads(decrypt(job.payload["message"]))
    send(message["to"], message["subject"], message["body"])


def message_of(job: Job) -> dict[str, object]:
    """The decrypted message of an e-mail job (admin and tests)."""
    return json.loads(decrypt(job.payload["message"]))
