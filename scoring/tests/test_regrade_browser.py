"""Chromium: an administrator starts a full re-grade from the batches page and watches the
progress bar advance and finish while a worker (a thread here, calling what `run_worker`
calls) runs the job; the page itself returns at once."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from common import jobs
from common.browser_testing import sign_in
from common.models import JobRun
from scoring import engine
from scoring.models import CurrentBatch

from .conftest import new_subject

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _worker(stop: threading.Event) -> None:
    """Run each queued job; the switch is held for 3 s so the page sees a bar in between."""
    try:
        while not stop.is_set():
            for pk in JobRun.objects.filter(status="queued").values_list("pk", flat=True):
                jobs.execute(pk)
            stop.wait(0.2)
    finally:
        connection.close()


def test_administrator_watches_a_full_regrade_finish(_audit_flushable, live_server, browser,
                                                     shipped, admin_user, monkeypatch):
    for category in ("property_service", "practitioner"):
        new_subject(category, established_on=dt.date(2020, 1, 1))
    real = engine._switch_all

    def slow_switch(**kwargs):
        time.sleep(3)
        real(**kwargs)

    monkeypatch.setattr(engine, "_switch_all", slow_switch)
    stop = threading.Event()
    worker = threading.Thread(target=_worker, args=(stop,), daemon=True)
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    # script errors and CSP refusals (a missing /favicon.ico is the browser's own request)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    try:
        sign_in(page, live_server.url, admin_user.username)
        page.goto(f"{live_server.url}/scoring/batches/")
        started = time.monotonic()
        page.click("[data-testid=regrade]")
        page.wait_for_url("**/monitoring/jobs/*/")
        assert time.monotonic() - started < 10          # returned at once: nothing ran yet
        assert JobRun.objects.get().status == "queued"
        worker.start()
        bar = page.locator("[data-testid=job-progress] progress")
        seen = set()
        deadline = time.monotonic() + 60
        while page.locator("[data-job-finished='1']").count() == 0:
            seen.add(int(float(bar.get_attribute("value"))))
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        assert int(float(bar.get_attribute("value"))) == 100
        assert any(0 < v < 100 for v in seen), seen         # the bar advanced on its own
        assert page.locator("[data-job-state]").get_attribute("data-job-state") == "succeeded"
        assert CurrentBatch.objects.count() >= 2
        assert not errors, errors                            # no CSP or script errors
    finally:
        stop.set()
        if worker.is_alive():
            worker.join(timeout=10)
        page.context.close()
