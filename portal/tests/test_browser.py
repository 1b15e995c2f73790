"""An anonymous visitor in Chromium: search, open the subject, open its black-list entry.

Runs on pytest-django's live server (a transactional database; on SQLite the audit table's
append-only triggers are dropped for the module and put back at its end, as the shared
`common.browser_testing` fixtures do). The clock is frozen at the county's day for the server
thread too (`common.clock` is process-wide).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common import clock
from portal.tests.conftest import PERSON_ID, TODAY

RESULTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_anonymous_visitor_searches_and_opens_a_subject_and_its_black_list_entry(
        _audit_flushable: None, live_server, browser, county) -> None:
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        with clock.frozen_at(TODAY):
            page.goto(f"{base}/public/")
            assert page.locator("[data-testid=home-black]").inner_text().count(
                county.acme.name) == 1
            page.fill("[data-testid=home-search]", "旧名")  # a former name finds it
            with page.expect_navigation():
                page.press("[data-testid=home-search]", "Enter")
            results = page.locator("[data-testid=search-results]")
            assert county.acme.name in results.inner_text()
            with page.expect_navigation():
                results.get_by_role("link", name=county.acme.name).click()
            assert page.locator("[data-testid=subject-name]").inner_text().startswith(
                county.acme.name)
            assert page.locator("[data-testid=badge-black]").is_visible()
            records = page.locator("[data-testid=public-records]").inner_text()
            assert "榕住建罚〔2026〕11号" in records and "内部〔2026〕9号" not in records
            with page.expect_navigation():
                page.get_by_role("link", name=f"{county.black.ground.name}"
                                 f"（{county.black.decision_number}）").click()
            assert page.locator("[data-testid=decision-number]").inner_text() == \
                county.black.decision_number
            # the black list itself, with the practitioner masked
            with page.expect_navigation():
                page.get_by_role("link", name="黑名单", exact=True).first.click()
            table = page.locator("[data-testid=list-table]").inner_text()
            assert county.acme.name in table and "王**" in table
            assert PERSON_ID not in page.content() and "1101**********4477" in table
            page.screenshot(path=str(RESULTS / "portal-black-list.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/public/black/", "/public/sanctions/",
                                  "/public/inspections/results/"])
def test_a_list_on_a_phone_stays_inside_the_screen(_audit_flushable: None, live_server,
                                                   browser, county, path) -> None:
    """At a phone's width (390 px) the page is no wider than the screen (the table scrolls in
    its panel) and the subject's name is not squeezed into a column one character wide."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        with clock.frozen_at(TODAY):
            page.goto(f"{live_server.url}{path}")
            assert page.locator("[data-testid=list-table]").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            name_width = page.evaluate(
                "document.querySelector('[data-testid=list-table] tbody td').offsetWidth")
            assert name_width >= 100
            RESULTS.mkdir(exist_ok=True)
            page.screenshot(path=str(RESULTS / f"portal-phone-{path.strip('/').replace('/', '-')}"
                                              ".png"), full_page=True)
    finally:
        context.close()
