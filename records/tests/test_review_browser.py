"""End-to-end through a real Chromium: a reviewer filters the queue, ticks the whole page with
the header box, approves in one batch, and sees the one record they submitted themselves refused
with its reason while the others became effective. Screenshots go to test-results/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.models import User
from common import clock
from common.browser_testing import sign_in
from records import services
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

RESULTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reviewer_ticks_the_page_and_approves_in_one_batch(
        _audit_flushable: None, live_server, browser, clerk: User, reviewer: User,
        lead_department) -> None:
    today = dt.date.today()
    subject = Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                     name="福州示范物业服务有限公司",
                                     category=Category.PROPERTY_SERVICE)
    fine = RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")
    with clock.frozen_at(today):
        for n in range(5):
            services.record_create(actor=clerk, subject=subject, record_type=fine,
                                   occurred_on=today, decided_on=today,
                                   document_number=f"罚〔2026〕{n}号", submit=True)
        own = services.record_create(actor=reviewer, subject=subject, record_type=fine,
                                     occurred_on=today, decided_on=today,
                                     document_number="罚〔2026〕99号", submit=True,
                                     source_department=lead_department)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    RESULTS.mkdir(exist_ok=True)
    try:
        with clock.frozen_at(today):
            sign_in(page, base, reviewer.username)
            page.goto(f"{base}/records/reviews/?severity=general")
            assert page.locator("[data-testid=queue-count]").inner_text() == "5"
            assert page.locator("[data-testid=export-xlsx]").get_attribute("href") == (
                "?severity=general&export=xlsx")
            page.check("input[data-select-all=ids]")
            assert page.locator("input[name=ids]:checked").count() == 5
            # a stale page could still carry the reviewer's own record: add it by hand
            page.evaluate("""id => { const box = document.createElement('input');
                box.type = 'checkbox'; box.name = 'ids'; box.value = id; box.checked = true;
                document.querySelector('[data-testid=batch-form]').appendChild(box); }""",
                          str(own.pk))
            page.screenshot(path=str(RESULTS / "review-queue-ticked.png"), full_page=True)
            page.click("[data-testid=batch-approve]")
            page.locator("[data-testid=batch-refused]").wait_for()
            refused = page.locator("[data-testid=batch-refused]").inner_text()
            assert "罚〔2026〕99号" in refused and "须由其他审核员审核" in refused
            assert "已通过 5 条记录" in page.content()
            page.screenshot(path=str(RESULTS / "review-queue-batch-done.png"), full_page=True)
            page.goto(f"{base}/records/?state=effective")
            assert page.locator("[data-testid=record-count]").inner_text() == "5"
            assert page.locator("[data-testid=export-csv]").get_attribute("href") == (
                "?state=effective&export=csv")
            page.screenshot(path=str(RESULTS / "records-list.png"), full_page=True)
    finally:
        context.close()
    assert CreditRecord.objects.filter(state=RecordState.EFFECTIVE).count() == 5
    assert CreditRecord.objects.get(pk=own.pk).state == RecordState.SUBMITTED
