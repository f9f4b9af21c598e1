"""Kernel models: the generic durable jobs (``apps.core.jobs``)."""

from apps.core.jobs.models import Job, JobAttempt

__all__ = ["Job", "JobAttempt"]
