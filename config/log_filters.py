"""Logging filters for the platform's handlers (wired in `config.settings.base.LOGGING`)."""

import logging


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
