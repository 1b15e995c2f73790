"""The one Django task that carries every registered job, and the deadline job's registration.

The task backend (`TASKS` in settings: the database by default) only ever stores a `JobRun` id;
`common.jobs.execute` looks the job up in the registry, runs it and logs the outcome.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from common import clock, jobs
from common.deadlines import run_deadlines
from common.models import JobRun


@task()
def execute_job(run_id: int) -> str:
    """Run the logged job `run_id` (see `common.jobs`)."""
    return jobs.execute(run_id)


def deadline_job(*, run: JobRun, as_of: str | None = None) -> int:
    """The deadline job as a background job: once per day (its idempotency key is the day).

    `run_deadlines` writes its summary into this same run; a failing handler fails the run
    (the other handlers have still run), so the jobs page shows it and an administrator can
    retry it the same day.
    """
    day = dt.date.fromisoformat(as_of) if as_of else clock.today()
    run_deadlines(as_of=day, run=run)
    run.refresh_from_db()
    if not run.ok:
        raise jobs.JobFailed(run.error)
    return sum(v for v in run.summary.values() if isinstance(v, int))


def _today() -> dict[str, Any]:
    return {"as_of": clock.today().isoformat()}


jobs.register("process_deadlines", label=_("Deadline job"), func=deadline_job,
              daily_key=True, every=settings.HC_DEADLINE_INTERVAL, default_args=_today)
