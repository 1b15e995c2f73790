"""gunicorn settings for `make run`, with the embedded scheduler.

The embedded default has no cron and no task queue, so gunicorn starts the deadline job's
scheduler (`manage.py run_scheduler`) as a child process next to its workers and stops it on
exit. It is a separate process, not a thread in the master, because workers are forked from
the master and a fork taken while a thread holds Django's locks hangs the workers. Handlers
are idempotent, so a restart or an overlap with a manual `process_deadlines` is harmless.
Production installs may set HC_SCHEDULER=0 and run `process_deadlines` from cron instead.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_scheduler: subprocess.Popen | None = None


def when_ready(server: Any) -> None:
    global _scheduler
    if os.environ.get("HC_SCHEDULER", "1") == "1":
        manage = Path(__file__).resolve().parent / "manage.py"
        _scheduler = subprocess.Popen([sys.executable, str(manage), "run_scheduler"])
        server.log.info("deadline scheduler started (pid %s)", _scheduler.pid)


def on_exit(server: Any) -> None:
    if _scheduler is not None and _scheduler.poll() is None:
        _scheduler.terminate()
        _scheduler.wait(timeout=10)
