from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from apps.core import jobs

logger = logging.getLogger("careplatform.worker")


class Command(BaseCommand):
    help = "Runs background jobs (webhook deliveries, reminders, ...) from durable due rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="process what is due now, then exit")
        parser.add_argument("--batch", type=int, default=100, help="rows claimed per source per round")
        parser.add_argument("--idle-sleep", type=float, default=0.5, help="seconds to wait when nothing is due")
        parser.add_argument("--only", action="append", default=None, help="run only these sources")

    def handle(self, *args, **options) -> None:
        stop = {"now": False}

        def request_stop(*_: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        selected = [s for s in jobs.sources() if not options["only"] or s.name in options["only"]]
        logger.info("worker started with sources: %s", ", ".join(s.name for s in selected) or "none")
        while not stop["now"]:
            close_old_connections()
            handled = 0
            for source in selected:
                try:
                    handled += source.run_batch(options["batch"])
                except Exception:  # one failing source must not stop the others
                    logger.exception("job source %s failed", source.name)
            if options["once"] and handled == 0:
                break
            if handled == 0:
                time.sleep(options["idle_sleep"])
