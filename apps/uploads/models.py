"""A direct upload: a file the client declared (name, size, MD5, type), then PUT to a signed URL,
then attached once by a domain mutation (``upload_id``)."""

from __future__ import annotations

from django.db import models


class DirectUpload(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    # What the upload may be attached to (``"forms.custom_module"`` and the question's id): an
    # upload asked for one record cannot be attached to another.
    purpose = models.CharField(max_length=64)
    target_id = models.BigIntegerField()
    filename = models.CharField(max_length=255)
    byte_size = models.PositiveBigIntegerField()
    checksum = models.CharField(max_length=24)  # base64 MD5 of the bytes, as ActiveStorage clients send
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to="uploads/%Y/%m/", blank=True, max_length=500)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]
