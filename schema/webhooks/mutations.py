"""Webhook mutations: thin wrappers that parse input, call one service and build the payload."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from schema.context import Info
from schema.errors import FieldErrorType
from schema.payloads import attempt, provided
from schema.permissions import require_viewer
from schema.webhooks.types import SentWebhookType, WebhookType
from webhooks import services


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


@strawberry.type(name="createWebhookPayload")
class CreateWebhookPayload:
    webhook: WebhookType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="updateWebhookPayload")
class UpdateWebhookPayload:
    webhook: WebhookType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="deleteWebhookPayload")
class DeleteWebhookPayload:
    webhook: WebhookType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="expireWebhookSignaturePayload")
class ExpireWebhookSignaturePayload:
    webhook: WebhookType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="sendTestWebhookPayload")
class SendTestWebhookPayload:
    sent: bool | None = None
    sent_webhook: SentWebhookType | None = None
    messages: list[FieldErrorType] | None = None


def _values(input: object) -> dict:
    values = provided(input)
    if values.get("webhook_events") is not None:
        values["webhook_events"] = [e for e in values["webhook_events"] if e is not None]
    return values


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Registers a webhook URL for one or more event types.")
    def createWebhook(self, info: Info, input: CreateWebhookInput | None = None) -> CreateWebhookPayload:  # noqa: N802
        viewer = require_viewer(info)
        webhook, messages = attempt(lambda: services.webhook_create(viewer, values=_values(input)))
        return CreateWebhookPayload(webhook=webhook, messages=messages)

    @strawberry.mutation(description="Changes a webhook's URL, event types, enabled and retry flags.")
    def updateWebhook(self, info: Info, input: UpdateWebhookInput | None = None) -> UpdateWebhookPayload:  # noqa: N802
        viewer = require_viewer(info)
        values = _values(input)
        webhook, messages = attempt(lambda: services.webhook_update(viewer, webhook_id=values.pop("id", None),
                                                                    values=values))
        return UpdateWebhookPayload(webhook=webhook, messages=messages)

    @strawberry.mutation(description="Deletes a webhook; its delivery log stays readable.")
    def deleteWebhook(self, info: Info, input: DeleteWebhookInput | None = None) -> DeleteWebhookPayload:  # noqa: N802
        viewer = require_viewer(info)
        webhook, messages = attempt(lambda: services.webhook_delete(viewer, webhook_id=provided(input).get("id")))
        return DeleteWebhookPayload(webhook=webhook, messages=messages)

    @strawberry.mutation(description="Rotates the signing secret (the old one signs webhook-signature for a "
                                     "grace period).")
    def expireWebhookSignature(  # noqa: N802
        self, info: Info, input: ExpireWebhookSignatureInput | None = None
    ) -> ExpireWebhookSignaturePayload:
        viewer = require_viewer(info)
        webhook, messages = attempt(
            lambda: services.webhook_expire_signature(viewer, webhook_id=provided(input).get("id")))
        return ExpireWebhookSignaturePayload(webhook=webhook, messages=messages)

    @strawberry.mutation(description="Sends a signed sample event to the webhook's URL now.")
    def sendTestWebhook(  # noqa: N802
        self, info: Info, input: SendTestWebhookInput | None = None
    ) -> SendTestWebhookPayload:
        viewer = require_viewer(info)
        values = provided(input)
        sent, messages = attempt(lambda: services.webhook_send_test(
            viewer, webhook_id=values.get("id"), event_type=values.get("event_type")))
        if sent is None:
            return SendTestWebhookPayload(sent=False, messages=messages)
        return SendTestWebhookPayload(sent=sent.succeeded, sent_webhook=sent, messages=[])
