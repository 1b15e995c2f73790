"""The review queue of hundreds: filters, its export, and batch approval or return, each item
still four-eyed and audited on its own (`records.services.records_review_batch`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Department, User
from audit.models import AuditEvent
from common import clock
from common.errors import PermissionDeniedError, ValidationFailed
from common.limits import REVIEW_BATCH
from records import services
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

MONDAY = dt.date(2024, 6, 3)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(MONDAY):
        yield


@pytest.fixture
def subject(db: None) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="福州市示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


@pytest.fixture
def formula_subject(db: None) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000200Y37",
                                  name='=HYPERLINK("http://evil.example","点我")',
                                  category=Category.DEVELOPER)


@pytest.fixture
def fine_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")


@pytest.fixture
def severe_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="licence_revoked", name="吊销资质证书", polarity=Polarity.BAD,
        severity=Severity.SEVERE, default_points=Decimal("-40"), publicity_months=36,
        legal_basis="《中华人民共和国行政处罚法》第九条")


def submitted(actor: User, subject: Subject, record_type: RecordType, number: str, *,
              on: dt.date = MONDAY, department: Department | None = None) -> CreditRecord:
    with clock.frozen_at(on):
        return services.record_create(
            actor=actor, subject=subject, record_type=record_type,
            occurred_on=dt.date(2024, 1, 10), decided_on=dt.date(2024, 2, 1),
            document_number=number, submit=True, source_department=department)


def fresh(record: CreditRecord) -> CreditRecord:
    """A new copy (the FSM state field is protected: it cannot be refreshed in place)."""
    return CreditRecord.objects.get(pk=record.pk)


def approvals_of(record: CreditRecord) -> int:
    return AuditEvent.objects.filter(action="record.approve", target_type="records.creditrecord",
                                     target_id=str(record.pk)).count()


# --- the service ------------------------------------------------------------------------------

def test_batch_approval_decides_each_record_with_its_own_audit_event(clerk, reviewer, subject,
                                                                      fine_type):
    records = [submitted(clerk, subject, fine_type, f"罚〔2024〕{n}号") for n in range(5)]
    outcome = services.records_review_batch(actor=reviewer, ids=[r.pk for r in records],
                                            decision="approve", reason="")
    assert len(outcome.decided) == 5 and not outcome.refused
    for record in records:
        record = fresh(record)
        assert record.state == RecordState.EFFECTIVE and record.reviewed_by == reviewer
        assert approvals_of(record) == 1


def test_four_eyes_refuses_own_items_one_by_one_and_the_rest_go_through(
        clerk, reviewer, lead_department, subject, fine_type):
    others = [submitted(clerk, subject, fine_type, f"罚〔2024〕{n}号") for n in range(3)]
    own = submitted(reviewer, subject, fine_type, "罚〔2024〕99号", department=lead_department)
    with translation.override("zh-hans"):
        outcome = services.records_review_batch(
            actor=reviewer, ids=[own.pk] + [r.pk for r in others], decision="approve")
    assert [i.record_id for i in outcome.decided] == sorted(r.pk for r in others)
    (refused,) = outcome.refused
    assert refused.record_id == own.pk and refused.code == "four_eyes"
    assert refused.reason == "该记录由您录入或提交，须由其他审核员审核。"
    own = fresh(own)
    assert own.state == RecordState.SUBMITTED and approvals_of(own) == 0


def test_batch_return_needs_one_reason_given_to_every_record(clerk, reviewer, subject,
                                                              fine_type):
    records = [submitted(clerk, subject, fine_type, f"罚〔2024〕{n}号") for n in range(2)]
    ids = [r.pk for r in records]
    with pytest.raises(ValidationFailed) as missing:
        services.records_review_batch(actor=reviewer, ids=ids, decision="reject", reason="  ")
    assert missing.value.field == "reason"
    outcome = services.records_review_batch(actor=reviewer, ids=ids, decision="reject",
                                            reason="证据不足，请补充处罚决定书")
    assert len(outcome.decided) == 2
    for record in records:
        record = fresh(record)
        assert record.state == RecordState.REJECTED
        assert record.review_comment == "证据不足，请补充处罚决定书"
        assert AuditEvent.objects.filter(action="record.reject",
                                         target_id=str(record.pk)).count() == 1


def test_batch_above_the_limit_is_refused_whole_with_a_chinese_message(reviewer, db):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        services.records_review_batch(actor=reviewer, ids=list(range(1, REVIEW_BATCH + 2)),
                                      decision="approve")
    assert refused.value.code == "batch_too_large"
    assert str(refused.value.message) == (
        f"一次最多可以批量决定 {REVIEW_BATCH} 条记录，当前选择了 {REVIEW_BATCH + 1} 条。")


def test_clerk_cannot_batch_review(clerk, subject, fine_type):
    record = submitted(clerk, subject, fine_type, "罚〔2024〕1号")
    with pytest.raises(PermissionDeniedError):
        services.records_review_batch(actor=clerk, ids=[record.pk], decision="approve")


def test_already_decided_and_unknown_items_are_refused_not_redecided(clerk, reviewer,
                                                                      second_reviewer, subject,
                                                                      fine_type):
    record = submitted(clerk, subject, fine_type, "罚〔2024〕1号")
    services.records_review_batch(actor=second_reviewer, ids=[record.pk], decision="approve")
    outcome = services.records_review_batch(actor=reviewer, ids=[record.pk, 987654],
                                            decision="approve")
    assert not outcome.decided
    assert {i.code for i in outcome.refused} == {"invalid_state", "not_found"}
    assert approvals_of(record) == 1


# --- the page ---------------------------------------------------------------------------------

def _rows_on_page(client: Client, query: str = "") -> list[str]:
    page = client.get(reverse("records:reviews") + query)
    assert page.status_code == 200
    return [r.document_number for r in page.context["page"].object_list]


def _rows_in_csv(client: Client, query: str) -> list[list[str]]:
    response = client.get(reverse("records:reviews") + query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_filters_narrow_the_queue_and_the_export_holds_the_same_rows(
        client, clerk, lead_clerk, reviewer, subject, fine_type, severe_type, lead_department,
        other_department):
    old = submitted(clerk, subject, fine_type, "罚〔2024〕1号", on=MONDAY - dt.timedelta(days=20))
    severe = submitted(clerk, subject, severe_type, "罚〔2024〕2号")
    lead = submitted(lead_clerk, subject, fine_type, "罚〔2024〕3号")
    client.force_login(reviewer)
    assert sorted(_rows_on_page(client)) == sorted(
        r.document_number for r in (old, severe, lead))
    cases = {
        f"?department={other_department.pk}": [old, severe],
        f"?record_type={severe_type.pk}": [severe],
        "?severity=severe": [severe],
        "?source=lead": [lead],
        "?age=15": [old],
        f"?submitted_by={lead_clerk.pk}": [lead],
        f"?source=cooperating&severity=general&age=7&submitted_by={clerk.pk}": [old],
    }
    for query, expected in cases.items():
        on_page = _rows_on_page(client, query)
        assert on_page == [r.document_number for r in expected], query
        with translation.override("zh-hans"):
            table = _rows_in_csv(client, query + "&export=csv")
        assert table[0][:4] == ["文书号", "版本", "信用主体", "代码"], table[0]
        assert [row[0] for row in table[1:]] == on_page, query


def test_export_holds_every_filtered_row_not_just_the_page(client, clerk, reviewer, subject,
                                                           fine_type):
    for n in range(35):
        submitted(clerk, subject, fine_type, f"罚〔2024〕{n}号")
    client.force_login(reviewer)
    assert len(_rows_on_page(client)) == 30
    with translation.override("zh-hans"):
        table = _rows_in_csv(client, "?export=csv&page=2")
    assert len(table) == 1 + 35
    # choice columns carry their Chinese labels, as the page shows them
    assert table[1][5:9] == ["不良（失信）信息", "一般失信", "2024-02-01", "待审核"]
    assert table[1][11] == "2024-06-03 12:00:00"  # local time, as on the page


def test_export_link_keeps_the_filters(client, clerk, reviewer, subject, fine_type):
    submitted(clerk, subject, fine_type, "罚〔2024〕1号")
    client.force_login(reviewer)
    body = client.get(reverse("records:reviews") + "?severity=general&page=1").content.decode()
    assert 'href="?severity=general&amp;export=xlsx"' in body
    assert 'href="?severity=general&amp;export=csv"' in body


def test_formula_like_subject_name_stays_text_in_the_xlsx(client, clerk, reviewer,
                                                          formula_subject, fine_type):
    submitted(clerk, formula_subject, fine_type, "罚〔2024〕1号")
    client.force_login(reviewer)
    response = client.get(reverse("records:reviews") + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "'" + formula_subject.name
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_queue_and_its_export_refuse_clerks_and_anonymous(client, clerk, subject, fine_type):
    url = reverse("records:reviews") + "?export=xlsx"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    record = submitted(clerk, subject, fine_type, "罚〔2024〕1号")
    assert client.post(reverse("records:review_batch"),
                       {"ids": [record.pk], "decision": "approve"}).status_code == 403
    record = fresh(record)
    assert record.state == RecordState.SUBMITTED


def test_batch_page_approves_ticked_records_and_lists_refusals(client, clerk, reviewer,
                                                               lead_department, subject,
                                                               fine_type):
    ticked = [submitted(clerk, subject, fine_type, f"罚〔2024〕{n}号") for n in range(3)]
    own = submitted(reviewer, subject, fine_type, "罚〔2024〕99号", department=lead_department)
    client.force_login(reviewer)
    page = client.get(reverse("records:reviews")).content.decode()
    assert 'data-select-all="ids"' in page and f'name="ids" value="{ticked[0].pk}"' in page
    with translation.override("zh-hans"):
        response = client.post(reverse("records:review_batch") + "?severity=general",
                               {"ids": [r.pk for r in ticked] + [own.pk],
                                "decision": "approve"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="batch-refused"' in body
    assert "该记录由您录入或提交，须由其他审核员审核。" in body
    assert CreditRecord.objects.filter(state=RecordState.EFFECTIVE).count() == 3
    assert response.context["page"].paginator.count == 0  # own records are not in the queue


def test_batch_page_refuses_a_return_without_reason_and_too_many_ids(client, clerk, reviewer,
                                                                     subject, fine_type):
    record = submitted(clerk, subject, fine_type, "罚〔2024〕1号")
    client.force_login(reviewer)
    response = client.post(reverse("records:review_batch"),
                           {"ids": [record.pk], "decision": "reject", "reason": ""})
    assert response.status_code == 422
    too_many = client.post(reverse("records:review_batch"),
                           {"ids": list(range(1, REVIEW_BATCH + 2)), "decision": "approve"})
    assert too_many.status_code == 422
    assert 'data-testid="form-error"' in too_many.content.decode()
    record = fresh(record)
    assert record.state == RecordState.SUBMITTED
