"""The delivery queue: claim due deliveries, send them concurrently, record every try.

``run_batch`` is registered as the ``webhooks`` queue of ``apps.core.jobs`` and driven by
``python manage.py run_worker``. Claiming, the lease, the claim-token guard and retry
timing are the shared runner's (``QUEUE``, ``retry.SCHEDULE``); this module keeps what is
webhook-specific. Each round:

1. **claim** through the runner: due pending deliveries of enabled webhooks.
2. **send** (no transaction open): signed POSTs over one shared async client with a
   bounded number of connections, a connect timeout and a total timeout per request,
   no redirects, addresses checked at connect time (``transport``). The lease is longer
   than the total timeout, so a live worker never loses its claim mid-send.
3. **record**: one ``Attempt`` per try, written "in flight" right before the try starts and
   completed when its result arrives; the runner marks the delivery succeeded, failed, or
   pending again at its next due time (``Retry-After`` honoured); then the documented
   escalation of a failing webhook (owner e-mail at 24 hours, disabled at 3 days).

Results are recorded as they arrive, not when the whole batch is done: a worker killed
mid-batch re-sends only the tries that were in flight (at most ``WEBHOOK_BATCH_SIZE``), and
their in-flight ``Attempt`` rows stay in the log. On SIGTERM (``jobs.request_stop``) tries
in flight finish and claimed deliveries not yet started are released to other workers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.crypto import decrypt
from apps.core.jobs import Queue, stopping
from webhooks import client as http
from webhooks import notify, retry, targets
from webhooks.models import Attempt, Delivery, SigningKey, Webhook, WebhookEvent
from webhooks.signing import Signer, private_key_from_text

logger = logging.getLogger("careplatform.webhooks")

# The error of an Attempt until its result is recorded; it stays when the worker died mid-send.
IN_FLIGHT_ERROR = "no result recorded: the worker stopped while this try was in flight"


def batch_size(limit: int) -> int:
    """Deliveries claimed per round: the most a killed worker can have sent without recording."""
    return max(1, min(limit, settings.WEBHOOK_BATCH_SIZE))


def lease() -> dt.timedelta:
    """How long a claim holds: long enough for every delivery of a batch to be sent and recorded,
    also when the per-host limit makes some wait for a slot, so a live worker never loses its claim."""
    slots = max(1, min(settings.WEBHOOK_CONCURRENCY, settings.WEBHOOK_CONCURRENCY_PER_HOST))
    waves = -(-max(1, settings.WEBHOOK_BATCH_SIZE) // slots)
    needed = settings.WEBHOOK_TOTAL_TIMEOUT * waves + 5
    return dt.timedelta(seconds=max(settings.WEBHOOK_LEASE_SECONDS, needed))


def _eligible() -> Q:
    return Q(webhook__is_enabled=True, webhook__deleted_at__isnull=True)


QUEUE = Queue(Delivery, lease=lease, eligible=_eligible)

MAX_LOGGED_BODY = http.MAX_BODY


@dataclass
class Outcome:
    delivery_id: int
    status: int | None
    body: str
    error: str
    duration_ms: int
    started_at: dt.datetime
    retry_after: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


# ---- claim ---------------------------------------------------------------------------------

def claim(limit: int, *, now: dt.datetime | None = None) -> tuple[uuid.UUID, list[Delivery]]:
    claim = QUEUE.claim(limit, now=now)
    if not claim.ids:
        return claim.token, []
    claimed = list(
        Delivery.objects.filter(pk__in=claim.ids)
        .only("id", "webhook_id", "msg_id", "event_type", "resource_id", "resource_id_type", "body", "is_test",
              "attempts", "first_failed_at")
        .order_by("id")
    )
    # Few webhooks serve many deliveries: load each once instead of joining it into every row.
    webhooks = Webhook.objects.select_related("organization").in_bulk({d.webhook_id for d in claimed})
    for delivery in claimed:
        delivery.webhook = webhooks[delivery.webhook_id]
    return claim.token, claimed


# ---- prepare --------------------------------------------------------------------------------

def signer_for(webhook: Webhook, *, now: dt.datetime, keys: dict[int, Any]) -> Signer:
    if webhook.organization_id not in keys:
        row = SigningKey.objects.filter(organization_id=webhook.organization_id).first()
        keys[webhook.organization_id] = private_key_from_text(decrypt(row.private_key_encrypted)) if row else None
    previous = None
    if webhook.previous_secret_encrypted and webhook.previous_secret_expires_at and \
            webhook.previous_secret_expires_at > now:
        previous = decrypt(webhook.previous_secret_encrypted)
    return Signer(
        secret=decrypt(webhook.secret_encrypted),
        previous_secret=previous,
        private_key=keys[webhook.organization_id],
        key_id=str(webhook.pk),
    )


@dataclass
class Job:
    delivery: Delivery
    url: str
    headers: dict[str, str]
    body: bytes
    refused: str | None = None
    target: targets.Target | None = None


def prepare(deliveries: list[Delivery], *, now: dt.datetime) -> list[Job]:
    signers: dict[int, Signer] = {}
    parsed: dict[str, targets.Target | targets.UnsafeTarget] = {}
    keys: dict[int, Any] = {}
    timestamp = int(now.timestamp())
    jobs = []
    for delivery in deliveries:
        webhook = delivery.webhook
        body = delivery.body.encode()
        if webhook.url not in parsed:
            try:
                parsed[webhook.url] = targets.parse(webhook.url)  # settings may have changed since registration
            except targets.UnsafeTarget as error:
                parsed[webhook.url] = error
        target = parsed[webhook.url]
        if isinstance(target, targets.UnsafeTarget):
            jobs.append(Job(delivery, webhook.url, {}, body, refused=str(target)))
            continue
        if webhook.pk not in signers:
            signers[webhook.pk] = signer_for(webhook, now=now, keys=keys)
        headers = signers[webhook.pk].headers(
            url=target.url, body=body, msg_id=delivery.webhook_msg_id, timestamp=timestamp
        )
        headers["User-Agent"] = "careplatform-webhooks/1"
        jobs.append(Job(delivery, target.url, headers, body, target=target))
    return jobs


# ---- send -----------------------------------------------------------------------------------

class _Loop:
    """One event loop and one HTTP client per worker thread, kept between rounds for keep-alive."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.client: http.Client | None = None

    def run(self, jobs: list[Job]) -> list[Outcome]:
        return self.runner.run(self._send_all(jobs))

    async def _send_all(self, jobs: list[Job]) -> list[Outcome]:
        if self.client is None:
            self.client = new_client()
        return list(await asyncio.gather(*(send_one(self.client, job) for job in jobs)))

    # The two below let the (synchronous) worker thread write to the database between steps
    # of the loop: tasks started by ``start`` progress only while ``wait_any`` runs the loop.

    def start(self, jobs: list[Job]) -> list[asyncio.Task[Outcome]]:
        return self.runner.run(self._start(jobs))

    async def _start(self, jobs: list[Job]) -> list[asyncio.Task[Outcome]]:
        if self.client is None:
            self.client = new_client()
        return [asyncio.ensure_future(send_one(self.client, job)) for job in jobs]

    def wait_any(self, tasks: set[asyncio.Task[Outcome]]) -> set[asyncio.Task[Outcome]]:
        return self.runner.run(_first_completed(tasks))

    def close(self) -> None:
        if self.client is not None:
            self.runner.run(self.client.aclose())
            self.client = None
        self.runner.close()


