"""Chat: conversations, their memberships (one per user: read state, archive), notes (the
messages), scheduled notes and message blasts, and each user's chat setting.

Conversations are closed, never deleted. Notes are soft-deleted (``deleted_at``) so the
``message.deleted`` event and the conversation's history stay consistent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Conversation(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE,
                                     related_name="conversations")
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_conversations")
    # Empty: the display name is built from the members' names (documented default).
    name = models.CharField(max_length=255, blank=True)
    # Staff-only: no patient may be a member.
    internal = models.BooleanField(default=False)
    # Created by the platform for a patient and one provider (primary provider, care team).
    automatic = models.BooleanField(default=False)
    # The patient and provider of an automatic two-person conversation (its identity: never two).
    patient = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    provider = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    user_groups = models.ManyToManyField("accounts.UserGroup", blank=True, related_name="conversations")
    # Free-form client data (createConversation / updateConversation ``metadata``), stored as sent.
    metadata = models.JSONField(null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The newest delivered note, kept for list ordering and previews without a subquery.
    last_note = models.ForeignKey("chat.Note", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "provider"], condition=Q(automatic=True),
                                    name="one_automatic_conversation_per_pair"),
        ]
        indexes = [models.Index(fields=["organization", "-last_activity_at", "-id"])]

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ConversationMembership(models.Model):
    """A user's place in a conversation: ``viewed`` is false while a note they did not send is
    unread; ``archived`` hides the conversation from their active list (and stops its live
    events); removing a member deletes the row."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="conversation_memberships")
    creator = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Added through a user group (doc_share_id "group-N"), kept so a group's removal removes them.
    via_group = models.ForeignKey("accounts.UserGroup", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    viewed = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    display_name = models.CharField(max_length=255, blank=True)
    last_viewed_note = models.ForeignKey("chat.Note", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_membership_per_user")]
        indexes = [models.Index(fields=["user", "archived", "viewed"])]


class Note(models.Model):
    """A message. ``content`` is stored sanitized. A note with ``scheduled_at`` in the future
    is pending (``delivered_at`` null): only its sender's side sees it until a job delivers it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="chat_notes")
    # Sent by staff on behalf of another provider (org_chat / on_behalf_user).
    on_behalf_user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    content = models.TextField(blank=True)
    attachment = models.FileField(upload_to="chat/%Y/%m/", blank=True, max_length=500)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_content_type = models.CharField(max_length=100, blank=True)
    is_autoresponse = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    blast = models.ForeignKey("chat.MessageBlast", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="notes")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at", "-id"])]


class MessageBlast(models.Model):
    """One note sent to many patients (each in their own two-person conversation), by a job."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="message_blasts")
    content = models.TextField()
    recipients = models.ManyToManyField("accounts.User", blank=True, related_name="+")
    user_groups = models.ManyToManyField("accounts.UserGroup", blank=True, related_name="+")
    scheduled_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ChatSetting(models.Model):
    """A provider's chat preferences: the auto-response (a date range, or recurring weekly
    hours) and notification choices."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="chat_setting")
    is_active = models.BooleanField(default=False)
    content = models.TextField(blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    no_end_date = models.BooleanField(default=False)
    scheduled_turned_on = models.BooleanField(default=False)
    recurring_turned_on = models.BooleanField(default=False)
    recurring_content = models.TextField(blank=True)
    # {"monday": true, ...}; times as "HH:MM" in the provider's time zone.
    recurring_days = models.JSONField(default=dict, blank=True)
    recurring_all_day = models.BooleanField(default=False)
    recurring_start_time = models.CharField(max_length=5, blank=True)
    recurring_end_time = models.CharField(max_length=5, blank=True)
    receive_notifications = models.BooleanField(default=True)
    receive_notifications_recurring = models.BooleanField(default=True)
    send_auto_welcome = models.BooleanField(default=False)
    auto_welcome_text = models.TextField(blank=True)
    hide_close_confirmation = models.BooleanField(default=False)
    hide_org_chat_confirmation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
