"""gunicorn settings for `make run`: the embedded scheduler and an access log without ID numbers.

The embedded default has no cron and no task queue, so gunicorn starts the deadline job's
scheduler (`manage.py run_scheduler`, every HC_DEADLINE_INTERVAL seconds) as a child process
next to its workers and stops it on exit. It is a separate process, not a thread in the master,
because workers are forked from the master and a fork taken while a thread holds Django's locks
hangs the workers. Handlers are idempotent, so a restart or an overlap with a manual
`process_deadlines` is harmless. Production installs may set HC_SCHEDULER=0 and run
`process_deadlines` from cron instead.

The access log goes through `MaskingLogger`: an individual's ID number in a path, a query or a
referrer (`/api/v1/subjects/410825199805020518`) is written as `4108**********0518`, the masked
form the workbench shows.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from config.log_filters import mask_id_numbers  # noqa: E402 — Django-free, shared with Django's log

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_scheduler: subprocess.Popen | None = None


class MaskingLogger(Logger):
    """gunicorn's logger with every text field of an access-log line passed through
    `mask_id_numbers` (request line, path, query, referrer, headers, environ)."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_id_numbers(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = MaskingLogger


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
