"""The job system on the Redis backend (HC_TASKS_BACKEND=redis: django-tasks-rq on RQ), against
the real Redis on this machine: a job enqueued through `common.jobs` lands in Redis, a burst RQ
worker (our worker class) runs it, and the run's bookkeeping — progress, rows, outcome, error,
retry, stale runs — is the same as on the database backend.

Redis: HC_TEST_REDIS_URL (default database 14 of 127.0.0.1:6379, flushed before and after each
test). Without a Redis these tests skip and say why, except under CI=1, where they fail. Each test
holds a file lock named after that database for its whole length, so two suites on one machine
(SQLite and PostgreSQL at once, or xdist workers) take turns instead of flushing each other's
queue (a concurrent run of both suites failed on it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from common import jobs
from common.jobs_rq import JOB_CLASS, JobWorker
from common.models import JobRun

REDIS_URL = os.environ.get("HC_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_backend(settings):
    """The task backend switched to Redis, on a dedicated and emptied Redis database."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc})"
        if os.environ.get("CI") in {"1", "true"}:
            pytest.fail(f"{message}, and CI is set: the Redis backend must be tested.")
        pytest.skip(f"{message}: the Redis backend tests need it (set HC_TEST_REDIS_URL).")
    name = hashlib.sha256(REDIS_URL.encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"hc-test-redis-{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        client.flushdb()
        settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
        yield client
        client.flushdb()
        client.close()


@pytest.fixture
def test_jobs():
    """Two jobs: one that reports progress as it goes, one that fails on its first run."""
    seen: dict[str, list] = {"progress": [], "attempts": []}

    def stepping(*, run: JobRun, steps: int = 4) -> int:
        for i in range(1, steps + 1):
            jobs.report(run, progress=100 * i // (steps + 1), rows=i, step=i)
            stored = JobRun.objects.get(pk=run.pk)
            seen["progress"].append((stored.status, stored.progress, stored.summary["step"]))
        return steps * 10

    def flaky(*, run: JobRun) -> int:
        seen["attempts"].append(run.pk)
        if len(seen["attempts"]) == 1:
            raise jobs.JobFailed("the source was not reachable")
        return 1

    jobs.register("test.redis_stepping", label="stepping", func=stepping)
    jobs.register("test.redis_flaky", label="flaky", func=flaky)
    yield seen
    jobs._registry.pop("test.redis_stepping", None)
    jobs._registry.pop("test.redis_flaky", None)


def _queue():
    import django_rq

    return django_rq.get_queue("default", job_class=JOB_CLASS)


def _burst() -> bool:
    """What `manage.py run_rq_worker --burst` runs: our worker class on the default queue."""
    import django_rq

    worker = django_rq.get_worker("default", job_class=JOB_CLASS, worker_class=JobWorker)
    return worker.work(burst=True)


def test_a_job_runs_through_redis_and_records_its_progress(db, redis_backend, test_jobs):
    run = jobs.enqueue("test.redis_stepping", steps=4)
    assert run.status == "queued" and run.task_id
    queue = _queue()
    assert queue.count == 1 and queue.job_ids == [run.task_id]   # the job waits in Redis
    assert redis_backend.exists(f"rq:job:{run.task_id}")

    assert _burst() is True
    run.refresh_from_db()
    assert run.status == "succeeded" and run.ok and run.progress == 100 and run.rows == 40
    assert run.started_at and run.finished_at and run.pid == os.getpid()
    # Progress was written to the run while the job ran, step by step.
    assert test_jobs["progress"] == [("running", 20, 1), ("running", 40, 2),
                                     ("running", 60, 3), ("running", 80, 4)]
    assert run.summary == {"step": 4}
    assert queue.count == 0
    # django-tasks-rq reports the same outcome through Django's Tasks API.
    from common.tasks import execute_job

    result = execute_job.get_backend().get_result(run.task_id)
    assert result.status == "SUCCESSFUL" and result.return_value == "succeeded"


def test_a_failed_run_is_logged_and_retried_through_redis(db, redis_backend, test_jobs):
    first = jobs.enqueue("test.redis_flaky")
    _burst()
    first.refresh_from_db()
    assert first.status == "failed" and not first.ok
    assert first.error == "the source was not reachable"

    again = jobs.retry(run=first, actor=None)
    assert again.retry_of_id == first.pk and again.status == "queued"
    assert _queue().job_ids == [again.task_id]
    _burst()
    again.refresh_from_db()
    assert again.status == "succeeded" and again.rows == 1
    assert test_jobs["attempts"] == [first.pk, again.pk]


def test_the_rq_worker_command_recovers_dead_runs_and_runs_the_queue(tmp_path, redis_backend):
    """`manage.py run_rq_worker --burst` as a real process with HC_TASKS_BACKEND=redis (its own
    SQLite database): at start it marks failed a run whose worker died, then it runs the job
    queued in Redis; the platform's supervisor would start this same command."""
    env = {**os.environ, "HC_DATA_DIR": str(tmp_path), "HC_TASKS_BACKEND": "redis",
           "HC_REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)

    def manage(*argv: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *argv], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    manage("migrate", "-v0")
    manage("shell", "-c", (
        "import socket\n"
        "from common import jobs, clock\n"
        "from common.models import JobRun\n"
        "JobRun.objects.create(job='snapshot_statistics', status='running', as_of=clock.today(),"
        " started_at=clock.now(), heartbeat_at=clock.now(), host=jobs.HOST, pid=2**22 + 7)\n"
        "jobs.enqueue('snapshot_statistics')\n"))
    assert _queue().count == 1
    out = manage("run_rq_worker", "--burst", "default")
    assert "marked failed" in out
    states = manage("shell", "-c", (
        "from common.models import JobRun\n"
        "print(list(JobRun.objects.order_by('pk').values_list('status', 'progress', 'error')))"))
    dead, snapshot = eval(states.strip().splitlines()[-1])  # noqa: S307 — our own repr
    assert dead[0] == "failed" and str(2**22 + 7) in dead[2]   # names the dead process
    assert snapshot[:2] == ("succeeded", 100)
    assert _queue().count == 0

