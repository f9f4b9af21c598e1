"""E-mails to an organization's owner about a failing webhook (24 hours, then disabled)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from webhooks.models import Webhook

logger = logging.getLogger(__name__)


def _owner_email(webhook: Webhook) -> str | None:
    owner = webhook.organization.owner
    return owner.email if owner is not None and owner.email else None


def _send(webhook: Webhook, subject: str, body: str) -> None:
    to = _owner_email(webhook)
    if not to:
        logger.warning("webhook %s: organization %s has no owner e-mail", webhook.pk, webhook.organization_id)
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # the state change is already recorded; a mail outage must not undo it
        logger.exception("could not send webhook e-mail for webhook %s", webhook.pk)


def failing(webhook: Webhook) -> None:
    _send(
        webhook,
        "Your webhook is failing",
        f"Deliveries to your webhook {webhook.url} (id {webhook.pk}) have failed for about 24 hours.\n"
        "We keep retrying for up to 3 days; after that the webhook is disabled.\n"
        "Check that the URL answers with a 2xx status.\n",
    )


def disabled(webhook: Webhook) -> None:
    _send(
        webhook,
        "Your webhook was disabled",
        f"Deliveries to your webhook {webhook.url} (id {webhook.pk}) failed for 3 days, so it was disabled.\n"
        "Fix the receiver, then enable the webhook again with updateWebhook (is_enabled: true).\n",
    )
