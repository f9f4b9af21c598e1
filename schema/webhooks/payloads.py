"""Webhook mutation payloads (``schema.payloads.payload_type``)."""

from __future__ import annotations

from schema.payloads import payload_type
from schema.webhooks.types import SentWebhookType, WebhookType

CreateWebhookPayload = payload_type("createWebhookPayload", webhook=WebhookType)
UpdateWebhookPayload = payload_type("updateWebhookPayload", webhook=WebhookType)
DeleteWebhookPayload = payload_type("deleteWebhookPayload", webhook=WebhookType)
ExpireWebhookSignaturePayload = payload_type("expireWebhookSignaturePayload", webhook=WebhookType)
SendTestWebhookPayload = payload_type("sendTestWebhookPayload", sent=bool, sent_webhook=SentWebhookType)
