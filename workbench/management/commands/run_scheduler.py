"""`manage.py run_scheduler`: enqueue the scheduled jobs when they are due, until stopped.

Every `--interval` seconds (default HC_DEADLINE_INTERVAL) it marks failed the runs whose
worker died, then enqueues each registered job whose period (`every`) has passed since its
last run; the worker
(`manage.py run_worker`) runs them. The deadline job is registered with the day as its
idempotency key, so it runs once per day however often it is enqueued, and a failed day is
tried again after HC_DEADLINE_INTERVAL seconds. `make run` starts one scheduler; run exactly
one per installation (a second one is harmless — the keys and locks refuse duplicates).
"""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from common import jobs


class Command(BaseCommand):
    help = "Enqueue scheduled background jobs (the deadline job, ...) when they are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=int, default=settings.HC_DEADLINE_INTERVAL,
                            help="Seconds between two looks at the schedule "
                                 "(default: HC_DEADLINE_INTERVAL).")
        parser.add_argument("--once", action="store_true",
                            help="Look once, enqueue what is due, and exit.")

    def handle(self, *args: Any, interval: int = 3600, once: bool = False, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
        started = jobs.clock.now()
        while not stop.is_set():
            try:
                jobs.beat(role="scheduler", started_at=started)
                for run in jobs.run_schedule():
                    self.stdout.write(f"enqueued {run.job} #{run.pk} ({run.as_of})")
            except Exception as exc:  # noqa: BLE001 — keep the scheduler alive; logged
                self.stderr.write(f"scheduler: {exc!r}")
            finally:
                close_old_connections()
            if once:
                return
            stop.wait(interval)
