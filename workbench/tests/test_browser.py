"""End-to-end through a real Chromium: a clerk registers an enterprise (and is refused a
mistyped code with the exact reason, before and after submitting), submits a record for it; a
reviewer approves it and the record page shows it effective.

Runs against pytest-django's live server, which needs a transactional test database; on SQLite
the audit table's append-only triggers would make the flush between tests fail, so they are
dropped for this module and put back at its end (PostgreSQL flushes with TRUNCATE, which its
row triggers allow).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from accounts.models import User
from common.browser_testing import sign_in, sign_out
from common.errors import ServiceError
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.identifiers import validate_subject_code
from subjects.models import Subject

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
VALID = "91350100M000100Y43"
INVALID = "91350100M000100Y4Z"


pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def refusal(code: str) -> str:
    """The exact reason the service gives, in the page's language (zh-hans)."""
    with translation.override("zh-hans"):
        try:
            validate_subject_code(code, kind="enterprise")
        except ServiceError as exc:
            return str(exc.message)
    raise AssertionError(f"{code} was expected to be refused")


def test_clerk_enters_reviewer_approves(_audit_flushable: None, live_server, browser,
                                        clerk: User, reviewer: User) -> None:
    fine = RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条",
    )
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        # --- clerk: a mistyped code is refused with the exact reason, inline and on submit --
        sign_in(page, base, clerk.username)
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.goto(f"{base}/subjects/new/")
        page.fill("#id_code", INVALID)
        page.fill("#id_name", "福州市示范物业服务有限公司")  # moving on blurs the code field
        reason = refusal(INVALID)
        assert reason == "第18位校验码应为3，而不是Z，请检查是否录入有误。"
        inline = page.locator("[data-testid=code-check]")
        inline.filter(has_text=reason).wait_for()
        assert "18" in inline.inner_text() and "Z" in inline.inner_text()
        assert "第18位校验码应为3，而不是Z" in inline.inner_text()
        page.select_option("#id_category", "property_service")
        page.click("[data-testid=save-subject]")
        error = page.locator('[data-field-error="code"]')
        error.filter(has_text=reason).wait_for()
        assert not Subject.objects.exists()
        page.screenshot(path=str(RESULTS / "workbench-code-refused.png"), full_page=True)

        # --- the corrected code passes the inline check and registers the subject ----------
        page.fill("#id_code", VALID)
        page.fill("#id_legal_representative", "李四")
        inline.filter(has_text=VALID).wait_for()
        page.click("[data-testid=save-subject]")
        page.locator("[data-testid=subject-name]").wait_for()
        subject = Subject.objects.get(code=VALID)
        assert page.url == f"{base}/subjects/{subject.pk}/"

        # --- a record for it, straight into review ------------------------------------------
        page.click("[data-testid=add-record]")
        page.select_option("#id_record_type", str(fine.pk))
        decided = dt.date.today() - dt.timedelta(days=3)
        page.fill("#id_occurred_on", (decided - dt.timedelta(days=20)).isoformat())
        page.fill("#id_decided_on", decided.isoformat())
        page.fill("#id_document_number", "榕建罚〔2026〕8号")
        page.fill("#id_amount", "20000")
        page.click("[data-testid=submit-record]")
        page.locator("[data-state=submitted]").first.wait_for()
        assert page.locator("[data-state=submitted]").first.inner_text() == "待审核"
        assert "已提交审核。" in page.locator(".messages").inner_text()
        record = CreditRecord.objects.get(subject=subject)
        assert record.state == RecordState.SUBMITTED
        sign_out(page, base)

        # --- reviewer: the home page counts it, the record page approves it -----------------
        sign_in(page, base, reviewer.username)
        assert page.locator("[data-testid=pending-count]").inner_text() == "1"
        page.screenshot(path=str(RESULTS / "workbench-home-reviewer.png"), full_page=True)
        page.goto(f"{base}/records/reviews/")
        page.click(f"a[href='/records/{record.pk}/']")
        page.fill("#id_comment", "同意")
        page.click("[data-testid=approve]")
        page.locator(".page-head [data-state=effective]").wait_for()
        assert page.locator(".page-head [data-state=effective]").inner_text() == "已生效"
        assert "该信用记录已生效。" in page.locator(".messages").inner_text()
        assert CreditRecord.objects.get(pk=record.pk).state == RecordState.EFFECTIVE
        page.screenshot(path=str(RESULTS / "workbench-record-effective.png"), full_page=True)
        page.goto(f"{base}/subjects/{subject.pk}/")
        page.screenshot(path=str(RESULTS / "workbench-subject.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(RESULTS / "workbench-failure.png"), full_page=True)
        raise
    finally:
        context.close()
