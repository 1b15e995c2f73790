"""The jobs page, /healthz, /metrics and the process supervisor of `make run`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from common import clock, jobs
from common.models import Heartbeat, JobRun

NOW = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 0))


def _deadline_run(*, status: str, finished: dt.datetime) -> JobRun:
    return JobRun.objects.create(job="process_deadlines", status=status, as_of=finished.date(),
                                 enqueued_at=finished, started_at=finished, finished_at=finished,
                                 ok=status == "succeeded", rows=4, error="" if status ==
                                 "succeeded" else "Traceback: boom")


# --- /healthz ---

def test_healthz_is_503_until_the_deadline_job_has_run(client, db):
    with clock.frozen_at(NOW):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["deadline_job"] == {"ok": False,
                                                                  "last_success": None}
    assert body["worker"]["ok"] is False


def test_healthz_reports_worker_and_deadline_and_goes_503_after_a_day(client, db):
    _deadline_run(status="succeeded", finished=NOW - dt.timedelta(hours=1))
    _deadline_run(status="failed", finished=NOW - dt.timedelta(minutes=5))
    with clock.frozen_at(NOW):
        jobs.beat(role="worker", started_at=NOW)
        ok = client.get("/healthz")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["status"] == "ok" and body["worker"]["ok"] is True
    last = dt.datetime.fromisoformat(body["deadline_job"]["last_success"])
    assert last == NOW - dt.timedelta(hours=1)
    assert "boom" not in ok.content.decode()          # nothing beyond times and states
    with clock.frozen_at(NOW + dt.timedelta(hours=27)):
        late = client.get("/healthz")
    assert late.status_code == 503 and late.json()["worker"]["ok"] is False


# --- /metrics ---

def test_metrics_only_for_the_internal_network(client, db):
    _deadline_run(status="succeeded", finished=NOW)
    inside = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert inside.status_code == 200
    text = inside.content.decode()
    assert 'hc_job_runs{job="process_deadlines",status="succeeded"} 1.0' in text
    assert "django_http_requests_before_middlewares_total" in text
    assert "hc_deadline_job_last_success_timestamp_seconds" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # a public client through the site's own proxy (the proxy itself is on loopback)
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


def test_metrics_allowed_networks_come_from_settings(client, db, settings):
    settings.HC_METRICS_ALLOWED = ["192.0.2.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


# --- the jobs page ---

def test_the_jobs_page_lists_every_run_for_leaders_and_auditors(client, leader, auditor,
                                                                 clerk):
    _deadline_run(status="failed", finished=NOW)
    for person in (leader, auditor):
        client.force_login(person)
        page = client.get(reverse("jobs:list"))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-status="failed"' in html and "Traceback: boom" in html
        assert 'action="/monitoring/jobs/' not in html      # no retry for them
    client.force_login(clerk)
    assert client.get(reverse("jobs:list")).status_code == 403


def test_an_administrator_retries_a_failed_run(client, admin_user, leader):
    failed = _deadline_run(status="failed", finished=NOW)
    failed.args = {"as_of": failed.as_of.isoformat()}
    failed.save()
    client.force_login(leader)
    assert client.post(reverse("jobs:retry", args=[failed.pk])).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("jobs:list")).content.decode()
    assert f'action="/monitoring/jobs/{failed.pk}/retry/"' in page
    response = client.post(reverse("jobs:retry", args=[failed.pk]))
    retry = JobRun.objects.get(retry_of=failed)
    assert response.status_code == 302 and response.url == reverse("jobs:detail",
                                                                   args=[retry.pk])
    assert retry.status == "queued" and retry.args == failed.args
    status = client.get(reverse("jobs:status", args=[retry.pk])).json()
    assert status == {"id": retry.pk, "job": "process_deadlines", "status": "queued",
                      "status_label": status["status_label"], "progress": 0, "rows": None,
                      "finished": False, "error": ""}


def test_the_page_marks_a_run_whose_worker_died_as_failed(client, leader):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = JobRun.objects.create(job="process_deadlines", status="running", as_of=NOW.date(),
                                started_at=clock.now(), heartbeat_at=clock.now(),
                                host=jobs.HOST, pid=dead.pid)
    client.force_login(leader)
    html = client.get(reverse("jobs:list")).content.decode()
    run.refresh_from_db()
    assert run.status == "failed" and 'data-status="running"' not in html


# --- run_platform: the supervisor ---

def test_the_supervisor_restarts_a_dead_child_and_stops_all(db):
    from workbench.management.commands.run_platform import Child, Command

    command = Command()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    stubborn = [sys.executable, "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "time.sleep(60)"]
    children = [Child("worker", sleeper), Child("scheduler", stubborn)]
    for child in children:
        child.start(command.log)
    first_pid = children[0].process.pid
    children[0].process.kill()
    children[0].process.wait()
    deadline = time.monotonic() + 10
    while children[0].process is None or children[0].process.pid == first_pid:
        command.supervise(children[0])
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert children[0].process.poll() is None           # restarted
    time.sleep(0.3)   # let the stubborn child install its SIGTERM handler
    command.stop_all(children, grace=1.0)
    assert children[0].process.returncode == -15         # stopped by SIGTERM
    assert children[1].process.returncode == -9          # killed after the grace period


@pytest.mark.parametrize("env, expected", [
    ({}, ["web", "worker", "scheduler"]),
    ({"HC_WORKER": "0"}, ["web", "scheduler"]),
    ({"HC_SCHEDULER": "0", "HC_WORKER": "0"}, ["web"]),
])
def test_the_platform_starts_web_worker_and_scheduler(monkeypatch, env, expected):
    from workbench.management.commands.run_platform import Command

    monkeypatch.delenv("HC_WORKER", raising=False)
    monkeypatch.delenv("HC_SCHEDULER", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    children = Command().children(bind="127.0.0.1:8000", workers=2, web="gunicorn")
    assert [c.name for c in children] == expected
    assert "run_worker" in " ".join(children[1].argv) if "worker" in expected else True
    assert Heartbeat  # imported for the healthz tests
