"""The deadline job: one entry point that moves every procedure whose period has ended.

Apps register a handler (`register("lists.blacklist", handler)`) in their AppConfig.ready();
`manage.py process_deadlines` and the embedded scheduler call `run_deadlines`, which runs every
handler for a date and logs a `JobRun`. Handlers must be idempotent: each one selects only the
items whose deadline is on or before `as_of` and that are still in the state the deadline moves
them from, and moves them with a conditional update, so running twice, or after a gap of days,
moves each item exactly once.

Handlers run by stage, then name: procedures first (stage 0: a listing expires, a commitment is
broken), then what follows from them (stage 1: re-grading every subject whose basis changed),
so a grade re-computed by the job already sees the day's procedural changes. A run for another
day (`--as-of`) runs with the injectable clock set to that day, so every service the handlers
call agrees on what "today" is.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from contextlib import nullcontext

from common import clock
from common.models import JobRun

Handler = Callable[[dt.date], int]
_handlers: dict[str, Handler] = {}
_stages: dict[str, int] = {}
log = logging.getLogger(__name__)


def register(name: str, handler: Handler, *, stage: int = 0) -> None:
    """Add a handler `handler(as_of) -> number of items moved` under a unique name; a higher
    `stage` runs after every handler of a lower one."""
    _handlers[name] = handler
    _stages[name] = stage


def previous_run_as_of(*, before: dt.date) -> dt.date | None:
    """The day the last successful run processed before `before`, so a handler that reacts to
    what changed "since the last run" covers a gap of days once (None: never ran)."""
    return (JobRun.objects.filter(job="process_deadlines", ok=True, as_of__lt=before)
            .order_by("-as_of").values_list("as_of", flat=True).first())


def registered() -> dict[str, Handler]:
    return dict(_handlers)


def run_deadlines(*, as_of: dt.date | None = None, run: JobRun | None = None) -> JobRun:
    """Run every registered handler for `as_of` (default today); one failing handler does not
    stop the others, and the failure is recorded for the monitoring dashboard. `run`: the
    background job's own log row (`common.tasks.deadline_job`), else a new one is written."""
    as_of = as_of or clock.today()
    # the run's own times are real; only the handlers see `as_of` as today
    if run is None:
        run = JobRun.objects.create(job="process_deadlines", started_at=clock.now(),
                                    as_of=as_of, status="running")
    context = nullcontext() if as_of == clock.today() else clock.frozen_at(as_of)
    summary: dict[str, int | str] = {}
    errors: list[str] = []
    with context:
        for name in sorted(_handlers, key=lambda n: (_stages.get(n, 0), n)):
            try:
                summary[name] = _handlers[name](as_of)
            except Exception:  # noqa: BLE001 — recorded, reported; the other handlers still run
                log.exception("deadline handler %s failed", name)
                summary[name] = "error"
                errors.append(f"{name}:\n{traceback.format_exc()}")
    run.finished_at, run.summary = clock.now(), summary
    run.ok, run.error = not errors, "\n".join(errors)
    run.status = "succeeded" if run.ok else "failed"
    run.save()
    return run
