"""Scheduling: appointment types and settings, availability, appointments, credits,
notification due rows and calendar feeds. All instants are stored in UTC."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

# Statuses that make an appointment inactive (documented: deleted or one of these).
CANCELLED = "Cancelled"
RESCHEDULED = "Re-Scheduled"
NO_SHOW = "No-Show"
OCCURRED = "Occurred"
PM_STATUSES = (OCCURRED, NO_SHOW, RESCHEDULED, CANCELLED)
INACTIVE_STATUSES = (CANCELLED, RESCHEDULED, NO_SHOW)

# Contact types: the input keys accepted by contact_type_overrides and their display names.
CONTACT_TYPES: dict[str, str] = {
    "video_chat": "Healthie Video Call",
    "in_person": "In Person",
    "phone_call": "Phone Call",
}


def active_q(prefix: str = "") -> Q:
    """The documented "active appointment" condition, usable through a relation prefix."""
    return Q(**{f"{prefix}deleted_at__isnull": True}) & ~Q(**{f"{prefix}pm_status__in": INACTIVE_STATUSES})


class AppointmentSetting(models.Model):
    """A provider's booking rules, or an appointment type's override of them.

    Exactly one of ``provider`` / ``appointment_type`` is set. Minimum advance times
    are in hours, buffer and calendar interval in minutes.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    provider = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="appointment_setting"
    )
    appointment_type = models.OneToOneField(
        "scheduling.AppointmentType", null=True, blank=True, on_delete=models.CASCADE,
        related_name="appointment_setting",
    )
    buffer = models.PositiveIntegerField(default=0)
    calendar_interval = models.PositiveIntegerField(default=30)
    minimum_advance_schedule_time = models.PositiveIntegerField(default=0)
    minimum_advance_cancel_time = models.PositiveIntegerField(default=0)
    minimum_advance_reschedule_time = models.PositiveIntegerField(default=0)
    allow_clients_to_cancel_appt = models.BooleanField(default=True)
    allow_clients_to_reschedule_appt = models.BooleanField(default=True)
    allow_past_appointment_rescheduling = models.BooleanField(default=False)
    ask_clients_to_confirm = models.BooleanField(default=False)
    confirm_by_default = models.BooleanField(default=False)
    end_reminder_one_hour_before = models.BooleanField(default=False)
    always_send_confirm_notification = models.BooleanField(default=False)
    cant_cancel_message = models.CharField(max_length=500, default="Please contact provider to cancel")
    cant_reschedule_message = models.CharField(max_length=500, default="Please contact provider to reschedule")
    # Minutes before the start at which reminders go out (largest first is not required).
    reminder_minutes_before = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(provider__isnull=False, appointment_type__isnull=True)
                | Q(provider__isnull=True, appointment_type__isnull=False),
                name="appointment_setting_one_owner",
            )
        ]


class AppointmentType(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE,
                                     related_name="appointment_types")
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    length = models.PositiveIntegerField()
    is_group = models.BooleanField(default=False)
    clients_can_book = models.BooleanField(default=True)
    bookable_without_group = models.BooleanField(default=False)
    specific_groups = models.BooleanField(default=False)
    # Group ids allowed to book when specific_groups is on; None means "all groups".
    bookable_group_ids = models.JSONField(null=True, blank=True)
    user_group = models.ForeignKey("accounts.UserGroup", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    contact_type_overrides = models.JSONField(default=list, blank=True)
    is_waitlist_enabled = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "deleted_at", "id"])]

    def __str__(self) -> str:
        return self.name

    @property
    def available_contact_types(self) -> list[str]:
        keys = self.contact_type_overrides or list(CONTACT_TYPES)
        return [CONTACT_TYPES[k] for k in keys if k in CONTACT_TYPES]


class Availability(models.Model):
    """A one-time window (on ``range_start``) or a weekly window from ``range_start`` on.

    Wall-clock ``start_time``/``end_time`` in ``timezone`` (the provider's, fixed at
    creation) so a repeating window keeps its local hours across DST changes.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="availabilities")
    is_repeating = models.BooleanField(default=False)
    day_of_week = models.PositiveSmallIntegerField()  # 0 = Sunday, as documented
    range_start = models.DateField()
    range_end = models.DateField(null=True, blank=True)
    start_time = models.TimeField()
    end_time = models.TimeField()
    timezone = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "deleted_at", "range_start"])]


class RecurringAppointment(models.Model):
    """A series of appointments booked together (``recurring_appt_id``)."""

    WEEKLY, BIWEEKLY, MONTHLY, EVERY_4_WEEKS = "Weekly", "Biweekly", "Monthly", "Every 4 Weeks"
    INTERVALS = (WEEKLY, BIWEEKLY, MONTHLY, EVERY_4_WEEKS)

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    repeat_interval = models.CharField(max_length=20)
    repeat_times = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class Appointment(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="provider_appointments")
    # The client of a 1:1 appointment; group appointments use attendees only.
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="client_appointments")
    appointment_type = models.ForeignKey(AppointmentType, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="appointments")
    attendees = models.ManyToManyField("accounts.User", through="AppointmentAttendee", related_name="+")
    additional_providers = models.ManyToManyField("accounts.User", through="AppointmentProvider", related_name="+")
    recurring_appointment = models.ForeignKey(RecurringAppointment, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    timezone = models.CharField(max_length=64, blank=True)
    contact_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)
    pm_status = models.CharField(max_length=20, blank=True)
    is_group = models.BooleanField(default=False)
    booked_by_client = models.BooleanField(default=False)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    # The two documented one-to-one forms (seed 002): the form filled at booking (completeCheckout)
    # and the chart note of the session (createAppointmentFormAnswerGroupConnection).
    filled_embed_form = models.OneToOneField("forms.FormAnswerGroup", null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    form_answer_group = models.OneToOneField("forms.FormAnswerGroup", null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["provider", "start"]),
            models.Index(fields=["organization", "start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"),
        ]

    @property
    def length(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None and self.pm_status not in INACTIVE_STATUSES


class AppointmentAttendee(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="attendee_links")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="appointment_attendances")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "user"], name="unique_appointment_attendee")]


class AppointmentProvider(models.Model):
    """An additional provider on an appointment (the primary one is ``Appointment.provider``)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="provider_links")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="appointment_provider_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "user"], name="unique_appointment_provider")]


class AppointmentTypeCredit(models.Model):
    """Credits a client holds for booking an appointment type (the documented credit system).

    Used credits are not stored: they are the client's active appointments of the type,
    so cancelling gives the credit back without bookkeeping.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="appointment_type_credits")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="credits")
    total_credits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "appointment_type"], name="unique_credit_per_type")]


class CalendarFeed(models.Model):
    """A provider's read-only iCalendar subscription; the URL token is stored hashed.

    The feed shows what its creator may see of the provider's calendar, read again on every
    fetch (``created_by``; feeds made before it was recorded are the provider's own)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="calendar_feeds")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
