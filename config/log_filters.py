"""Logging filters for the platform's handlers (wired in `config.settings.base.LOGGING`) and
the ID-number mask shared with gunicorn's access log (gunicorn.conf.py).

This module imports nothing from Django, so gunicorn's configuration can use it before Django
is set up.
"""

import logging
import re

# A resident ID number (GB 11643: 17 digits and a digit or X; the older 15-digit form), not
# glued to other letters or digits. An all-digit enterprise code is masked too: harmless.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7}|\d{10})(\d{3}[0-9Xx]|\d{4})(?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """Keep the first and last four characters of every ID number in `text`, as the workbench
    shows it (`4108**********0518`)."""
    return ID_NUMBER.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)


class MaskIdNumbersFilter(logging.Filter):
    """Mask ID numbers in a log line: Django names the path of every refused request
    ("Unauthorized: /api/v1/subjects/410825199805020518")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class RefusedRequestFilter(logging.Filter):
    """Log a refused request (403, 404, 400 …) as one line, without a traceback.

    Django logs `PermissionDenied`, `Http404` and `SuspiciousOperation` with the exception
    attached, so every refused request would print a traceback indistinguishable from a fault.
    A refusal is the platform working as intended: keep the line ("Forbidden (Permission
    denied): /admin/"), drop the traceback. Answers of 500 and up keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
