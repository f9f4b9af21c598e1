"""E-mails to an organization's owner about a failing webhook (24 hours, then disabled).

Enqueued as e-mail jobs in the transaction that records the webhook's state change.
"""

from __future__ import annotations

import logging

from apps.core.jobs import email
from webhooks.models import Webhook

logger = logging.getLogger(__name__)


def _send(webhook: Webhook, subject: str, body: str) -> None:
    owner = webhook.organization.owner
    if owner is None or not owner.email:
        logger.warning("webhook %s: organization %s has no owner e-mail", webhook.pk, webhook.organization_id)
        return
    email.send_later([owner.email], subject, body, organization_id=webhook.organization_id,
                     about=f"webhook:{webhook.pk}")


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
