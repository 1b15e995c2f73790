"""Record pages: entry with evidence in one step, duplicates, file checks, four-eyes review,
correction, revocation, the audited evidence download and the review queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from audit.models import AuditEvent
from common import clock
from records import services
from records.models import CreditRecord, Evidence, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

TODAY = dt.date(2024, 6, 1)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def subject(db: None) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="福州市示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


@pytest.fixture
def fine_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条",
    )


@pytest.fixture
def award_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="award_city", name="市级表彰", polarity=Polarity.GOOD, severity="",
        default_points=Decimal("3"), publicity_months=36, legal_basis="—",
    )


def form(record_type: RecordType, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "record_type": str(record_type.pk), "occurred_on": "2024-01-10",
        "decided_on": "2024-02-01", "document_number": "榕建罚〔2024〕1号",
        "description": "未按规定公示收费项目", "amount": "5000", "action": "draft",
    }
    data.update(overrides)
    return data


def create_url(subject: Subject) -> str:
    return reverse("records:create") + f"?subject={subject.pk}"


def new_record(actor: User, subject: Subject, record_type: RecordType, *, submit: bool = True,
               document_number: str = "榕建罚〔2024〕9号") -> CreditRecord:
    return services.record_create(
        actor=actor, subject=subject, record_type=record_type, occurred_on=dt.date(2024, 1, 10),
        decided_on=dt.date(2024, 2, 1), document_number=document_number, submit=submit,
    )


def test_clerk_saves_draft_for_own_department(client: Client, clerk: User, subject: Subject,
                                              fine_type: RecordType, award_type: RecordType):
    client.force_login(clerk)
    page = client.get(create_url(subject)).content.decode()
    assert "<optgroup" in page and 'name="source_department"' not in page
    response = client.post(create_url(subject), form(fine_type))
    record = CreditRecord.objects.get()
    assert response["Location"] == reverse("records:detail", kwargs={"pk": record.pk})
    assert record.state == RecordState.DRAFT
    assert record.source_department == clerk.department
    assert record.amount == Decimal("5000")


def test_submit_with_evidence_in_one_step(client: Client, clerk: User, subject: Subject,
                                          fine_type: RecordType):
    client.force_login(clerk)
    upload = SimpleUploadedFile("决定书.pdf", PDF, content_type="application/pdf")
    response = client.post(create_url(subject), form(fine_type, action="submit", file=upload))
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert record.state == RecordState.SUBMITTED
    assert record.evidence.get().original_name == "决定书.pdf"


def test_reviewer_chooses_source_department(client: Client, reviewer: User, subject: Subject,
                                            fine_type: RecordType, other_department):
    client.force_login(reviewer)
    assert 'name="source_department"' in client.get(create_url(subject)).content.decode()
    client.post(create_url(subject), form(fine_type, source_department=other_department.pk))
    assert CreditRecord.objects.get().source_department == other_department


def test_duplicate_record_shows_message(client: Client, clerk: User, subject: Subject,
                                        fine_type: RecordType):
    client.force_login(clerk)
    client.post(create_url(subject), form(fine_type))
    response = client.post(create_url(subject), form(fine_type))
    assert response.status_code == 409
    with translation.override("zh-hans"):
        message = services._duplicate("榕建罚〔2024〕1号").message
    assert message == "该来源部门已存在文书号为榕建罚〔2024〕1号的信用记录，不能重复录入。"
    body = response.content.decode()
    assert escape(str(message)) in body.split('data-field-error="document_number"', 1)[1]
    assert CreditRecord.objects.count() == 1


def test_future_decision_date_refused_under_field(client: Client, clerk: User, subject: Subject,
                                                  fine_type: RecordType):
    client.force_login(clerk)
    response = client.post(create_url(subject), form(fine_type, decided_on="2024-07-01"))
    assert response.status_code == 422
    assert 'data-field-error="decided_on"><span>' in response.content.decode()
    assert "决定日期不能晚于今天。" in response.content.decode()
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("amount", ["1e20", "0.001"])
def test_an_amount_with_too_many_digits_is_said_as_the_api_says_it(
        client: Client, clerk: User, subject: Subject, fine_type: RecordType, amount: str):
    """Django's own words were "确认总共不超过 14 个数字." (an English stop, no hint where)."""
    client.force_login(clerk)
    response = client.post(create_url(subject), form(fine_type, amount=amount))
    page = response.content.decode()
    assert response.status_code == 400
    assert ('data-field-error="amount"><span>数字位数过多：整数部分最多12位，小数部分最多2位。'
            in page)
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("virus.exe", b"MZ\x90\x00" + b"\x00" * 60,
     "证明材料须为PDF、OFD、PNG或JPEG文件，“virus.exe”不符合要求。"),
    ("决定书.pdf", PNG,  # content does not match the extension
     "“决定书.pdf”的文件内容与其文件类型不符。"),
])
def test_bad_evidence_refused_and_nothing_created(client: Client, clerk: User, subject: Subject,
                                                  fine_type: RecordType, name: str,
                                                  content: bytes, reason: str,
                                                  media_root: Path):
    client.force_login(clerk)
    events = AuditEvent.objects.count()
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(create_url(subject), form(fine_type, file=upload))
    assert response.status_code == 422
    body = response.content.decode()
    assert name in body.split('data-field-error="file"', 1)[1].split("</div>", 1)[0]
    assert reason in body.split('data-field-error="file"', 1)[1].split("</div>", 1)[0]
    assert not CreditRecord.objects.exists() and not Evidence.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_evidence_upload_on_record_page(client: Client, clerk: User, subject: Subject,
                                        fine_type: RecordType):
    record = new_record(clerk, subject, fine_type, submit=False)
    client.force_login(clerk)
    url = reverse("records:evidence_upload", kwargs={"pk": record.pk})
    bad = client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 422
    assert "a.exe" in bad.content.decode()
    good = client.post(url, {"file": SimpleUploadedFile("a.png", PNG)})
    assert good.status_code == 302
    assert record.evidence.count() == 1


