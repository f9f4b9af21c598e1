"""The durable record of every documented domain change."""

from __future__ import annotations

from django.db import models


class Event(models.Model):
    """A committed domain change, recorded in the same transaction as the change itself.

    Webhook deliveries and subscription pushes are derived from these rows, so a
    rolled-back write leaves nothing to deliver.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    resource_id_type = models.CharField(max_length=64)
    changed_fields = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "event_type", "-id"], name="webhooks_ev_organiz_0d441d_idx")]

    def payload(self) -> dict[str, object]:
        """The documented thin payload; ``changed_fields`` only on update events."""
        body: dict[str, object] = {
            "resource_id": self.resource_id,
            "resource_id_type": self.resource_id_type,
            "event_type": self.event_type,
        }
        if self.changed_fields is not None:
            body["changed_fields"] = list(self.changed_fields)
        return body
