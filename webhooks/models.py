"""The webhook transport of domain events: Endpoint (Webhook) -> Delivery -> Attempt.

``apps.events`` records each ``Event`` inside the transaction of the change it
describes; the outbox hook (``webhooks.outbox``) writes one ``Delivery`` per subscribed
endpoint in that same transaction, so a rolled-back write leaves nothing to send. The worker claims
due deliveries and records each HTTP try as an ``Attempt`` (the documented
``sentWebhooks`` log).
"""

from __future__ import annotations

import uuid

from django.db import models

from apps.core.jobs.models import Claimable


class Webhook(models.Model):
    """A receiver URL registered by an organization (the documented ``Webhook`` object).

    Secrets are stored encrypted (``apps.core.crypto``). During a rotation the previous
    secret keeps signing the Standard Webhooks header until ``previous_secret_expires_at``.
    Deleting a webhook is a soft delete so its delivery log stays queryable.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=2048)
    is_enabled = models.BooleanField(default=True)
    should_retry = models.BooleanField(default=True)
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Failure tracking for the documented 24-hour e-mail and 3-day disable.
    failing_since = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-id"])]


class WebhookEvent(models.Model):
    """One event type a webhook listens to (several per webhook, several webhooks per type)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="webhook_events")
    event_type = models.CharField(max_length=64)
    retry_count = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["webhook", "event_type"], name="unique_webhook_event_type")]
        indexes = [models.Index(fields=["event_type", "webhook"])]


class SigningKey(models.Model):
    """An organization's Ed25519 key pair for ``v1a`` signatures; the private half is encrypted."""

    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE,
                                        related_name="webhook_signing_key")
    private_key_encrypted = models.TextField()
    public_key = models.CharField(max_length=80)  # "whpk_" + base64 of the raw 32-byte key
    created_at = models.DateTimeField(auto_now_add=True)


class Delivery(Claimable):
    """One event owed to one webhook: the outbox row the worker claims.

    The claim columns (status, due time, claim token, lease) come from
    ``apps.core.jobs.Claimable`` and are claimed by the shared runner; a worker that dies
    mid-send leaves the row due again once the lease ends. Deliveries are never cancelled.
    """

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="deliveries")
    # The Standard Webhooks ``webhook-id``: stable across retries so receivers can deduplicate.
    msg_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    resource_id_type = models.CharField(max_length=64)
    body = models.TextField()  # the exact compact JSON sent, frozen when the event happened
    is_test = models.BooleanField(default=False)
    last_status = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # The worker's claim: pending rows by due time.
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due"),
            models.Index(fields=["claim_token"], name="webhooks_delivery_claim"),
        ]

    @property
    def webhook_msg_id(self) -> str:
        return f"msg_{self.msg_id.hex}"


class Attempt(models.Model):
    """One HTTP try of a delivery: the ``SentWebhook`` record of the documented log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    # Denormalized so the log filters and scopes without joins.
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="attempts")
    event_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    resource_id_type = models.CharField(max_length=64)
    url = models.CharField(max_length=2048)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # truncated
    error = models.CharField(max_length=255, blank=True)
    succeeded = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-id"]),
            models.Index(fields=["organization", "resource_id"]),
        ]
