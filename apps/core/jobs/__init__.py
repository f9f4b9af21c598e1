"""The durable job runner: one claim loop for every kind of background work.

- ``RetrySchedule`` (``schedule``): retry timing as data.
- ``Claimable`` (``models``): the claim columns shared by every queue's table.
- ``Queue`` (``runner``): claim with ``FOR UPDATE SKIP LOCKED``, a claim token and a lease;
  token-guarded recording of success, cancellation and failure.
- generic jobs (``generic``): ``register_kind``, ``enqueue``, ``cancel`` over one ``Job``
  table with a ``JobAttempt`` per try; e-mail is one such kind (``email``).

``python manage.py run_worker`` runs every registered queue. See docs/jobs.md.
"""

from apps.core.jobs.generic import Cancel, cancel, enqueue, register_kind
from apps.core.jobs.runner import (
    Claim,
    Failure,
    Queue,
    clear_stop,
    drain,
    queue_names,
    register_queue,
    request_stop,
    run_round,
    stopping,
)
from apps.core.jobs.schedule import RetrySchedule

__all__ = [
    "Cancel", "Claim", "Failure", "Queue", "RetrySchedule", "cancel", "clear_stop", "drain", "enqueue",
    "queue_names", "register_kind", "register_queue", "request_stop", "run_round", "stopping",
]
