"""gunicorn settings for `make run`: an access log without ID numbers.

gunicorn serves the web only. The job worker and the scheduler are not its children: `make run`
starts `manage.py run_platform`, which supervises gunicorn, `run_worker` and `run_scheduler` as
three separate processes (each restarted when it dies, all stopped together).

The access log goes through `MaskingLogger`: an individual's ID number in a path, a query or a
referrer (`/api/v1/subjects/410825199805020518`) is written as `4108**********0518`, the masked
form the workbench shows.
"""

import os
import sys
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from config.log_filters import mask_id_numbers  # noqa: E402 — Django-free, shared with Django's log

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class MaskingLogger(Logger):
    """gunicorn's logger with every text field of an access-log line passed through
    `mask_id_numbers` (request line, path, query, referrer, headers, environ)."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_id_numbers(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = MaskingLogger


#: Seconds a worker keeps its SQLite connection between requests. Django's settings close an
#: SQLite connection after every request (`CONN_MAX_AGE` 0); under gunicorn that reopening is
#: the dearest part of a short API call: the last connection to close checkpoints the WAL and
#: deletes it, the next one recreates it (`PRAGMA journal_mode=WAL` measured at ~17 ms on a busy
#: 2-core machine, against ~0.3 ms for an open). A sync worker serves one request at a time on
#: its own connection, so keeping it is safe; Django still closes it after an error and when it
#: is older than this. PostgreSQL keeps `CONN_MAX_AGE` from the environment as before.
SQLITE_CONN_MAX_AGE = int(os.environ.get("SQLITE_CONN_MAX_AGE", "60"))


def post_worker_init(worker: Any) -> None:
    """Keep each worker's SQLite connection open between requests (`SQLITE_CONN_MAX_AGE`)."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database.get("ENGINE") == "django.db.backends.sqlite3":
            database["CONN_MAX_AGE"] = SQLITE_CONN_MAX_AGE
