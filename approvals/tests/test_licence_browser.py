"""Through a real Chromium: the window officer corrects, then revokes, the licence decision
recorded with the feedback, on the check page where both forms are shown together.

The two forms both have a `reason` field; each has its own `auto_id` (`approvals/forms.py`), so
the page has no duplicate HTML id and every label points at its own field (a label click
focuses the field of its form). Runs against pytest-django's live server in the same process,
so the frozen clock is the server's clock too; SQLite's audit triggers are dropped for the
flush between tests as in the other browser tests (`common.browser_testing`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accounts.models import User
from approvals.models import LicenceDecision, LicenceState
from approvals.services import credit_check, feedback_record
from audit.models import AuditEvent
from common import clock
from common.browser_testing import sign_in

from .conftest import MONDAY

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
DAY_AFTER = MONDAY + dt.timedelta(days=1)
LATER = MONDAY + dt.timedelta(days=3)

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DUPLICATE_IDS = """() => {
  const seen = {}, twice = [];
  for (const el of document.querySelectorAll('[id]')) {
    if (seen[el.id]) twice.push(el.id); else seen[el.id] = true;
  }
  return twice;
}"""


def test_officer_corrects_then_revokes_the_licence_on_the_check_page(
        _audit_flushable: None, live_server, browser, graded, make_subject,
        window_officer: User) -> None:
    developer = make_subject("福州示范房地产开发有限公司", category="developer")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=developer.code,
                             matter_code="presale_permit")
    with clock.frozen_at(DAY_AFTER):
        feedback_record(
            actor=window_officer, credit_check=check,
            decisions={code: (True, "") for code in
                       check.measures.values_list("code", flat=True)},
            licence={"outcome": "granted", "document_number": "县住建许〔2026〕12号",
                     "decided_on": DAY_AFTER, "valid_from": DAY_AFTER,
                     "valid_until": dt.date(2027, 3, 2), "category": "ordinary",
                     "content": "商品房预售许可：1号楼", "certificate_name": "商品房预售许可证",
                     "certificate_number": "预售2026-012"})
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        with clock.frozen_at(LATER):
            sign_in(page, base, window_officer.username)
            page.goto(f"{base}/approvals/checks/{check.number}/#licence")
            correct = page.locator("[data-testid=licence-correct-form]")
            revoke = page.locator("[data-testid=licence-revoke-form]")
            assert correct.count() == 1 and revoke.count() == 1
            assert page.evaluate(DUPLICATE_IDS) == []  # the bug: two id="id_reason"
            # each label names its own form's field
            page.locator("summary", has_text="更正许可决定").click()
            correct.locator("label", has_text="更正理由").click()
            assert page.evaluate("document.activeElement.closest('form').dataset.testid") == \
                "licence-correct-form"

            # --- a correction without a reason is refused, in Chinese, under its field -------
            correct.locator("textarea[name=reason]").fill(" ")
            correct.locator("button[type=submit]").click()
            page.wait_for_load_state()
            error = page.locator("[data-testid=licence-correct-form] "
                                 "[data-field-error=reason]")
            assert error.inner_text().strip() != ""
            assert any("\u4e00" <= c <= "\u9fff" for c in error.inner_text())
            assert page.evaluate(DUPLICATE_IDS) == []  # also on the refused page
            assert LicenceDecision.objects.get().version == 1

            # --- the correction: a new version supersedes the old one ---------------------
            correct = page.locator("[data-testid=licence-correct-form]")
            correct.locator("textarea[name=content]").fill("商品房预售许可：1号楼、2号楼")
            correct.locator("textarea[name=reason]").fill("漏填2号楼")
            correct.locator("button[type=submit]").click()
            page.locator("[data-licence-state=in_force]").wait_for()
            in_force = LicenceDecision.objects.get(state=LicenceState.IN_FORCE)
            assert (in_force.version, in_force.content, in_force.reason) == (
                2, "商品房预售许可：1号楼、2号楼", "漏填2号楼")
            assert "漏填2号楼" in page.locator("[data-testid=licence-decision]").inner_text()

            # --- the revocation, with its reason, through its own form ---------------------
            page.locator("summary", has_text="撤销许可决定").click()
            revoke = page.locator("[data-testid=licence-revoke-form]")
            revoke.locator("label", has_text="撤销理由").click()
            assert page.evaluate("document.activeElement.closest('form').dataset.testid") == \
                "licence-revoke-form"
            page.keyboard.type("申请人以欺骗手段取得许可")
            revoke.locator("button[type=submit]").click()
            page.locator("[data-testid=licence-decision]").wait_for()
            page.wait_for_load_state()
            assert page.locator("[data-testid=licence-revoke-form]").count() == 0
            page.screenshot(path=str(RESULTS / "approvals-licence-revoked.png"), full_page=True)
        assert not LicenceDecision.objects.filter(state=LicenceState.IN_FORCE).exists()
        revoked = LicenceDecision.objects.get(version=2)
        assert (revoked.state, revoked.revocation_reason) == (
            LicenceState.REVOKED, "申请人以欺骗手段取得许可")
        assert AuditEvent.objects.filter(action="approvals.licence_correct").count() == 1
        assert AuditEvent.objects.filter(action="approvals.licence_revoke").count() == 1
    finally:
        context.close()
