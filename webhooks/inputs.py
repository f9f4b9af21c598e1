"""Typed input of the webhook services (fields default to ``UNSET``: not sent)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.inputs import UNSET, Unset


@dataclass(frozen=True)
class WebhookInput:
    """``createWebhook`` / ``updateWebhook``. ``webhook_events`` are event type names (the
    documented list); ``event_type`` is the older single-type argument. Both may be sent."""

    url: str | None | Unset = UNSET
    event_type: str | None | Unset = UNSET
    is_enabled: bool | None | Unset = UNSET
    should_retry: bool | None | Unset = UNSET
    webhook_events: list[str] | None | Unset = UNSET
