"""`manage.py run_scheduler`: run the deadline job now and then every interval, until stopped.

The embedded default's scheduler (started by gunicorn.conf.py); each run is logged as a
`JobRun` for the monitoring pages, and a failing run never stops the loop.
"""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from common.deadlines import run_deadlines


class Command(BaseCommand):
    help = "Run process_deadlines periodically (the embedded default's scheduler)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=int, default=settings.HC_DEADLINE_INTERVAL,
                            help="Seconds between runs (default: HC_DEADLINE_INTERVAL).")

    def handle(self, *args: Any, interval: int = 3600, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.is_set():
            try:
                run = run_deadlines()
                self.stdout.write(f"deadline job {run.as_of}: {run.summary}")
            except Exception as exc:  # noqa: BLE001 — keep the scheduler alive; logged
                self.stderr.write(f"deadline job failed: {exc!r}")
            finally:
                close_old_connections()
            stop.wait(interval)
