"""Background jobs: a registry of named jobs run through Django's Tasks API, each run logged.

Why a registry on top of `django_tasks`: every job needs the same things the Tasks API does not
give — a `JobRun` row a page can show (progress, rows, outcome, error), an idempotency key (the
deadline job runs once per day), an exclusive lock (two full re-grades never run at once), a
retry of a failed run with the same arguments, and detection of a run whose worker died (it is
marked failed and its `on_abandon` hook cleans what it left behind). Apps register their jobs in
their `tasks` module (discovered at start-up by `common.apps`), without `common` importing them:

    jobs.register("scoring.full_regrade", label=..., func=run_full_regrade, lock="scoring.regrade",
                  on_abandon=clean_batches)
    jobs.enqueue("scoring.full_regrade", actor=user, as_of="2026-12-02")

`func(run, **args)` does the work and returns the number of rows it touched (or None); it may
call `report(run, progress=..)` as it goes. Arguments are JSON (dates as ISO strings).

One Django task (`common.tasks.execute_job`) carries every job: the backend (`TASKS`, the
database by default, so `manage.py db_worker` on any machine that reaches the database is a
worker) only ever sees a run id.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils.translation import gettext as _

from common import clock
from common.errors import Conflict, NotFound
from common.models import LIVE_STATES, Heartbeat, JobRun, JobStatus

log = logging.getLogger(__name__)
HOST = socket.gethostname()[:100]


@dataclass(frozen=True)
class JobSpec:
    """A registered job: what it does and the rules its runs follow."""

    name: str
    label: Any  # a lazy translation
    func: Callable[..., int | None]
    lock: str = ""
    daily_key: bool = False
    every: int | None = None  # seconds: the scheduler enqueues it this often
    on_abandon: Callable[[JobRun], None] | None = None
    default_args: Callable[[], dict[str, Any]] | None = None


_registry: dict[str, JobSpec] = {}


def register(name: str, *, label: Any, func: Callable[..., int | None], lock: str = "",
             daily_key: bool = False, every: int | None = None,
             on_abandon: Callable[[JobRun], None] | None = None,
             default_args: Callable[[], dict[str, Any]] | None = None) -> JobSpec:
    """Register a job under a unique name (re-registering replaces it: module reloads)."""
    spec = JobSpec(name=name, label=label, func=func, lock=lock, daily_key=daily_key,
                   every=every, on_abandon=on_abandon, default_args=default_args)
    _registry[name] = spec
    return spec


def register_command(name: str, *, command: str, label: Any, every: int | None = None,
                     daily_key: bool = False, lock: str = "") -> JobSpec:
    """Register a management command as a job (a statistics snapshot, a report, an import), so
    it is scheduled, logged and retried like any other: its arguments are the command's options
    (`enqueue(name, as_of="2026-12-02", **options)` calls `call_command(command, **options)`),
    and a command that wants to show progress may accept a `job_run` option."""

    def run_command(*, run: JobRun, as_of: str | None = None, **options: Any) -> int | None:
        from django.core.management import call_command, get_commands, load_command_class

        app = get_commands()[command]
        parser = load_command_class(app, command).create_parser("manage.py", command)
        if any(a.dest == "job_run" for a in parser._actions):
            options["job_run"] = run
        result = call_command(command, **options)
        return int(result) if isinstance(result, str) and result.isdigit() else None

    return register(name, label=label, func=run_command, every=every, daily_key=daily_key,
                    lock=lock or name)


def registered() -> dict[str, JobSpec]:
    return dict(_registry)


def spec_of(name: str) -> JobSpec:
    try:
        return _registry[name]
    except KeyError:
        raise NotFound("unknown_job", _("No such job: %(name)s.") % {"name": name}) from None


def stale_after() -> dt.timedelta:
    """A running job whose worker gave no sign of life for this long is dead."""
    return dt.timedelta(seconds=getattr(settings, "HC_JOB_STALE_SECONDS", 300))


# --- starting a run ---

def enqueue(name: str, *, actor: Any = None, retry_of: JobRun | None = None,
            **args: Any) -> JobRun:
    """Log a queued run and hand it to the task backend; returns at once.

    Refused (`Conflict`) when the job's lock is held by a queued or running run, or when its
    idempotency key (the day, for a daily job) was already used by a run that did not fail.
    """
    spec = spec_of(name)
    if spec.default_args and not args:
        args = spec.default_args()
    as_of = dt.date.fromisoformat(args["as_of"]) if args.get("as_of") else clock.today()
    key = f"{name}:{as_of.isoformat()}" if spec.daily_key else ""
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=name, args=args, status=JobStatus.QUEUED, enqueued_at=clock.now(),
                as_of=as_of, key=key, lock=spec.lock, retry_of=retry_of,
                triggered_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        if key and JobRun.objects.filter(key=key).exclude(status=JobStatus.FAILED).exists():
            raise Conflict("job_already_ran", _("%(job)s has already run for %(day)s.")
                           % {"job": spec.label, "day": as_of}) from None
        raise Conflict("job_running", _("%(job)s is already queued or running; wait for it "
                                        "to finish.") % {"job": spec.label}) from None
    from common.tasks import execute_job  # the task module imports this one

    result = execute_job.enqueue(run.pk)
    # The immediate backend has already run the job: do not overwrite what it wrote.
    JobRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    run.refresh_from_db()
    return run


def retry(*, run: JobRun, actor: Any) -> JobRun:
    """Run a failed job again with the same arguments (an administrator's decision)."""
    if run.status != JobStatus.FAILED:
        raise Conflict("job_not_failed", _("Only a failed run can be retried."))
    return enqueue(run.job, actor=actor, retry_of=run, **run.args)


# --- running it ---

class JobFailed(Exception):
    """Raised by a job function to fail its run with a message (no traceback needed)."""


def execute(run_id: int) -> str:
    """Run one queued run (the worker's side of `enqueue`); returns its final status.

    The claim is a conditional update, so a run delivered twice by the backend executes once.
    """
    now = clock.now()
    claimed = JobRun.objects.filter(pk=run_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, host=HOST, pid=os.getpid())
    run = JobRun.objects.get(pk=run_id)
    if not claimed:
        return run.status
    try:
        spec = spec_of(run.job)
        rows = spec.func(run=run, **run.args)
    except BaseException as exc:  # noqa: BLE001 — a killed or failing job is logged as failed
        log.exception("job %s #%s failed", run.job, run.pk)
        error = str(exc) if isinstance(exc, JobFailed) else traceback.format_exc()
        _finish(run, status=JobStatus.FAILED, error=error)
        if not isinstance(exc, Exception):
            raise
        return JobStatus.FAILED
    _finish(run, status=JobStatus.SUCCEEDED, rows=rows)
    return JobStatus.SUCCEEDED


def _finish(run: JobRun, *, status: str, rows: int | None = None, error: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": clock.now(),
                              "ok": status == JobStatus.SUCCEEDED, "error": error[:20000]}
    if status == JobStatus.SUCCEEDED:
        fields["progress"] = 100
    if rows is not None:
        fields["rows"] = rows
    JobRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


def report(run: JobRun, *, progress: int | None = None, rows: int | None = None,
           **summary: Any) -> None:
    """Record how far a run got (0–100), its rows so far and summary facts; also a heartbeat."""
    fields: dict[str, Any] = {"heartbeat_at": clock.now()}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if rows is not None:
        fields["rows"] = rows
    if summary:
        run.summary = {**(run.summary or {}), **summary}
        fields["summary"] = run.summary
    JobRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


# --- runs whose worker died ---

def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(*, now: dt.datetime | None = None) -> list[JobRun]:
    """Mark failed every running run whose process is gone (same host, pid dead) or that gave
    no sign of life for `stale_after()`, and let its job clean what it left (`on_abandon`).

    Called at worker start, by the scheduler and before a page lists the runs, so a job killed
    mid-way is never shown as running forever.
    """
    now = now or clock.now()
    failed: list[JobRun] = []
    for run in JobRun.objects.filter(status=JobStatus.RUNNING):
        same_host_dead = run.host == HOST and run.pid and not _pid_alive(run.pid)
        silent = (run.heartbeat_at or run.started_at or now) < now - stale_after()
        if not (same_host_dead or silent):
            continue
        reason = (_("The worker process (pid %(pid)s on %(host)s) stopped before the job "
                    "finished.") % {"pid": run.pid, "host": run.host} if same_host_dead else
                  _("No sign of life from the worker since %(when)s.")
                  % {"when": run.heartbeat_at})
        if not JobRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, finished_at=now, ok=False, error=reason):
            continue
        run.status, run.error = JobStatus.FAILED, reason
        spec = _registry.get(run.job)
        if spec and spec.on_abandon:
            try:
                spec.on_abandon(run)
            except Exception:  # noqa: BLE001 — the next run's own clean-up tries again
                log.exception("clean-up after abandoned job %s #%s failed", run.job, run.pk)
        failed.append(run)
    return failed


