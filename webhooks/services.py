"""Webhook writes: register, change, delete, rotate the secret, send a test delivery.

Only organization members with the developer permission (``viewer.require("is_developer")``;
owners hold every permission) manage webhooks. Input problems raise ``ValidationFailed``,
missing and other organizations' ids ``NotFound`` (both end up in the payload's
``messages``); permission problems raise ``Forbidden``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.viewer import Viewer
from apps.core.crypto import encrypt
from apps.core.errors import Collector, ValidationFailed
from apps.core.inputs import is_set, sent
from apps.events.catalog import EVENT_TYPES, resource_type_for
from webhooks import signing, targets
from webhooks.inputs import WebhookInput
from webhooks.models import Attempt, Delivery, SigningKey, Webhook, WebhookEvent
from webhooks.selectors import webhook_get

MAX_EVENTS = len(EVENT_TYPES)
DEVELOPER = "is_developer"
REFUSAL = "Managing webhooks requires the developer permission."


def ensure_signing_key(organization_id: int) -> SigningKey:
    existing = SigningKey.objects.filter(organization_id=organization_id).first()
    if existing is not None:
        return existing
    private, public = signing.new_key_pair()
    key, _ = SigningKey.objects.get_or_create(
        organization_id=organization_id,
        defaults={"private_key_encrypted": encrypt(signing.private_key_text(private)), "public_key": public},
    )
    return key


def _event_types(errors: Collector, data: WebhookInput, *, required: bool) -> list[str] | None:
    """Event types from ``webhook_events`` (documented) and/or the older single ``event_type``."""
    requested: list[str] = []
    sent_any = False
    if sent(data.event_type) not in (None, ""):
        sent_any = True
        requested.append(str(data.event_type).strip())
    if sent(data.webhook_events) is not None:
        sent_any = True
        requested.extend(str(event_type or "").strip() for event_type in data.webhook_events)
    if not sent_any:
        if required:
            errors.add("webhook_events", "Choose at least one event type, like patient.created.")
        return None
    unknown = sorted({t for t in requested if t not in EVENT_TYPES})
    if unknown:
        errors.add("webhook_events", f"Unknown event type: {', '.join(repr(t) for t in unknown)[:300]}. "
                                     "See the event types in docs/webhooks.md.")
        return None
    unique = sorted(set(requested))
    if not unique:
        errors.add("webhook_events", "Choose at least one event type, like patient.created.")
        return None
    return unique


def _url(errors: Collector, value: object) -> str | None:
    try:
        return targets.validate(value).url
    except targets.UnsafeTarget as error:
        errors.add("url", str(error))
        return None


def _flag(errors: Collector, data: WebhookInput, name: str) -> bool | None:
    value = sent(getattr(data, name))
    if value is None:
        return None
    if not isinstance(value, bool):
        errors.add(name, f"{name} must be true or false.")
        return None
    return value


@transaction.atomic
def webhook_create(viewer: Viewer, *, data: WebhookInput) -> Webhook:
    viewer.require(DEVELOPER, message=REFUSAL)
    errors = Collector()
    url = _url(errors, sent(data.url))
    event_types = _event_types(errors, data, required=True)
    is_enabled = _flag(errors, data, "is_enabled")
    should_retry = _flag(errors, data, "should_retry")
    errors.raise_if_any()
    webhook = Webhook.objects.create(
        organization_id=viewer.organization_id,
        url=url,
        is_enabled=True if is_enabled is None else is_enabled,
        should_retry=True if should_retry is None else should_retry,
        secret_encrypted=encrypt(signing.new_secret()),
        created_by=viewer.user,
    )
    WebhookEvent.objects.bulk_create([WebhookEvent(webhook=webhook, event_type=t) for t in event_types])
    ensure_signing_key(viewer.organization_id)
    return webhook


@transaction.atomic
def webhook_update(viewer: Viewer, *, webhook_id: object, data: WebhookInput) -> Webhook:
    viewer.require(DEVELOPER, message=REFUSAL)
    webhook = webhook_get(viewer, webhook_id)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    errors = Collector()
    url = _url(errors, data.url) if is_set(data.url) and data.url is not None else None
    event_types = _event_types(errors, data, required=False)
    is_enabled = _flag(errors, data, "is_enabled")
    should_retry = _flag(errors, data, "should_retry")
    errors.raise_if_any()
    if url is not None:
        webhook.url = url
    if should_retry is not None:
        webhook.should_retry = should_retry
    if is_enabled is not None:
        if is_enabled and not webhook.is_enabled:
            # Re-enabled by a person: the failure clock starts over.
            webhook.failing_since = webhook.warned_at = webhook.disabled_at = None
        webhook.is_enabled = is_enabled
    webhook.save()
    if event_types is not None:
        WebhookEvent.objects.filter(webhook=webhook).exclude(event_type__in=event_types).delete()
        existing = set(WebhookEvent.objects.filter(webhook=webhook).values_list("event_type", flat=True))
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(webhook=webhook, event_type=t) for t in event_types if t not in existing]
        )
    return webhook


@transaction.atomic
def webhook_delete(viewer: Viewer, *, webhook_id: object) -> Webhook:
    """Soft delete: nothing more is sent, the delivery log stays readable."""
    viewer.require(DEVELOPER, message=REFUSAL)
    webhook = webhook_get(viewer, webhook_id)
    now = timezone.now()
    Webhook.objects.filter(pk=webhook.pk).update(deleted_at=now, is_enabled=False, updated_at=now)
    Delivery.objects.filter(webhook=webhook, status=Delivery.PENDING).update(
        status=Delivery.FAILED, next_attempt_at=None, completed_at=now, claim_token=None
    )
    webhook.deleted_at, webhook.is_enabled = now, False
    return webhook


@transaction.atomic
def webhook_expire_signature(viewer: Viewer, *, webhook_id: object) -> Webhook:
    """Rotates the secret. The old one keeps signing ``webhook-signature`` for the grace period."""
    viewer.require(DEVELOPER, message=REFUSAL)
    webhook = Webhook.objects.select_for_update().get(pk=webhook_get(viewer, webhook_id).pk)
    now = timezone.now()
    webhook.previous_secret_encrypted = webhook.secret_encrypted
    webhook.previous_secret_expires_at = now + dt.timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    webhook.secret_encrypted = encrypt(signing.new_secret())
    webhook.save(update_fields=["previous_secret_encrypted", "previous_secret_expires_at", "secret_encrypted",
                                "updated_at"])
    return webhook


def webhook_send_test(viewer: Viewer, *, webhook_id: object, event_type: str | None = None) -> Attempt:
    """Sends a signed sample event now (no retries) and returns the recorded try."""
    from webhooks import worker

    viewer.require(DEVELOPER, message=REFUSAL)
    webhook = webhook_get(viewer, webhook_id)
    subscribed = sorted(webhook.webhook_events.values_list("event_type", flat=True))
    chosen = (event_type or "").strip() or (subscribed[0] if subscribed else "patient.updated")
    if chosen not in EVENT_TYPES:
        raise ValidationFailed("event_type", f"Unknown event type: '{chosen[:64]}'.")
    try:
        targets.validate(webhook.url)
    except targets.UnsafeTarget as error:
        # The stored URL is refused now (settings changed): reported on the input that chose the webhook.
        raise ValidationFailed("id", str(error)) from error
    payload: dict[str, object] = {"resource_id": "0", "resource_id_type": resource_type_for(chosen),
                                  "event_type": chosen}
    if chosen.endswith(".updated"):
        payload["changed_fields"] = []
    with transaction.atomic():
        delivery = Delivery.objects.create(
            webhook=webhook, event=None, event_type=chosen, resource_id="0",
            resource_id_type=resource_type_for(chosen), body=signing.compact_json(payload), is_test=True,
            next_attempt_at=None,  # never claimed by the worker: sent right here, once
        )
    return worker.send_now(delivery)


def webhook_secret(viewer: Viewer, webhook: Webhook) -> str | None:
    """The signing secret, for developers only."""
    from apps.core.crypto import decrypt

    return decrypt(webhook.secret_encrypted) if viewer.allows(DEVELOPER) else None