def test_evidence_download_is_audited_and_scoped(client: Client, clerk: User, lead_clerk: User,
                                                 reviewer: User, subject: Subject,
                                                 fine_type: RecordType):
    record = new_record(clerk, subject, fine_type)
    evidence = services.evidence_attach(actor=clerk, record=record,
                                        upload=SimpleUploadedFile("决定书.pdf", PDF))
    url = reverse("records:evidence", kwargs={"pk": evidence.pk})
    client.force_login(lead_clerk)  # a clerk of another department does not see the record
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="record.evidence_view").exists()
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="record.evidence_view")
    assert event.actor_id == reviewer.pk and event.target_id == str(record.pk)
    page = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    assert "决定书.pdf" in page


def test_clerk_cannot_approve(client: Client, clerk: User, subject: Subject,
                              fine_type: RecordType):
    record = new_record(clerk, subject, fine_type)
    client.force_login(clerk)
    page = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    assert 'data-testid="approve"' not in page
    response = client.post(reverse("records:approve", kwargs={"pk": record.pk}))
    assert response.status_code == 403
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.SUBMITTED


def test_reviewer_cannot_approve_own_submission(client: Client, reviewer: User, subject: Subject,
                                                fine_type: RecordType):
    record = new_record(reviewer, subject, fine_type)
    client.force_login(reviewer)
    page = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    assert 'data-testid="four-eyes-note"' in page
    response = client.post(reverse("records:approve", kwargs={"pk": record.pk}))
    assert response.status_code == 403
    with translation.override("zh-hans"):
        from django.utils.translation import gettext
        message = gettext("You entered or submitted this record; another reviewer must decide "
                          "on it.")
    assert message == "该记录由您录入或提交，须由其他审核员审核。"
    assert escape(message) in response.content.decode().split('data-testid="action-error"')[1]
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.SUBMITTED
    assert not AuditEvent.objects.filter(action="record.approve").exists()


