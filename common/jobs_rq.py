"""The Redis side of the job system (HC_TASKS_BACKEND=redis): the RQ worker class our jobs need.

django-tasks-rq stores each `common.tasks.execute_job` call as an RQ job; any RQ worker started
with django-tasks-rq's job class can run it. This worker class is what `manage.py run_rq_worker`
uses, because the job bookkeeping (`common.jobs`) expects two things RQ's default worker does not
give:

* The job runs in the worker's own process (RQ's `SimpleWorker`, no fork per job). The run
  records that process's pid, the worker's heartbeat thread keeps the run alive by that pid, and
  stale detection (`jobs.recover_stale`) marks the run failed when that pid is gone — with a
  forked work horse the pid would be the short-lived child's and the heartbeat would miss it.
* A long-lived process must not keep a broken database connection from one job to the next:
  connections past their age or in error are closed around each job, as Django does around a
  request and django-tasks-db's worker does around a task.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from rq.worker import SimpleWorker

#: django-tasks-rq's job class: turns the stored job back into the Django task it carries.
JOB_CLASS = "django_tasks_rq.backend.Job"


class JobWorker(SimpleWorker):
    """RQ worker that runs each job in its own process, with fresh database connections."""

    def execute_job(self, job: Any, queue: Any) -> Any:
        _refresh_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            _refresh_connections()


def _refresh_connections() -> None:
    """Django's `close_old_connections`, except for a connection inside a transaction (a worker
    is never in one between jobs; a test that runs a worker inside its own transaction is)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
