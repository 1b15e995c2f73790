"""Through a real Chromium: a leader opens the dashboard, sees the charts drawn (ECharts
canvases, no console error), filters by department, drills down to the records behind a
number and to the list entries behind another, and issues the monthly report (a background
job whose progress the page shows) and downloads it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from common import jobs
from common.browser_testing import sign_in
from common.models import JobRun


def _worker(stop: threading.Event) -> None:
    """Run each queued job until stopped."""
    try:
        while not stop.is_set():
            for pk in JobRun.objects.filter(status="queued").values_list("pk", flat=True):
                jobs.execute(pk)
            stop.wait(0.2)
    finally:
        connection.close()


pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_leader_reads_filters_drills_down_and_downloads_the_report(
        _audit_flushable: None, live_server, browser, snapshot, county, leader) -> None:
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    # The browser's own request for /favicon.ico (the platform has none) is not the page's.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    stop = threading.Event()
    worker = threading.Thread(target=_worker, args=(stop,), daemon=True)
    try:
        sign_in(page, base, leader.username)
        page.goto(f"{base}/monitoring/")
        for key in ("grades", "records_department", "measures"):
            page.locator(f"[data-chart={key}][data-drawn='1'] canvas").first.wait_for()
        assert page.locator("[data-chart] canvas").count() >= 5

        page.select_option("#id_department", str(county["lead"].pk))
        page.click("[data-testid=filters] button[type=submit]")
        page.wait_for_url(f"**/monitoring/?*department={county['lead'].pk}*")
        table = page.locator("#stat-records_department table")
        assert county["lead"].name in table.inner_text()
        assert county["other"].name not in table.inner_text()
        page.locator("[data-chart=records_department] canvas").first.wait_for()

        page.click("#stat-records_department a[data-drill=records_department]")
        page.locator("[data-testid=drill-records]").wait_for()
        rows = page.locator("[data-testid=drill-records] tbody tr")
        assert rows.count() == 2
        assert county["late"].document_number in page.inner_text("[data-testid=drill-records]")

        # A number of the measures table opens the measures returned behind it, as many.
        page.goto(f"{base}/monitoring/?department={county['lead'].pk}")
        cell = page.locator("#stat-measures_departments a[data-drill-cell]").first
        number = int(cell.inner_text())
        cell.click()
        page.locator("[data-testid=drill-entries]").wait_for()
        assert page.locator("[data-testid=drill-entries] tbody tr").count() == number == 2

        page.goto(f"{base}/monitoring/reports/")
        page.select_option("#id_kind", "monthly")
        page.fill("#id_period", "2026-03-15")
        # Issuing queues a background job: the page returns at once with its progress bar.
        page.click("[data-testid=report-form] button[type=submit]")
        page.locator("[data-testid=report-run] [data-testid=job-progress]").wait_for()
        assert page.locator("[data-testid=report-pdf]").count() == 0
        # A worker (a thread here, calling what `run_worker` calls) runs it; when the job is
        # done the page reloads and lists the report. Allow a loaded CI machine its time.
        worker.start()
        page.locator("[data-testid=report-pdf]").wait_for(timeout=90_000)
        with page.expect_download() as download_info:
            page.click("[data-testid=report-pdf]")
        path = download_info.value.path()
        with open(path, "rb") as handle:
            assert handle.read(5) == b"%PDF-"
        assert errors == []
    finally:
        stop.set()
        if worker.is_alive():
            worker.join(timeout=30)
        context.close()
