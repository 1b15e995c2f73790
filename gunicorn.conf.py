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