async def _first_completed(tasks: set[asyncio.Task[Outcome]]) -> set[asyncio.Task[Outcome]]:
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    return done


def new_client() -> http.Client:
    return http.Client(
        max_connections=settings.WEBHOOK_CONCURRENCY,
        max_per_host=settings.WEBHOOK_CONCURRENCY_PER_HOST,
        connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
        total_timeout=settings.WEBHOOK_TOTAL_TIMEOUT,
    )


async def send_one(client: http.Client, job: Job) -> Outcome:
    started_at = timezone.now()
    start = time.monotonic()

    def done(status: int | None, body: str = "", error: str = "", retry_after: str | None = None) -> Outcome:
        return Outcome(job.delivery.pk, status, body, error[:255], int((time.monotonic() - start) * 1000),
                       started_at, retry_after)

    if job.refused:
        return done(None, error=f"refused: {job.refused}")
    try:
        response = await client.post(job.target or job.url, job.headers, job.body,
                                     total_timeout=settings.WEBHOOK_TOTAL_TIMEOUT)
    except http.RequestError as error:
        return done(None, error=str(error))
    except targets.UnsafeTarget as error:
        return done(None, error=f"refused: {error}")
    text = response.body.decode("utf-8", errors="replace")
    return done(response.status, text, retry_after=response.headers.get("retry-after"))


