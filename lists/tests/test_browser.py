"""One black-list case from proposal to publication through a real Chromium.

A clerk proposes (citing the effective fraud record), serves the notice, records the subject's
waiver and starts the review; a reviewer decides with the legal basis and publishes. Runs on
pytest-django's live server, which needs a transactional database: on SQLite the audit table's
append-only triggers would break the flush, so they are dropped for this module and put back
at its end (as common/tests/test_browser.py does).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from lists.models import BlackListEntry, BlackState, NoticeDocument

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PASSWORD = "pass-word-123"  # the root conftest's accounts
SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON "
    "audit_auditevent BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON "
    "audit_auditevent BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
}

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def _restore_audit_triggers(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    yield
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for name, sql in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(sql)


@pytest.fixture
def _audit_flushable(_restore_audit_triggers: None, transactional_db: None) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"!!! BROWSER TEST NOT RUN: {CHROMIUM} is missing (apt-get install chromium) !!!"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page, base: str) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/login/")


def act(page, name: str, fields: dict[str, str] | None = None) -> None:
    """Open the action's panel, fill its fields and submit it; wait for the page to reload."""
    panel = page.locator(f"details[data-action={name}]")
    panel.locator("summary").click()
    for field, value in (fields or {}).items():
        panel.locator(f"[name={name}-{field}]").fill(value)
    with page.expect_navigation():
        panel.locator(f"[data-testid=do-{name}]").click()


def test_black_list_case_from_proposal_to_publication(_audit_flushable: None, live_server,
                                                      browser, clerk, reviewer, subject,
                                                      make_record) -> None:
    record = make_record(subject, "fraud", decided_on=dt.date.today() - dt.timedelta(days=10))
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        # --- clerk: proposal citing the effective record ----------------------------------
        sign_in(page, base, clerk.username)
        page.goto(f"{base}/lists/black/new/")
        page.fill("#id_code", subject.code)
        page.click("[data-testid=pick]")
        page.locator("[data-testid=subject-name]").wait_for()
        page.select_option("#id_ground", label="以欺骗、贿赂等不正当手段取得资质、资格、许可或备案")
        page.check(f"input[name=records][value='{record.pk}']")
        page.fill("#id_facts", "以虚假业绩材料申报资质，经查证属实。")
        with page.expect_navigation():
            page.click("[data-testid=save]")
        entry = BlackListEntry.objects.get()
        assert page.url == f"{base}/lists/black/{entry.pk}/"
        assert page.locator("[data-testid=entry-subject]").inner_text() == subject.name

        act(page, "notify")
        page.locator("[data-state=notified]").first.wait_for()
        assert page.locator("[data-testid=notice-intent]").count() == 1
        page.locator("details[data-action=statement] summary").click()
        page.check("[name=statement-final]")
        with page.expect_navigation():
            page.click("[data-testid=do-statement]")
        act(page, "begin_review")
        page.locator("[data-state=under_review]").first.wait_for()
        sign_out(page, base)

        # --- reviewer: the workbench lists the step; decide and publish ------------------------
        sign_in(page, base, reviewer.username)
        page.goto(f"{base}/lists/")
        page.locator("[data-testid=steps]").filter(has_text=subject.name).wait_for()
        page.click(f"a[href='/lists/black/{entry.pk}/']")
        act(page, "decide", {"decision_number": "住建信〔2026〕8号",
                             "reasons": "事实清楚，证据确凿，陈述申辩期内未提出异议。"})
        page.locator("[data-state=decided]").first.wait_for()
        act(page, "publish")
        page.locator("[data-state=publicity]").first.wait_for()
        page.screenshot(path=str(RESULTS / "lists-black-published.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(RESULTS / "lists-black-failure.png"), full_page=True)
        raise
    finally:
        context.close()
    entry = BlackListEntry.objects.get()
    assert entry.state == BlackState.PUBLICITY
    assert entry.decided_by == reviewer and entry.proposed_by == clerk
    assert entry.decision_basis.startswith("《建筑市场信用管理暂行办法》")
    assert NoticeDocument.objects.filter(black_entry=entry).count() == 2
