"""Webhook mutation inputs and the builder of the service's typed input."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from apps.core.inputs import build
from schema.payloads import provided
from webhooks.inputs import WebhookInput


@strawberry.input(name="WebhookEventInput")
class WebhookEventInput:
    id: strawberry.ID | None = UNSET
    event_type: str


@strawberry.input(name="createWebhookInput")
class CreateWebhookInput:
    url: str | None = UNSET
    event_type: str | None = UNSET
    is_enabled: bool | None = UNSET
    should_retry: bool | None = True
    webhook_events: list[WebhookEventInput | None] | None = UNSET


@strawberry.input(name="updateWebhookInput")
class UpdateWebhookInput:
    id: strawberry.ID | None = UNSET
    url: str | None = UNSET
    event_type: str | None = UNSET
    is_enabled: bool | None = UNSET
    should_retry: bool | None = UNSET
    webhook_events: list[WebhookEventInput | None] | None = UNSET


@strawberry.input(name="deleteWebhookInput")
class DeleteWebhookInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="expireWebhookSignatureInput")
class ExpireWebhookSignatureInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="sendTestWebhookInput")
class SendTestWebhookInput:
    id: strawberry.ID | None = UNSET
    event_type: str | None = UNSET


def webhook_input(data: CreateWebhookInput | UpdateWebhookInput | None) -> WebhookInput:
    values = provided(data)
    if values.get("webhook_events") is not None:
        values["webhook_events"] = [e.event_type for e in values["webhook_events"] if e is not None]
    return build(WebhookInput, values)
