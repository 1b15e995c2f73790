"""Issuing a report is a background job: the page returns at once and shows the job's progress
bar, the worker generates the report (its progress advancing), and the report then appears in
the list; a second report waits for the first; a refusal is said at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from common import clock, jobs
from common.models import JobRun
from monitoring.models import Report

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 2)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run_worker_once(monkeypatch) -> None:
    """django-tasks-db's worker (what `manage.py run_worker` runs) for one task, in-process.

    Its between-task connection check would close the test's transaction, so it gets the
    worker's own rule (`common.jobs_rq`): leave a connection inside a transaction alone."""
    from django_tasks_db.management.commands import db_worker

    from common.jobs_rq import _refresh_connections

    monkeypatch.setattr(db_worker, "close_old_connections", _refresh_connections)
    db_worker.Worker(queue_names=["*"], interval=0, batch=True, backend_name="default",
                     startup_delay=False, max_tasks=1, worker_id="test-worker",
                     excluded_queue_names=[]).run()


def test_the_page_queues_the_report_and_the_worker_issues_it(leader, snapshot, monkeypatch):
    client = signed_in(leader)
    with clock.frozen_at(APRIL):
        response = client.post(reverse("monitoring:report_generate"),
                               {"kind": "monthly", "period": "2026-03-15"})
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:reports")
    assert not Report.objects.exists()               # not generated inside the request
    run = JobRun.objects.get(job="monitoring.report")
    assert run.status == "queued" and run.triggered_by == leader and run.task_id
    assert run.args == {"kind": "monthly", "period": "2026-03-01", "actor_id": leader.pk}

    page = client.get(reverse("monitoring:reports")).content.decode()
    assert 'data-testid="report-run"' in page and 'data-testid="job-progress"' in page
    assert reverse("jobs:status", args=[run.pk]) in page and "job_progress.js" in page

    # A second report waits for the first: refused at once, said on the form.
    with clock.frozen_at(APRIL):
        second = client.post(reverse("monitoring:report_generate"),
                             {"kind": "quarterly", "period": "2026-03-15"})
    assert second.status_code == 409
    assert JobRun.objects.filter(job="monitoring.report").count() == 1

    # The worker runs it; its progress advances as the parts are built.
    seen: list[int] = []
    real_report = jobs.report

    def spy(run, **kwargs):
        if kwargs.get("progress") is not None:
            seen.append(kwargs["progress"])
        real_report(run, **kwargs)

    monkeypatch.setattr(jobs, "report", spy)
    with clock.frozen_at(APRIL):
        _run_worker_once(monkeypatch)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.progress == 100 and run.rows == 1, run.error
    assert seen == sorted(seen) and len(seen) >= 4 and 0 < seen[0] < seen[-1] < 100
    report = Report.objects.get()
    assert report.number == "TJJC-2026-03" and report.created_by == leader
    assert run.summary == {"report_id": report.pk, "number": "TJJC-2026-03"}
    status = client.get(reverse("jobs:status", args=[run.pk])).json()
    assert status["finished"] and status["progress"] == 100

    page = client.get(reverse("monitoring:reports")).content.decode()
    assert "TJJC-2026-03" in page and 'data-testid="report-run"' not in page


def test_a_refused_report_is_said_at_once_and_queues_nothing(leader, snapshot):
    with clock.frozen_at(APRIL):
        response = signed_in(leader).post(reverse("monitoring:report_generate"),
                                          {"kind": "monthly", "period": "2026-05-01"})
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["period"]   # said under the period
    assert not JobRun.objects.filter(job="monitoring.report").exists()


def test_with_jobs_inline_the_report_is_in_the_list_on_return(leader, snapshot, immediate_jobs):
    client = signed_in(leader)
    with clock.frozen_at(APRIL):
        response = client.post(reverse("monitoring:report_generate"),
                               {"kind": "quarterly", "period": "2026-02-10"}, follow=True)
    assert "TJJC-2026-Q1" in response.content.decode()
    assert JobRun.objects.get(job="monitoring.report").status == "succeeded"


def test_a_failed_report_job_is_shown_with_its_error(leader, snapshot, monkeypatch):
    from monitoring import services

    def broken(*args, **kwargs):
        raise RuntimeError("the PDF renderer is out of fonts")

    with clock.frozen_at(APRIL):
        signed_in(leader).post(reverse("monitoring:report_generate"),
                               {"kind": "monthly", "period": "2026-03-15"})
        monkeypatch.setattr(services, "render_pdf", broken)
        _run_worker_once(monkeypatch)
        run = JobRun.objects.get(job="monitoring.report")
        assert run.status == "failed" and "out of fonts" in run.error
        assert not Report.objects.exists()
        page = signed_in(leader).get(reverse("monitoring:reports")).content.decode()
    assert 'data-testid="report-run"' in page and 'data-job-state="failed"' in page
