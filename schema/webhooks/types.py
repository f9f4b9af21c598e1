"""GraphQL types of webhooks, spelled as the published reference spells them."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import Prefetch
from strawberry import auto

from apps.core.timefmt import format_datetime
from schema.context import Info
from webhooks import models, services


@strawberry_django.type(models.WebhookEvent, name="WebhookEvent")
class WebhookEventType:
    id: strawberry.ID
    event_type: auto
    retry_count: auto

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.WebhookEvent) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.WebhookEvent) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["first_failed_at"])
    def first_failed_at(self, root: models.WebhookEvent) -> str | None:
        return format_datetime(root.first_failed_at)

    @strawberry_django.field(only=["last_failed_at"])
    def last_failed_at(self, root: models.WebhookEvent) -> str | None:
        return format_datetime(root.last_failed_at)

    @strawberry_django.field(only=["webhook_id"])
    def webhook_id(self, root: models.WebhookEvent) -> strawberry.ID:
        return strawberry.ID(str(root.webhook_id))


_EVENTS_PREFETCH = Prefetch("webhook_events", queryset=models.WebhookEvent.objects.order_by("event_type", "id"))


@strawberry_django.type(models.Webhook, name="Webhook")
class WebhookType:
    id: strawberry.ID
    url: auto
    is_enabled: auto
    should_retry: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(prefetch_related=[_EVENTS_PREFETCH])
    def webhook_events(self, root: models.Webhook) -> list[WebhookEventType]:
        return list(root.webhook_events.all())

    @strawberry_django.field(prefetch_related=[_EVENTS_PREFETCH],
                             description="The event type when the webhook listens to exactly one (older clients).")
    def event_type(self, root: models.Webhook) -> str | None:
        types = [e.event_type for e in root.webhook_events.all()]
        return types[0] if len(types) == 1 else None

    @strawberry_django.field(only=["secret_encrypted"],
                             description="The signing secret; null unless you have the developer permission.")
    def signature_secret(self, root: models.Webhook, info: Info) -> str | None:
        return services.webhook_secret(info.context.viewer, root)

    @strawberry_django.field(only=["warned_at"])
    def warned_at(self, root: models.Webhook) -> str | None:
        return format_datetime(root.warned_at)

    @strawberry_django.field(only=["disabled_at"])
    def disabled_at(self, root: models.Webhook) -> str | None:
        return format_datetime(root.disabled_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Webhook) -> str:
        return format_datetime(root.created_at)


@strawberry_django.type(models.Attempt, name="SentWebhook")
class SentWebhookType:
    id: strawberry.ID
    event_type: auto
    resource_id: strawberry.ID | None
    resource_id_type: auto
    url: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["created_at"], description="When the webhook was sent.")
    def created_at(self, root: models.Attempt) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["response_status"], description="The receiver's HTTP status; null when "
                             "no response arrived (timeout, connection error, refused address).")
    def http_response_status(self, root: models.Attempt) -> str | None:
        return str(root.response_status) if root.response_status is not None else None

    @strawberry_django.field(only=["webhook_id"])
    def webhook_id(self, root: models.Attempt) -> strawberry.ID:
        return strawberry.ID(str(root.webhook_id))

    @strawberry_django.field(only=["succeeded"])
    def failed(self, root: models.Attempt) -> bool:
        return not root.succeeded

    @strawberry_django.field(only=["error"], description="Why no 2xx response arrived, when it did not.")
    def error(self, root: models.Attempt) -> str | None:
        return root.error or None

    @strawberry_django.field(only=["response_body"], description="The start of the receiver's response body.")
    def response_body(self, root: models.Attempt) -> str | None:
        return root.response_body or None

    @strawberry_django.field(only=["duration_ms"])
    def duration_ms(self, root: models.Attempt) -> int:
        return root.duration_ms