_loops: dict[int, _Loop] = {}


def _loop() -> _Loop:
    import threading

    key = threading.get_ident()
    if key not in _loops:
        _loops[key] = _Loop()
    return _loops[key]


def send(jobs: list[Job]) -> list[Outcome]:
    return _loop().run(jobs) if jobs else []


# ---- record ---------------------------------------------------------------------------------

def _attempt(job: Job, **values: Any) -> Attempt:
    delivery = job.delivery
    return Attempt(delivery_id=delivery.pk, organization_id=delivery.webhook.organization_id,
                   webhook_id=delivery.webhook_id, event_type=delivery.event_type, resource_id=delivery.resource_id,
                   resource_id_type=delivery.resource_id_type, url=job.url[:2048], **values)


def open_attempts(jobs: list[Job], *, now: dt.datetime) -> dict[int, int]:
    """Writes an in-flight ``Attempt`` per job before it is sent; returns delivery id -> attempt id."""
    rows = Attempt.objects.bulk_create([_attempt(job, error=IN_FLIGHT_ERROR, created_at=now) for job in jobs])
    return {row.delivery_id: row.pk for row in rows}


RESULT_FIELDS = ["response_status", "response_body", "error", "succeeded", "duration_ms"]


def record(token: uuid.UUID | None, jobs: list[Job], outcomes: list[Outcome], *, now: dt.datetime,
           attempts: dict[int, int] | None = None) -> None:
    """Records ``outcomes``; ``attempts`` (from ``open_attempts``) are completed instead of created."""
    by_id = {job.delivery.pk: job for job in jobs}
    results = [
        _attempt(by_id[o.delivery_id], response_status=o.status, response_body=o.body, error=o.error,
                 succeeded=o.succeeded, duration_ms=o.duration_ms, created_at=o.started_at)
        for o in outcomes
    ]
    if attempts is None:
        Attempt.objects.bulk_create(results)
    else:
        for row in results:
            row.pk = attempts[row.delivery_id]
        Attempt.objects.bulk_update(results, RESULT_FIELDS)
    succeeded = [o for o in outcomes if o.succeeded]
    if succeeded:
        ids = [o.delivery_id for o in succeeded]
        # Statuses are recorded per row below only for failures; successes share one UPDATE.
        QUEUE.succeed(token, ids, now=now, last_status=200, last_error="")
        live = {by_id[i].delivery.webhook_id for i in ids if not by_id[i].delivery.is_test}
        if live:
            Webhook.objects.filter(pk__in=live, failing_since__isnull=False).update(failing_since=None,
                                                                                   warned_at=None)
    for outcome in outcomes:
        if not outcome.succeeded:
            _record_failure(token, by_id[outcome.delivery_id].delivery, outcome, now=now)


def _record_failure(token: uuid.UUID | None, delivery: Delivery, outcome: Outcome, *, now: dt.datetime) -> None:
    webhook = delivery.webhook
    retrying = webhook.should_retry and not delivery.is_test
    error = outcome.error or f"HTTP {outcome.status}"
    result = QUEUE.fail(token, delivery, now=now, error=error, schedule=retry.SCHEDULE if retrying else None,
                        retry_after=retry.parse_retry_after(outcome.retry_after, now), last_status=outcome.status)
    if not result.recorded or delivery.is_test:
        return
    failures = result.attempts
    WebhookEvent.objects.filter(webhook_id=webhook.pk, event_type=delivery.event_type).update(
        retry_count=F("retry_count") + (1 if failures > 1 else 0), last_failed_at=now,
    )
    WebhookEvent.objects.filter(webhook_id=webhook.pk, event_type=delivery.event_type,
                                first_failed_at__isnull=True).update(first_failed_at=now)
    _track_webhook_failure(webhook.pk, now=now)


