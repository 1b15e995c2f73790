"""gunicorn settings for `make run`, with the embedded scheduler.

The embedded default has no cron and no task queue, so the gunicorn master runs the deadline
job itself: once at start and then every `HC_DEADLINE_INTERVAL` seconds (default one hour).
Handlers are idempotent, so a restart or an overlap with a manual `process_deadlines` is
harmless. Production installs may set HC_SCHEDULER=0 and run the command from cron instead.
"""

import os
import threading
from typing import Any

_interval = int(os.environ.get("HC_DEADLINE_INTERVAL", "3600"))
_stop = threading.Event()


def _loop(log: Any) -> None:
    import django

    django.setup()
    from django.db import close_old_connections

    from common.deadlines import run_deadlines

    while not _stop.is_set():
        try:
            run = run_deadlines()
            log.info("deadline job: %s", run.summary)
        except Exception:  # noqa: BLE001 — keep serving; the failure is logged
            log.exception("deadline job failed")
        finally:
            close_old_connections()
        _stop.wait(_interval)


def when_ready(server: Any) -> None:
    if os.environ.get("HC_SCHEDULER", "1") == "1":
        threading.Thread(target=_loop, args=(server.log,), daemon=True, name="deadlines").start()


def on_exit(server: Any) -> None:
    _stop.set()
