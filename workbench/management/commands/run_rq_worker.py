"""`manage.py run_rq_worker`: the job worker when HC_TASKS_BACKEND=redis — django-rq's `rqworker`
with django-tasks-rq's job class and our worker class (`common.jobs_rq.JobWorker`), plus what
the jobs page needs, as `run_worker` gives the database backend: at start it marks failed the
runs a dead worker left running (and cleans what they left), and while it lives it beats every
15 seconds (`/healthz`, and its running job is not taken for dead).

Run it on any machine that reaches Redis (HC_REDIS_URL) and the database (same code, same
settings); every option of `rqworker` applies (`--burst`, `--max-jobs`, `--name`, queue names;
the default queue is "default").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django_rq.management.commands.rqworker import Command as RqWorker

from common import jobs
from common.jobs_rq import JOB_CLASS


class Command(RqWorker):
    help = "Run background jobs from Redis (RQ worker with heartbeat and stale-run recovery)."

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if not backend.startswith("django_tasks_rq."):
            raise CommandError(
                f"The task backend is {backend}, not Redis: set HC_TASKS_BACKEND=redis, or run "
                "`manage.py run_worker` for the database backend.")
        options["job_class"] = options.get("job_class") or JOB_CLASS
        options["worker_class"] = options.get("worker_class") or "common.jobs_rq.JobWorker"
        with jobs.worker_alive(report=self.stderr.write):
            super().handle(*args, **options)
