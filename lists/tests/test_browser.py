"""One black-list case from proposal to publication through a real Chromium.

A clerk proposes (citing the effective fraud record), serves the notice, records the subject's
waiver and starts the review; a reviewer decides with the legal basis and publishes. Runs on
pytest-django's live server, which needs a transactional database: on SQLite the audit table's
append-only triggers would break the flush, so they are dropped for this module and put back
at its end (as common/tests/test_browser.py does).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from common.browser_testing import sign_in, sign_out
from lists.models import BlackListEntry, BlackState, NoticeDocument

RESULTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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
