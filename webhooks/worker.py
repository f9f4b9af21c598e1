"""The delivery worker: claim due deliveries, send them concurrently, record every try.

``run_batch`` is registered with ``apps.core.jobs`` and driven by
``python manage.py run_worker``. Each round:

1. **claim** (one short transaction): due pending rows are locked with
   ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database has it, then stamped with a
   claim token and pushed one lease into the future. Two workers never claim one row:
   the stamping ``UPDATE`` re-checks the due time, so on databases without SKIP LOCKED
   the loser simply updates nothing. A worker killed after claiming leaves rows that
   fall due again when the lease ends.
2. **send** (no transaction open): signed POSTs over one shared async client with a
   bounded number of connections, a connect timeout and a total timeout per request,
   no redirects, addresses checked at connect time (``transport``).
3. **record**: one ``Attempt`` per try; the delivery becomes succeeded, failed, or
   pending again with its next due time from ``retry``. Updates are guarded by the
   claim token, so a worker whose lease ran out cannot overwrite a newer claim.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.crypto import decrypt
from webhooks import client as http
from webhooks import notify, retry, targets
from webhooks.models import Attempt, Delivery, SigningKey, Webhook, WebhookEvent
from webhooks.signing import Signer, private_key_from_text

logger = logging.getLogger("careplatform.webhooks")



def lease() -> dt.timedelta:
    """How long a claim holds; longer than the total timeout, so a live worker never loses its claim."""
    return dt.timedelta(seconds=max(settings.WEBHOOK_LEASE_SECONDS, settings.WEBHOOK_TOTAL_TIMEOUT + 5))

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
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=Delivery.PENDING,
            next_attempt_at__lte=now,
            webhook__is_enabled=True,
            webhook__deleted_at__isnull=True,
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids, status=Delivery.PENDING, next_attempt_at__lte=now).update(
            claim_token=token, claimed_at=now, next_attempt_at=now + lease()
        )
    claimed = list(
        Delivery.objects.filter(claim_token=token)
        .only("id", "webhook_id", "msg_id", "event_type", "resource_id", "resource_id_type", "body", "is_test",
              "attempts", "first_failed_at")
        .order_by("id")
    )
    # Few webhooks serve many deliveries: load each once instead of joining it into every row.
    webhooks = Webhook.objects.select_related("organization").in_bulk({d.webhook_id for d in claimed})
    for delivery in claimed:
        delivery.webhook = webhooks[delivery.webhook_id]
    return token, claimed


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

    def close(self) -> None:
        if self.client is not None:
            self.runner.run(self.client.aclose())
            self.client = None
        self.runner.close()


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

def record(token: uuid.UUID | None, jobs: list[Job], outcomes: list[Outcome], *, now: dt.datetime) -> None:
    by_id = {job.delivery.pk: job for job in jobs}
    Attempt.objects.bulk_create([
        Attempt(
            delivery_id=o.delivery_id,
            organization_id=by_id[o.delivery_id].delivery.webhook.organization_id,
            webhook_id=by_id[o.delivery_id].delivery.webhook_id,
            event_type=by_id[o.delivery_id].delivery.event_type,
            resource_id=by_id[o.delivery_id].delivery.resource_id,
            resource_id_type=by_id[o.delivery_id].delivery.resource_id_type,
            url=by_id[o.delivery_id].url[:2048],
            response_status=o.status,
            response_body=o.body,
            error=o.error,
            succeeded=o.succeeded,
            duration_ms=o.duration_ms,
            created_at=o.started_at,
        )
        for o in outcomes
    ])
    guard: dict[str, Any] = {"claim_token": token} if token is not None else {}
    succeeded = [o for o in outcomes if o.succeeded]
    if succeeded:
        ids = [o.delivery_id for o in succeeded]
        # Statuses are recorded per row below only for failures; successes share one UPDATE.
        Delivery.objects.filter(pk__in=ids, **guard).update(
            status=Delivery.SUCCEEDED, attempts=F("attempts") + 1, next_attempt_at=None, claim_token=None,
            completed_at=now, last_status=200,
        )
        live = {by_id[i].delivery.webhook_id for i in ids if not by_id[i].delivery.is_test}
        if live:
            Webhook.objects.filter(pk__in=live, failing_since__isnull=False).update(failing_since=None,
                                                                                   warned_at=None)
    for outcome in outcomes:
        if not outcome.succeeded:
            _record_failure(by_id[outcome.delivery_id].delivery, outcome, guard, now=now)


def _record_failure(delivery: Delivery, outcome: Outcome, guard: dict[str, Any], *, now: dt.datetime) -> None:
    webhook = delivery.webhook
    failures = delivery.attempts + 1
    first_failed_at = delivery.first_failed_at or now
    next_at = None
    if webhook.should_retry and not delivery.is_test:
        next_at = retry.next_attempt(now=now, first_failed_at=first_failed_at, failures=failures,
                                     retry_after=retry.parse_retry_after(outcome.retry_after, now))
    changes: dict[str, Any] = {
        "attempts": failures, "first_failed_at": first_failed_at, "last_status": outcome.status, "claim_token": None,
    }
    if next_at is None:
        changes.update(status=Delivery.FAILED, next_attempt_at=None, completed_at=now)
    else:
        changes.update(status=Delivery.PENDING, next_attempt_at=next_at)
    updated = Delivery.objects.filter(pk=delivery.pk, **guard).update(**changes)
    if not updated or delivery.is_test:
        return
    WebhookEvent.objects.filter(webhook_id=webhook.pk, event_type=delivery.event_type).update(
        retry_count=F("retry_count") + (1 if failures > 1 else 0), last_failed_at=now,
    )
    WebhookEvent.objects.filter(webhook_id=webhook.pk, event_type=delivery.event_type,
                                first_failed_at__isnull=True).update(first_failed_at=now)
    _track_webhook_failure(webhook.pk, now=now)


def _track_webhook_failure(webhook_id: int, *, now: dt.datetime) -> None:
    """The documented escalation: e-mail after ~24 h of failures, disable (and e-mail) at 3 days.

    The e-mail goes out after the state change committed (the worker runs outside any
    outer transaction), so a rollback never e-mails and a mail outage never undoes it.
    """
    send = None
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
            send = notify.disabled
        elif failing_for >= retry.WARN_AFTER and webhook.warned_at is None:
            webhook.warned_at = now
            webhook.save(update_fields=["warned_at", "updated_at"])
            send = notify.failing
    if send is not None:
        send(webhook)


# ---- entry points ---------------------------------------------------------------------------

def run_batch(limit: int) -> int:
    """Claims up to ``limit`` due deliveries, sends them and records the results."""
    now = timezone.now()
    token, deliveries = claim(limit, now=now)
    if not deliveries:
        return 0
    jobs = prepare(deliveries, now=now)
    outcomes = send(jobs)
    record(token, jobs, outcomes, now=timezone.now())
    return len(deliveries)


def send_now(delivery: Delivery) -> Attempt:
    """Sends one delivery immediately (``sendTestWebhook``) and returns its recorded attempt."""
    delivery = Delivery.objects.select_related("webhook", "webhook__organization").get(pk=delivery.pk)
    now = timezone.now()
    jobs = prepare([delivery], now=now)
    outcomes = send(jobs)
    record(None, jobs, outcomes, now=timezone.now())
    return Attempt.objects.filter(delivery_id=delivery.pk).order_by("-id").first()
