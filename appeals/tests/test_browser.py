"""An enterprise and a reviewer in Chromium: the enterprise signs in, downloads its credit
report, files an objection with an evidence file and is refused credit repair before the minimum
period; a reviewer answers the objection from the queue; the enterprise sees the answer and,
once the minimum period is reached, files the repair application.

Runs on pytest-django's live server (transactional database; the shared fixtures handle the
SQLite audit triggers). `common.clock` is process-wide, so freezing it here freezes the server.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from appeals.models import Appeal, RepairApplication
from appeals.tests.conftest import PNG
from common import clock
from common.browser_testing import PASSWORD, sign_in
from lists import rules as list_rules
from lists.tests.helpers import to_in_force

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
DAY = dt.date(2026, 3, 10)

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def enterprise_sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/my/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/my/")


def sign_out(page, base: str) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_load_state()


def test_enterprise_objects_reviewer_answers_and_repair_opens_after_the_minimum(
        _audit_flushable: None, live_server, browser, tmp_path, clerk, reviewer, subject,
        make_record, enterprise_user) -> None:
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject, make_record=make_record,
                        on=DAY)
    day = entry.effective_from + dt.timedelta(days=10)
    with clock.frozen_at(day):
        record = make_record(subject, "property_fee_violation")
    opens = list_rules.credit_repair_earliest_date(effective_from=entry.effective_from)
    receipt = tmp_path / "缴款凭证.png"
    receipt.write_bytes(PNG)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        with clock.frozen_at(day):
            # --- the enterprise: report, objection with evidence, repair refused -------------
            enterprise_sign_in(page, base, enterprise_user.username)
            assert subject.name in page.locator("[data-testid=my-subject]").inner_text()
            with page.expect_download() as download:
                page.click("[data-testid=download-report]")
            assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
            page.click(f"[data-testid=object-record-{record.pk}]")
            page.fill("#id_reasons", "罚款金额认定有误，已提交缴款凭证。")
            page.set_input_files("#id_evidence", str(receipt))
            with page.expect_navigation():
                page.click("[data-testid=file-objection]")
            appeal = Appeal.objects.get()
            assert page.url == f"{base}/my/objections/{appeal.pk}/"
            assert appeal.evidence.count() == 1
            page.goto(f"{base}/my/")
            page.click(f"[data-testid=repair-black-{entry.pk}]")
            page.fill("#id_proof", "已整改到位。")
            page.fill("#id_commitment", "本单位承诺依法诚信经营。")
            page.click("[data-testid=apply-repair]")
            assert opens.isoformat() in page.locator("[data-testid=form-error]").inner_text()
            assert not RepairApplication.objects.exists()
            sign_out(page, base)
            # --- the reviewer answers from the queue, with the days left ---------------------
            sign_in(page, base, reviewer.username)
            page.goto(f"{base}/appeals/")
            page.click(f"[data-testid=objection-queue] a[href='/appeals/objections/{appeal.pk}/']")
            assert page.locator("[data-testid=evidence]").inner_text() == receipt.name
            page.check("input[name=accept][value=no]")
            page.fill("#id_answer", "经核查，处罚金额认定无误，异议不成立。")
            with page.expect_navigation():
                page.click("[data-testid=answer-objection]")
            sign_out(page, base)
            # --- the enterprise sees the answer and its notice -------------------------------
            enterprise_sign_in(page, base, enterprise_user.username)
            page.goto(f"{base}/my/objections/{appeal.pk}/")
            assert "异议不成立" in page.locator("[data-testid=objection-answer]").inner_text()
            assert page.locator("[data-testid=answer-notice]").count() == 1
        with clock.frozen_at(opens):
            # --- the minimum period is reached: the application is registered ----------------
            page.goto(f"{base}/my/repair/new/black/{entry.pk}/")
            page.fill("#id_proof", "已整改到位并缴纳罚款。")
            page.fill("#id_commitment", "本单位承诺依法诚信经营。")
            with page.expect_navigation():
                page.click("[data-testid=apply-repair]")
            assert "/my/" in page.url
            application = RepairApplication.objects.get()
            assert application.request.state == "pending"
            assert application.request.decision_due_on.isoformat() in page.locator(
                "[data-testid=my-repairs]").inner_text()
    except Exception:
        page.screenshot(path=str(RESULTS / "appeals-browser.png"), full_page=True)
        raise
    finally:
        context.close()


def test_the_log_out_button_on_my_pages_is_visible_on_the_light_page(
        _audit_flushable: None, live_server, browser, enterprise_user) -> None:
    """The /my/ sub-navigation's "log out" used the top bar's white button style on the light
    page (white on near-white); it reads as a link now, in the links' colour."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        enterprise_sign_in(page, live_server.url, enterprise_user.username)
        colours = page.evaluate("""() => {
            const button = document.querySelector('[data-testid=logout]');
            const link = document.querySelector('.subnav a');
            return [getComputedStyle(button).color, getComputedStyle(link).color];
        }""")
        assert colours[0] == colours[1] and colours[0] != "rgb(255, 255, 255)"
    finally:
        context.close()