# --- heartbeats ---

def beat(*, role: str, started_at: dt.datetime) -> None:
    """Record that this process (a worker, the scheduler) is alive, and keep its running jobs'
    heartbeat fresh while a long statement runs."""
    now = clock.now()
    Heartbeat.objects.update_or_create(role=role, host=HOST, pid=os.getpid(),
                                       defaults={"beat_at": now, "started_at": started_at})
    JobRun.objects.filter(status=JobStatus.RUNNING, host=HOST, pid=os.getpid()).update(
        heartbeat_at=now)


def start_heartbeat(*, role: str, interval: float = 15.0) -> threading.Event:
    """Beat from a daemon thread every `interval` seconds until the returned event is set."""
    stop = threading.Event()
    started_at = clock.now()

    def loop() -> None:
        while not stop.is_set():
            try:
                beat(role=role, started_at=started_at)
            except Exception:  # noqa: BLE001 — a missed beat is not fatal
                log.exception("heartbeat failed")
            finally:
                close_old_connections()
            stop.wait(interval)

    threading.Thread(target=loop, name=f"heartbeat-{role}", daemon=True).start()
    return stop


@contextmanager
def worker_alive(*, report: Callable[[str], Any]) -> Iterator[None]:
    """Around every worker's loop, whatever the backend: first mark failed the runs a dead
    worker left (`report`ing each), then beat every 15 seconds while the worker lives."""
    for run in recover_stale():
        report(f"marked failed: {run}: {run.error}")
    stop = start_heartbeat(role="worker")
    try:
        yield
    finally:
        stop.set()


def last_beat(*, role: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(role=role).order_by("-beat_at").first()


# --- scheduling ---

def due_jobs(*, now: dt.datetime | None = None) -> list[JobSpec]:
    """Scheduled jobs whose last run started (or was queued) longer ago than their period."""
    now = now or clock.now()
    due = []
    for spec in _registry.values():
        if not spec.every:
            continue
        last = (JobRun.objects.filter(job=spec.name).exclude(enqueued_at=None)
                .order_by("-enqueued_at").values_list("enqueued_at", flat=True).first())
        if last is None or last <= now - dt.timedelta(seconds=spec.every):
            due.append(spec)
    return due


def run_schedule(*, now: dt.datetime | None = None) -> list[JobRun]:
    """Enqueue every due scheduled job; one already done today or still running is skipped."""
    recover_stale(now=now)
    started = []
    for spec in due_jobs(now=now):
        try:
            started.append(enqueue(spec.name))
        except Conflict as exc:
            log.info("scheduled job %s skipped: %s", spec.name, exc.code)
    return started


def live_runs(*, lock: str) -> list[JobRun]:
    return list(JobRun.objects.filter(lock=lock, status__in=LIVE_STATES))
