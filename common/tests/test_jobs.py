"""The job registry: the deadline job runs once per day, however often it is queued; a failed
day can be tried again; the scheduler queues what is due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common import clock, deadlines, jobs
from common.errors import Conflict
from common.models import JobRun

DAY = dt.date(2026, 12, 2)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def counting_handler():
    calls: list[dt.date] = []

    def handler(as_of: dt.date) -> int:
        calls.append(as_of)
        return 3

    deadlines.register("test.counting", handler)
    yield calls
    deadlines._handlers.pop("test.counting", None)
    deadlines._stages.pop("test.counting", None)


def _run_queued() -> list[str]:
    return [jobs.execute(pk) for pk in
            JobRun.objects.filter(status="queued").values_list("pk", flat=True)]


def test_the_deadline_job_never_runs_twice_for_one_day(db, counting_handler):
    with clock.frozen_at(at(DAY, 1)):
        first = jobs.enqueue("process_deadlines")
        assert _run_queued() == ["succeeded"]
        with pytest.raises(Conflict) as refused:
            jobs.enqueue("process_deadlines")
        assert refused.value.code == "job_already_ran"
    with clock.frozen_at(at(DAY, 23)):      # later the same day: still refused
        with pytest.raises(Conflict):
            jobs.enqueue("process_deadlines")
    assert counting_handler == [DAY]
    first.refresh_from_db()
    assert first.key == "process_deadlines:2026-12-02" and first.rows >= 3
    assert first.summary["test.counting"] == 3 and first.ok
    with clock.frozen_at(at(DAY + dt.timedelta(days=1), 0)):   # the next day runs again
        jobs.enqueue("process_deadlines")
        assert _run_queued() == ["succeeded"]
    assert counting_handler == [DAY, DAY + dt.timedelta(days=1)]


def test_a_queued_run_delivered_twice_executes_once(db, counting_handler):
    with clock.frozen_at(at(DAY, 1)):
        run = jobs.enqueue("process_deadlines")
        assert jobs.execute(run.pk) == "succeeded"
        assert jobs.execute(run.pk) == "succeeded"   # the claim is conditional
    assert counting_handler == [DAY]


def test_a_failed_day_can_be_tried_again_and_retried_by_an_administrator(db, admin_user):
    attempts = []

    def flaky(as_of: dt.date) -> int:
        attempts.append(as_of)
        if len(attempts) == 1:
            raise RuntimeError("mail server down")
        return 1

    deadlines.register("test.flaky", flaky)
    try:
        with clock.frozen_at(at(DAY, 1)):
            failed = jobs.enqueue("process_deadlines")
            assert _run_queued() == ["failed"]
            failed.refresh_from_db()
            assert failed.status == "failed" and "mail server down" in failed.error
            again = jobs.retry(run=failed, actor=admin_user)
            assert again.retry_of == failed and again.args == failed.args
            assert _run_queued() == ["succeeded"]
            with pytest.raises(Conflict):
                jobs.enqueue("process_deadlines")
    finally:
        deadlines._handlers.pop("test.flaky", None)
        deadlines._stages.pop("test.flaky", None)


def test_only_a_failed_run_can_be_retried(db, admin_user, counting_handler):
    with clock.frozen_at(at(DAY, 1)):
        run = jobs.enqueue("process_deadlines")
        _run_queued()
        run.refresh_from_db()
        with pytest.raises(Conflict):
            jobs.retry(run=run, actor=admin_user)


def _deadline_runs(runs):
    """The deadline job among the scheduled runs (other apps schedule their own jobs too)."""
    return [r.job for r in runs if r.job == "process_deadlines"]


def test_the_scheduler_queues_the_deadline_job_once_a_day(db, counting_handler):
    with clock.frozen_at(at(DAY, 0)):
        assert _deadline_runs(jobs.run_schedule()) == ["process_deadlines"]
        _run_queued()
    for hour in (2, 5, 23):          # every later look that day: due, but the day is done
        with clock.frozen_at(at(DAY, hour)):
            assert _deadline_runs(jobs.run_schedule()) == []
    with clock.frozen_at(at(DAY + dt.timedelta(days=1), 0)):
        assert _deadline_runs(jobs.run_schedule()) == ["process_deadlines"]
        _run_queued()
    assert counting_handler == [DAY, DAY + dt.timedelta(days=1)]
    assert JobRun.objects.filter(job="process_deadlines", status="succeeded").count() == 2


def test_a_management_command_can_be_registered_as_a_scheduled_job(db):
    """How the statistics snapshot (or a report, an import) joins the schedule: one line in its
    app's tasks module; it is exclusive, logged and due by its period like the others."""
    spec = jobs.register_command("test.check", command="check", label="check", every=86400)
    try:
        assert spec.lock == "test.check"
        with clock.frozen_at(at(DAY, 3)):
            started = [r for r in jobs.run_schedule() if r.job == "test.check"]
            assert len(started) == 1
            with pytest.raises(Conflict):            # one at a time
                jobs.enqueue("test.check")
            _run_queued()
            assert JobRun.objects.get(job="test.check").status == "succeeded"
        with clock.frozen_at(at(DAY, 9)):             # not due again within its period
            assert not [r for r in jobs.run_schedule() if r.job == "test.check"]
    finally:
        jobs._registry.pop("test.check", None)