def test_second_reviewer_approves(client: Client, clerk: User, reviewer: User, subject: Subject,
                                  fine_type: RecordType):
    record = new_record(clerk, subject, fine_type)
    client.force_login(reviewer)
    assert record.pk in [r.pk for r in client.get(reverse("records:reviews"))
                         .context["page"].object_list]
    response = client.post(reverse("records:approve", kwargs={"pk": record.pk}),
                           {"comment": "同意"})
    assert response.status_code == 302
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.EFFECTIVE and record.review_comment == "同意"
    page = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    assert 'data-state="effective"' in page


def test_reject_needs_comment(client: Client, clerk: User, reviewer: User, subject: Subject,
                              fine_type: RecordType):
    record = new_record(clerk, subject, fine_type)
    client.force_login(reviewer)
    url = reverse("records:reject", kwargs={"pk": record.pk})
    refused = client.post(url, {"comment": ""})
    assert refused.status_code == 422
    assert "请填写退回理由。" in refused.content.decode()
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.SUBMITTED
    assert client.post(url, {"comment": "文号有误"}).status_code == 302
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.REJECTED


def test_a_returned_record_offers_a_corrected_entry_prefilled_from_it(
        client: Client, clerk: User, lead_clerk: User, reviewer: User, subject: Subject,
        fine_type: RecordType):
    """A returned record's page said "no action is open to you": the clerk typed the whole
    record again to fix one field. It now links a new entry filled in from it."""
    record = services.record_reject(actor=reviewer, record=new_record(clerk, subject, fine_type),
                                    comment="文书号有误")
    client.force_login(clerk)
    page = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    again = f"{create_url(subject)}&amp;from={record.pk}"
    assert f'href="{again}"' in page and "修改后重新录入" in page
    response = client.get(f"{create_url(subject)}&from={record.pk}")
    form_page = response.content.decode()
    assert response.context["form"]["document_number"].value() == record.document_number
    assert response.context["form"]["record_type"].value() == fine_type.pk
    assert "已按退回的记录" in form_page and "文书号有误" in form_page
    fixed = form(fine_type, document_number="榕建罚〔2024〕10号", action="submit")
    assert client.post(f"{create_url(subject)}&from={record.pk}", fixed).status_code == 302
    assert CreditRecord.objects.get(document_number="榕建罚〔2024〕10号").state == (
        RecordState.SUBMITTED)
    assert CreditRecord.objects.get(pk=record.pk).state == RecordState.REJECTED
    # a reviewer (who picks the source department) gets the record's department, not their own
    client.force_login(reviewer)
    response = client.get(f"{create_url(subject)}&from={record.pk}")
    assert response.context["form"]["source_department"].value() == record.source_department_id
    assert reviewer.department_id != record.source_department_id
    # another department's clerk: no link, and the record is not used to fill anything in
    client.force_login(lead_clerk)
    response = client.get(f"{create_url(subject)}&from={record.pk}")
    assert response.context["form"]["document_number"].value() in (None, "")


def test_submit_draft_from_record_page(client: Client, clerk: User, subject: Subject,
                                       fine_type: RecordType):
    record = new_record(clerk, subject, fine_type, submit=False)
    client.force_login(clerk)
    assert client.post(reverse("records:submit", kwargs={"pk": record.pk})).status_code == 302
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.SUBMITTED
    again = client.post(reverse("records:submit", kwargs={"pk": record.pk}))
    assert again.status_code == 409
    assert "该信用记录当前状态为“待审核”，不能执行此操作。" in again.content.decode()


def test_edit_draft(client: Client, clerk: User, subject: Subject, fine_type: RecordType):
    record = new_record(clerk, subject, fine_type, submit=False)
    client.force_login(clerk)
    url = reverse("records:edit", kwargs={"pk": record.pk})
    assert client.get(url).status_code == 200
    data = form(fine_type, document_number=record.document_number, amount="800",
                action="submit")
    assert client.post(url, data).status_code == 302
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.amount == Decimal("800") and record.state == RecordState.SUBMITTED
    assert client.get(url).status_code == 403  # no longer a draft