def _track_webhook_failure(webhook_id: int, *, now: dt.datetime) -> None:
    """The documented escalation: e-mail after ~24 h of failures, disable (and e-mail) at 3 days.

    The e-mail is a job enqueued with the state change, so it is sent once that commits
    (never after a rollback) and a mail outage retries it instead of undoing the change.
    """
    with transaction.atomic():
        webhook = (Webhook.objects.select_for_update(of=("self",)).select_related("organization__owner")
                   .filter(pk=webhook_id).first())
        if webhook is None or not webhook.is_enabled:
            return
        if webhook.failing_since is None:
            webhook.failing_since = now
            webhook.save(update_fields=["failing_since", "updated_at"])
            return
        failing_for = now - webhook.failing_since
        if failing_for >= retry.RETRY_WINDOW:
            webhook.is_enabled = False
            webhook.disabled_at = now
            webhook.save(update_fields=["is_enabled", "disabled_at", "updated_at"])
            logger.warning("webhook %s disabled after 3 days of failures", webhook.pk)
            notify.disabled(webhook)
        elif failing_for >= retry.WARN_AFTER and webhook.warned_at is None:
            webhook.warned_at = now
            webhook.save(update_fields=["warned_at", "updated_at"])
            notify.failing(webhook)


# ---- entry points ---------------------------------------------------------------------------

def run_batch(limit: int) -> int:
    """Claims due deliveries (at most ``batch_size(limit)``), sends them and records each try."""
    now = timezone.now()
    token, deliveries = claim(batch_size(limit), now=now)
    if not deliveries:
        return 0
    deliver(token, prepare(deliveries, now=now))
    return len(deliveries)


def _host(job: Job) -> tuple[str, str, int] | None:
    return (job.target.scheme, job.target.host, job.target.port) if job.target is not None else None


def deliver(token: uuid.UUID, jobs: list[Job]) -> None:
    """Sends ``jobs`` within the concurrency limits, recording each try as its result arrives.

    The limits are applied here rather than left to the client's queues, so an ``Attempt``
    marked in flight is a request actually under way, and a stop request can tell the tries
    that started (they finish, bounded by ``WEBHOOK_TOTAL_TIMEOUT``) from those that did not
    (released to other workers at once).
    """
    loop = _loop()
    waiting = list(jobs)
    running: dict[asyncio.Task[Outcome], tuple[Job, int]] = {}
    per_host: Counter[tuple[str, str, int] | None] = Counter()
    while waiting or running:
        if waiting and stopping():
            released = QUEUE.release(token, [job.delivery.pk for job in waiting], now=timezone.now())
            logger.info("stopping: released %s claimed deliveries not yet sent", released)
            waiting = []
        starting = []
        for job in list(waiting):
            if len(running) + len(starting) >= settings.WEBHOOK_CONCURRENCY:
                break
            host = _host(job)
            if host is not None and per_host[host] >= settings.WEBHOOK_CONCURRENCY_PER_HOST:
                continue
            per_host[host] += 1
            starting.append(job)
            waiting.remove(job)
        if starting:
            attempt_ids = open_attempts(starting, now=timezone.now())
            for job, task in zip(starting, loop.start(starting), strict=True):
                running[task] = (job, attempt_ids[job.delivery.pk])
        if not running:
            continue
        finished = [(task, *running.pop(task)) for task in loop.wait_any(set(running))]
        outcomes = []
        for task, job, _ in finished:
            per_host[_host(job)] -= 1
            outcomes.append(_outcome_of(task, job))
        record(token, [job for _, job, _ in finished], outcomes, now=timezone.now(),
               attempts={job.delivery.pk: attempt_id for _, job, attempt_id in finished})


def _outcome_of(task: asyncio.Task[Outcome], job: Job) -> Outcome:
    try:
        return task.result()
    except Exception as error:  # a bug in sending must still close the try it opened
        logger.exception("sending delivery %s failed unexpectedly", job.delivery.pk)
        return Outcome(job.delivery.pk, None, "", f"worker error: {type(error).__name__}"[:255], 0, timezone.now())


def send_now(delivery: Delivery) -> Attempt:
    """Sends one delivery immediately (``sendTestWebhook``) and returns its recorded attempt."""
    delivery = Delivery.objects.select_related("webhook", "webhook__organization").get(pk=delivery.pk)
    now = timezone.now()
    jobs = prepare([delivery], now=now)
    outcomes = send(jobs)
    record(None, jobs, outcomes, now=timezone.now())
    return Attempt.objects.filter(delivery_id=delivery.pk).order_by("-id").first()
