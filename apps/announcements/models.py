from django.db import models


class Announcement(models.Model):
    """A provider announcement shown to the organization's patients."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="announcements")
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="announcements")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