def test_correct_and_revoke(client: Client, clerk: User, reviewer: User,
                            second_reviewer: User, subject: Subject, fine_type: RecordType):
    record = new_record(clerk, subject, fine_type)
    services.record_approve(actor=reviewer, record=record)
    client.force_login(clerk)
    url = reverse("records:correct", kwargs={"pk": record.pk})
    assert client.get(url).status_code == 200
    missing_reason = client.post(url, form(fine_type, amount="3000", reason=""))
    assert missing_reason.status_code == 400
    response = client.post(url, form(fine_type, amount="3000", reason="金额录入错误"))
    new = CreditRecord.objects.get(supersedes=record)
    assert response["Location"] == reverse("records:detail", kwargs={"pk": new.pk})
    assert new.version == 2 and new.state == RecordState.SUBMITTED
    assert new.document_number == record.document_number and new.amount == Decimal("3000")
    # Revoking: reviewers only, with a reason.
    revoke = reverse("records:revoke", kwargs={"pk": record.pk})
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    client.force_login(second_reviewer)
    refused = client.post(revoke, {"reason": ""})
    assert refused.status_code == 422
    assert "请填写撤销理由。" in refused.content.decode()
    assert client.post(revoke, {"reason": "决定被撤销"}).status_code == 302
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.REVOKED


def test_review_queue_is_for_reviewers(client: Client, clerk: User):
    client.force_login(clerk)
    assert client.get(reverse("records:reviews")).status_code == 403


def test_subject_page_groups_records(client: Client, clerk: User, reviewer: User,
                                     subject: Subject, fine_type: RecordType,
                                     award_type: RecordType):
    bad = new_record(clerk, subject, fine_type)
    services.record_approve(actor=reviewer, record=bad)
    new_record(clerk, subject, award_type, document_number="表彰〔2024〕1号", submit=False)
    client.force_login(clerk)
    body = client.get(reverse("subjects:detail", kwargs={"pk": subject.pk})).content.decode()
    assert 'class="pol-head pol-bad"' in body and 'class="pol-head pol-good"' in body
    assert "榕建罚〔2024〕9号" in body and "表彰〔2024〕1号" in body
    assert 'data-state="effective"' in body and 'data-state="draft"' in body


def test_create_without_subject_goes_to_search(client: Client, clerk: User):
    client.force_login(clerk)
    response = client.get(reverse("records:create"))
    assert response["Location"] == reverse("subjects:list")


def test_leader_cannot_enter_records(client: Client, leader: User, subject: Subject):
    client.force_login(leader)
    assert client.get(create_url(subject)).status_code == 403


@pytest.fixture
def restores_language() -> Iterator[None]:
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_record_page_speaks_chinese_by_default(client: Client, clerk: User, reviewer: User,
                                               subject: Subject, fine_type: RecordType):
    record = new_record(reviewer, subject, fine_type)
    client.force_login(reviewer)
    body = client.get(reverse("records:detail", kwargs={"pk": record.pk})).content.decode()
    assert 'data-state="submitted">待审核</span>' in body
    assert "不良（失信）信息" in body and "一般失信" in body
    assert "<dt>文书号</dt>" in body and "<dt>公示截止日期</dt>" in body
    assert "该记录由您录入或提交，须由其他审核员审核。" in body
    queue = client.get(reverse("records:reviews")).content.decode()
    assert "按提交时间先后排列。" in queue
    client.force_login(clerk)
    draft = new_record(clerk, subject, fine_type, submit=False, document_number="榕建罚〔2024〕7号")
    response = client.post(reverse("records:submit", kwargs={"pk": draft.pk}), follow=True)
    assert "已提交审核。" in response.content.decode()


def test_record_page_in_english_after_switching(client: Client, clerk: User, reviewer: User,
                                                subject: Subject, fine_type: RecordType,
                                                restores_language: None):
    record = new_record(reviewer, subject, fine_type)
    client.force_login(reviewer)
    url = reverse("records:detail", kwargs={"pk": record.pk})
    assert client.post(reverse("set_language"),
                       {"language": "en", "next": url}).status_code == 302
    body = client.get(url).content.decode()
    assert 'data-state="submitted">Submitted for review</span>' in body
    assert "Bad (dishonest)" in body and "<dt>Document number</dt>" in body
    assert escape("You entered or submitted this record; another reviewer must decide on it.") \
        in body
    assert "待审核" not in body and "不良（失信）信息" not in body
