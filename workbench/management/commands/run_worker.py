"""`manage.py run_worker`: the job worker — django-tasks-db's `db_worker` plus what the jobs page
needs: at start it marks failed the runs a dead worker left running (and cleans what they left,
e.g. a re-grade's unfinished batches), and while it lives it beats every 15 seconds, which
`/healthz` reports and which keeps its running job from being taken for dead.

Run it on any machine that reaches the database (same code, same settings and DATABASE_URL);
every option of `db_worker` applies (`--queue-name`, `--interval`, `--max-tasks`, ...).
"""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from common import jobs


class Command(DbWorker):
    help = "Run background jobs (django-tasks-db worker with heartbeat and stale-run recovery)."

    def handle(self, *args: Any, **options: Any) -> None:
        with jobs.worker_alive(report=self.stderr.write):
            super().handle(*args, **options)
