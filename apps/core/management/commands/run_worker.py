from __future__ import annotations

import logging
import signal

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from apps.core.jobs import runner

logger = logging.getLogger("careplatform.worker")


class Command(BaseCommand):
    help = "Runs background work (generic jobs such as e-mail and reminders, webhook deliveries) from durable rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="process what is due now, then exit")
        parser.add_argument("--batch", type=int, default=100,
                            help="rows claimed per queue per round (webhooks: at most WEBHOOK_BATCH_SIZE)")
        parser.add_argument("--idle-sleep", type=float, default=0.5, help="seconds to wait when nothing is due")
        parser.add_argument("--only", action="append", default=None,
                            help="run only these queues (repeatable): " + ", ".join(runner.queue_names()))

    def handle(self, *args, **options) -> None:
        only = options["only"]
        unknown = sorted(set(only or []) - set(runner.queue_names()))
        if unknown:
            raise CommandError(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(runner.queue_names())}")
        runner.clear_stop()
        signals = (signal.SIGTERM, signal.SIGINT)

        def request_stop(signum: int, _frame: object) -> None:
            # Graceful: sends in flight finish (bounded by WEBHOOK_TOTAL_TIMEOUT), claimed work not
            # yet started is released. A second signal ends the process at once (claims then come
            # back after their lease).
            logger.info("worker stopping (%s): finishing started work, releasing the rest",
                        signal.Signals(signum).name)
            runner.request_stop()
            for sig in signals:
                signal.signal(sig, signal.SIG_DFL)

        previous = {sig: signal.signal(sig, request_stop) for sig in signals}
        selected = [name for name in runner.queue_names() if not only or name in only]
        logger.info("worker started with queues: %s", ", ".join(selected) or "none")
        try:
            while not runner.stopping():
                close_old_connections()
                handled = runner.run_round(options["batch"], only)
                if options["once"] and handled == 0:
                    break
                if handled == 0:
                    runner.wait_for_stop(options["idle_sleep"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("worker stopped")
