"""Webhook mutations: build the service's typed input, call one service, return the payload."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.payloads import provided, run
from schema.webhooks.inputs import (
    CreateWebhookInput,
    DeleteWebhookInput,
    ExpireWebhookSignatureInput,
    SendTestWebhookInput,
    UpdateWebhookInput,
    webhook_input,
)
from schema.webhooks.payloads import (
    CreateWebhookPayload,
    DeleteWebhookPayload,
    ExpireWebhookSignaturePayload,
    SendTestWebhookPayload,
    UpdateWebhookPayload,
)
from webhooks import services
from webhooks.models import Attempt


def _id(data: object | None) -> object:
    return provided(data).get("id")


def _sent(attempt: Attempt) -> dict[str, object]:
    return {"sent": attempt.succeeded, "sent_webhook": attempt}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Registers a webhook URL for one or more event types.")
    def createWebhook(self, info: Info, input: CreateWebhookInput | None = None) -> CreateWebhookPayload:  # noqa: N802
        return run(CreateWebhookPayload, lambda: services.webhook_create(
            info.context.viewer, data=webhook_input(input)), "webhook")

    @strawberry.mutation(description="Changes a webhook's URL, event types, enabled and retry flags.")
    def updateWebhook(self, info: Info, input: UpdateWebhookInput | None = None) -> UpdateWebhookPayload:  # noqa: N802
        return run(UpdateWebhookPayload, lambda: services.webhook_update(
            info.context.viewer, webhook_id=_id(input), data=webhook_input(input)), "webhook")

    @strawberry.mutation(description="Deletes a webhook; its delivery log stays readable.")
    def deleteWebhook(self, info: Info, input: DeleteWebhookInput | None = None) -> DeleteWebhookPayload:  # noqa: N802
        return run(DeleteWebhookPayload, lambda: services.webhook_delete(info.context.viewer, webhook_id=_id(input)),
                   "webhook")

    @strawberry.mutation(description="Rotates the signing secret (the old one signs webhook-signature for a "
                                     "grace period).")
    def expireWebhookSignature(  # noqa: N802
        self, info: Info, input: ExpireWebhookSignatureInput | None = None
    ) -> ExpireWebhookSignaturePayload:
        return run(ExpireWebhookSignaturePayload, lambda: services.webhook_expire_signature(
            info.context.viewer, webhook_id=_id(input)), "webhook")

    @strawberry.mutation(description="Sends a signed sample event to the webhook's URL now.")
    def sendTestWebhook(  # noqa: N802
        self, info: Info, input: SendTestWebhookInput | None = None
    ) -> SendTestWebhookPayload:
        return run(SendTestWebhookPayload, lambda: _sent(services.webhook_send_test(
            info.context.viewer, webhook_id=_id(input), event_type=provided(input).get("event_type"))),
            failed={"sent": False})
