"""Signed webhook deliveries per second from one worker to a loopback receiver.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_events \
        python bench/webhook_throughput.py --events 5000 --batch 200

Creates its own organization and webhook in the configured database (migrating it
first), writes N events through ``emit()`` (so the outbox rows are real), then drains
them with ``webhooks.worker.run_batch`` exactly as ``run_worker`` does: claim, sign
(documented HMAC, Standard Webhooks, Ed25519), POST, record an Attempt per try.
Without DATABASE_URL it uses a throw-away SQLite file.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200, help="rows claimed per round (run_worker --batch)")
    parser.add_argument("--concurrency", type=int, default=100, help="WEBHOOK_CONCURRENCY")
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ["WEBHOOK_ALLOWED_PRIVATE_HOSTS"] = "127.0.0.1"
    os.environ["WEBHOOK_ALLOW_HTTP"] = "1"
    os.environ["WEBHOOK_CONCURRENCY"] = str(args.concurrency)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from apps.accounts.models import Organization, User
    from apps.accounts.viewer import Viewer
    from apps.events.bus import emit
    from webhooks import services, worker
    from webhooks.inputs import WebhookInput
    from webhooks.models import Attempt, Delivery

    port = free_port()
    receiver = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_receiver.py"), str(port)],
                                stdout=subprocess.PIPE, text=True)
    assert receiver.stdout.readline().strip() == "ready"
    try:
        org = Organization.objects.create(name="Bench webhooks")
        owner = User.objects.create(organization=org, is_patient=False, first_name="Bench", last_name="Owner",
                                    email="bench-owner@example.com")
        from apps.accounts.models import OrganizationMembership

        OrganizationMembership.objects.create(organization=org, user=owner)
        org.owner = owner
        org.save(update_fields=["owner"])
        patient = User.objects.create(organization=org, first_name="Pat", last_name="Bench", email="")
        webhook = services.webhook_create(Viewer(user=owner), data=WebhookInput(
            url=f"http://127.0.0.1:{port}/hooks", event_type="patient.updated"))
        with transaction.atomic():
            for _ in range(args.events):
                emit("patient.updated", patient, organization_id=org.pk, changed_fields=["first_name"])
        pending = Delivery.objects.filter(webhook=webhook, status=Delivery.PENDING).count()
        worker.run_batch(1)  # warm up: connection pool, key decryption code paths
        start = time.perf_counter()
        sent = 1
        while handled := worker.run_batch(args.batch):
            sent += handled
        elapsed = time.perf_counter() - start
        ok = Attempt.objects.filter(webhook=webhook, succeeded=True).count()
        print(f"database: {django.db.connection.vendor}; events: {pending}; batch: {args.batch}; "
              f"concurrency: {args.concurrency}")
        print(f"delivered {ok} signed webhooks in {elapsed:.2f}s -> {(sent - 1) / elapsed:,.0f} deliveries/s "
              f"per worker (target >= 1,000)")
        webhook.delete()
        patient.delete()
    finally:
        receiver.terminate()


if __name__ == "__main__":
    main()
