"""The full re-grade as a background job: all categories switch at once or none, one run at a
time, and a worker killed mid-way leaves the previous grades in force and the run failed."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common import clock, jobs
from common.errors import Conflict
from common.models import JobRun
from scoring import engine
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch
from scoring.tasks import start_full_regrade

from .conftest import new_subject

AS_OF = dt.date(2026, 11, 30)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_categories(shipped):
    for category in ("property_service", "practitioner"):
        new_subject(category, established_on=dt.date(2020, 1, 1))
    batches = engine.regrade_in_effect(as_of=AS_OF, categories=["property_service",
                                                                "practitioner"])
    return {b.category: b.pk for b in batches}


def _pointers() -> dict[str, int]:
    return dict(CurrentBatch.objects.values_list("category", "batch_id"))


def test_a_failure_in_the_switch_moves_no_category(two_categories, monkeypatch):
    """The second category's switch fails: the first must not stay switched (one transaction),
    and the run's batches are failed and emptied."""
    real_switch = engine._switch
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs["batch"].category)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_switch(**kwargs)

    monkeypatch.setattr(engine, "_switch", second_fails)
    with pytest.raises(RuntimeError):
        engine.regrade_in_effect(as_of=AS_OF, categories=["property_service", "practitioner"])
    assert _pointers() == two_categories
    failed = EvaluationBatch.objects.exclude(pk__in=two_categories.values())
    assert {b.status for b in failed} == {BatchStatus.FAILED} and failed.count() == 2
    assert not Evaluation.objects.filter(batch__in=failed).exists()


def test_a_complete_run_switches_every_category(two_categories):
    new = engine.regrade_in_effect(as_of=AS_OF, categories=["property_service", "practitioner"])
    assert _pointers() == {b.category: b.pk for b in new}


def test_two_full_regrades_never_run_at_once(two_categories, admin_user):
    first = start_full_regrade(actor=admin_user, as_of=AS_OF)
    with pytest.raises(Conflict) as refused:
        start_full_regrade(actor=admin_user, as_of=AS_OF)
    assert refused.value.code == "job_running"
    assert jobs.execute(first.pk) == "succeeded"
    first.refresh_from_db()
    assert first.progress == 100 and first.rows == 2 and first.duration is not None
    second = start_full_regrade(actor=admin_user, as_of=AS_OF)   # the lock is free again
    assert second.status == "queued"


def test_an_abandoned_run_is_failed_and_its_batches_cleaned(two_categories, monkeypatch):
    """A run whose process is gone (pid dead on this host) is failed by `recover_stale`, and
    the batches it was building are failed and emptied; the pointers never moved."""
    monkeypatch.setattr(engine, "_switch_all", lambda **kw: (_ for _ in ()).throw(SystemExit))
    run = jobs.enqueue("scoring.full_regrade", as_of=AS_OF.isoformat())
    with pytest.raises(SystemExit):
        jobs.execute(run.pk)  # BaseException: what a kill looks like to the job
    run.refresh_from_db()
    assert run.status == "failed"
    # Simulate the harsher case: the process died without running any handler.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    building = EvaluationBatch.objects.create(
        model=EvaluationBatch.objects.get(pk=two_categories["practitioner"]).model,
        category="practitioner", as_of=AS_OF, started_at=clock.now(),
        status=BatchStatus.BUILDING)
    orphan = JobRun.objects.create(job="scoring.full_regrade", status="running", as_of=AS_OF,
                                   started_at=clock.now(), heartbeat_at=clock.now(),
                                   host=jobs.HOST, pid=dead.pid,
                                   summary={"batches": [building.pk]}, lock="scoring.regrade")
    recovered = jobs.recover_stale()
    assert [r.pk for r in recovered] == [orphan.pk]
    orphan.refresh_from_db()
    building.refresh_from_db()
    assert orphan.status == "failed" and "stopped before the job finished" in orphan.error
    assert building.status == BatchStatus.FAILED
    assert _pointers() == two_categories


def test_a_silent_run_on_another_host_is_failed_after_the_stale_period(two_categories):
    run = JobRun.objects.create(job="scoring.full_regrade", status="running", as_of=AS_OF,
                                started_at=clock.now(), heartbeat_at=clock.now(),
                                host="other-machine", pid=1)
    assert jobs.recover_stale() == []
    assert [r.pk for r in jobs.recover_stale(now=clock.now() + dt.timedelta(minutes=6))] == [
        run.pk]


def test_old_building_batches_are_swept_by_the_next_full_regrade(two_categories):
    model = EvaluationBatch.objects.get(pk=two_categories["practitioner"]).model
    stuck = EvaluationBatch.objects.create(model=model, category="practitioner", as_of=AS_OF,
                                           started_at=clock.now() - dt.timedelta(days=2),
                                           status=BatchStatus.BUILDING)
    run = jobs.enqueue("scoring.full_regrade", as_of=AS_OF.isoformat())
    assert jobs.execute(run.pk) == "succeeded"
    stuck.refresh_from_db()
    assert stuck.status == BatchStatus.FAILED


def _child(phase: str, env: dict, flag: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("kill_child.py")),
                             phase, str(flag)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_killing_the_worker_mid_job_keeps_the_grades_and_fails_the_run(tmp_path):
    """A real worker process (`run_worker`) is SIGKILLed while its re-grade holds the switch
    open: the pointers still name the old batches; at the next look the run is failed and the
    unfinished batches failed and emptied."""
    env = {**os.environ, "HC_DATA_DIR": str(tmp_path), "HC_TASKS_BACKEND": "database",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)   # the child's own SQLite database, whatever the suite uses
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT,
                   check=True)
    flag = tmp_path / "building"
    setup = _child("setup", env, flag)
    assert setup.wait(timeout=120) == 0, setup.stderr.read()
    worker = _child("work", env, flag)
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert worker.poll() is None, worker.stderr.read()
        assert time.monotonic() < deadline, "the worker never reached the switch"
        time.sleep(0.2)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    check = _child("check", env, flag)
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, err
    before, after = json.loads(out.strip().splitlines()[-1]).values()
    old = before["pointers"]
    assert set(old) == {"property_service", "practitioner"}
    [run] = before["runs"]
    assert run["status"] == "running"             # killed: nothing could say otherwise
    new_batches = [int(b) for b in run["summary"]["batches"]]
    assert len(new_batches) >= 2 and all(before["batches"][str(b)] == "building"
                                         for b in new_batches)
    assert after["pointers"] == old               # readers never left the old grades
    assert after["runs"][0]["status"] == "failed"
    assert all(after["batches"][str(b)] == "failed" and after["rows"][str(b)] == 0
               for b in new_batches)
