"""The claim columns every queue shares, and the generic ``Job`` with its attempt log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Claimable(models.Model):
    """A durable unit of background work that ``apps.core.jobs.runner`` claims.

    ``next_attempt_at`` is the due time. A claim stamps ``claim_token`` and moves
    ``next_attempt_at`` one lease ahead, so the same column is the lease expiry while
    the row is claimed: a worker that dies leaves the row due again when the lease ends,
    and no query beyond "pending and due" is needed to find work.
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STATUSES = [(PENDING, "Pending"), (SUCCEEDED, "Succeeded"), (FAILED, "Failed"), (CANCELLED, "Cancelled")]

    status = models.CharField(max_length=12, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Job(Claimable):
    """A generic job: a registered ``kind``, its JSON ``payload`` and an optional ``subject``.

    ``subject`` names what the job is about (``"appointment:42"``) so that later changes
    can cancel or deduplicate the pending jobs of that thing. Payloads hold no secret in
    clear: kinds that carry one encrypt it (``apps.core.jobs.email``).
    """

    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=128, blank=True)
    organization = models.ForeignKey("accounts.Organization", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="core_job_due"),
            models.Index(fields=["subject"], condition=Q(status="pending") & ~Q(subject=""),
                         name="core_job_pending_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class JobAttempt(models.Model):
    """One try of a generic job: when, how long, and how it ended."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attempt_rows")
    SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"  # FAILED: this try; the job may retry
    OUTCOMES = [(SUCCEEDED, "Succeeded"), (FAILED, "Failed"), (CANCELLED, "Cancelled")]

    outcome = models.CharField(max_length=12, choices=OUTCOMES)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
