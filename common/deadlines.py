"""The deadline job: one entry point that moves every procedure whose period has ended.

Apps register a handler (`register("lists.blacklist", handler)`) in their AppConfig.ready();
`manage.py process_deadlines` and the embedded scheduler call `run_deadlines`, which runs every
handler for a date and logs a `JobRun`. Handlers must be idempotent: each one selects only the
items whose deadline is on or before `as_of` and that are still in the state the deadline moves
them from, and moves them with a conditional update, so running twice, or after a gap of days,
moves each item exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable

from common import clock
from common.models import JobRun

Handler = Callable[[dt.date], int]
_handlers: dict[str, Handler] = {}
log = logging.getLogger(__name__)


def register(name: str, handler: Handler) -> None:
    """Add a handler `handler(as_of) -> number of items moved` under a unique name."""
    _handlers[name] = handler


def registered() -> dict[str, Handler]:
    return dict(_handlers)


def run_deadlines(*, as_of: dt.date | None = None) -> JobRun:
    """Run every registered handler for `as_of` (default today); one failing handler does not
    stop the others, and the failure is recorded for the monitoring dashboard."""
    as_of = as_of or clock.today()
    run = JobRun.objects.create(job="process_deadlines", started_at=clock.now(), as_of=as_of)
    summary: dict[str, int | str] = {}
    errors: list[str] = []
    for name, handler in sorted(_handlers.items()):
        try:
            summary[name] = handler(as_of)
        except Exception:  # noqa: BLE001 — recorded and reported, the other handlers still run
            log.exception("deadline handler %s failed", name)
            summary[name] = "error"
            errors.append(f"{name}:\n{traceback.format_exc()}")
    run.finished_at, run.summary = clock.now(), summary
    run.ok, run.error = not errors, "\n".join(errors)
    run.save()
    return run
