"""Enterprise self-service: accounts, the /my/ archive, objections, credit repair, commitments.

Time rules are tested by stepping the injectable clock across their boundary days.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.permissions import is_staff_member
from appeals import rules, services
from appeals.models import Appeal, AppealTarget, EnterpriseAccount
from appeals.tests.conftest import PNG
from audit.models import AuditEvent
from common import clock
from common.browser_testing import PASSWORD
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from lists import rules as list_rules
from lists import services as list_services
from lists.models import BlackState, RepairRequest
from lists.tests.helpers import to_in_force
from records.models import CreditRecord, RecordState

DAY = dt.date(2026, 3, 10)
pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_registration_waits_for_the_lead_departments_verification(subject, reviewer, clerk):
    account = services.account_register(username="acme1", password=PASSWORD,
                                        subject_code=subject.code.lower(), contact_name="王五",
                                        contact_phone="13800000000")
    assert account.state == EnterpriseAccount.State.PENDING and account.subject == subject
    assert not is_staff_member(account.user)
    client = _client(account.user)
    response = client.get("/my/")
    assert response.status_code == 403 and subject.name not in response.content.decode()
    with pytest.raises(PermissionDeniedError):  # a clerk may not verify
        services.account_decide(actor=clerk, account=account, verify=True)
    services.account_decide(actor=reviewer, account=account, verify=True)
    assert subject.name in client.get("/my/").content.decode()
    # a second user for the same enterprise; a made-up code is refused
    second = services.account_register(username="acme2", password=PASSWORD,
                                       subject_code=subject.code, contact_name="赵六",
                                       contact_phone="13900000000")
    assert second.subject == subject
    # a made-up code is kept unmatched for staff (the registrant is not told: test_registration)
    unmatched = services.account_register(username="acme3", password=PASSWORD,
                                          subject_code="91000000000000000X", contact_name="x",
                                          contact_phone="1")
    assert unmatched.subject is None and unmatched.state == EnterpriseAccount.State.UNMATCHED
    assert AuditEvent.objects.filter(action="appeals.account_decide").count() == 1


def test_a_refused_account_cannot_sign_in(subject, reviewer):
    account = services.account_register(username="acme9", password=PASSWORD,
                                        subject_code=subject.code, contact_name="王五",
                                        contact_phone="13800000000")
    with pytest.raises(ValidationFailed):  # a refusal needs its reason
        services.account_decide(actor=reviewer, account=account, verify=False)
    services.account_decide(actor=reviewer, account=account, verify=False, reason="无授权书")
    response = Client().post("/my/login/", {"username": "acme9", "password": PASSWORD})
    assert response.status_code == 200  # the form again, no session


def test_my_page_shows_the_whole_archive_but_no_internal_note(
        enterprise_user, subject, other_subject, make_record):
    mine = make_record(subject, "property_fee_violation")
    hidden = make_record(subject, "property_fee_violation")
    CreditRecord.objects.filter(pk=hidden.pk).update(is_public=False)
    theirs = make_record(other_subject, "property_fee_violation")
    client = _client(enterprise_user)
    page = client.get("/my/").content.decode()
    assert mine.document_number in page and hidden.document_number in page
    assert "内部备注" not in page and theirs.document_number not in page
    # another subject's record cannot be objected to (404: its existence is not revealed)
    assert client.get(f"/my/objections/new/record/{theirs.pk}/").status_code == 404


def test_my_archive_names_each_records_state_in_the_readers_language(enterprise_user, subject,
                                                                       make_record):
    """The archive's state column showed the code ("effective", "revoked") on a Chinese page."""
    effective = make_record(subject, "property_fee_violation")
    revoked = make_record(subject, "property_fee_violation")
    CreditRecord.objects.filter(pk=revoked.pk).update(state=RecordState.REVOKED)
    client = _client(enterprise_user)
    zh = client.get("/my/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert effective.document_number in zh and revoked.document_number in zh
    assert "<td>已生效</td>" in zh and "<td>已撤销</td>" in zh
    assert "<td>effective</td>" not in zh and "<td>revoked</td>" not in zh
    assert "<td>Effective</td>" in en and "<td>Revoked</td>" in en


@pytest.mark.parametrize("state", [RecordState.DRAFT, RecordState.SUBMITTED,
                                   RecordState.REJECTED])
def test_a_record_not_in_the_archive_has_no_objection_or_repair_page(
        enterprise_user, subject, make_record, state):
    """A record still in review (or refused) is staff's work, not the subject's archive: the
    objection and repair forms answer 404 instead of naming its document number and state."""
    record = make_record(subject, "property_fee_violation")
    client = _client(enterprise_user)
    assert client.get(f"/my/objections/new/record/{record.pk}/").status_code == 200
    CreditRecord.objects.filter(pk=record.pk).update(state=state)
    for url in (f"/my/objections/new/record/{record.pk}/", f"/my/repair/new/record/{record.pk}/"):
        response = client.get(url)
        assert response.status_code == 404 and record.document_number not in \
            response.content.decode()


def test_record_objection_with_evidence_answered_and_corrected_through_review(
        enterprise_user, subject, make_record, reviewer, second_reviewer):
    with clock.frozen_at(DAY):
        record = make_record(subject, "property_fee_violation")
        with pytest.raises(ValidationFailed):  # not really a PNG
            services.appeal_file(actor=enterprise_user, target=AppealTarget.RECORD,
                                 record=record, reasons="金额有误",
                                 evidence=[SimpleUploadedFile("x.png", b"not a png")])
        appeal = services.appeal_file(
            actor=enterprise_user, target=AppealTarget.RECORD, record=record,
            reasons="处罚金额认定有误，已缴纳部分罚款。",
            evidence=[SimpleUploadedFile("receipt.png", PNG)])
    assert appeal.answer_due_on == list_rules.objection_reply_deadline(filed_on=DAY)
    assert appeal.filing_deadline == record.publicity_ends_on
    assert appeal.evidence.count() == 1
    with pytest.raises(Conflict):  # one pending objection per record
        services.appeal_file(actor=enterprise_user, target=AppealTarget.RECORD, record=record,
                             reasons="again")
    with pytest.raises(PermissionDeniedError):  # the enterprise cannot answer itself
        services.appeal_answer(actor=enterprise_user, appeal=appeal, accept=True, answer="x")
    with clock.frozen_at(DAY + dt.timedelta(days=3)):
        appeal = services.appeal_answer(actor=reviewer, appeal=appeal, accept=True,
                                        answer="经核查，异议成立，予以更正。",
                                        corrected_description="更正后的违法事实。")
    assert appeal.state == Appeal.State.ACCEPTED and appeal.correction is not None
    correction = appeal.correction
    assert correction.supersedes_id == record.pk and correction.state == RecordState.SUBMITTED
    assert AuditEvent.objects.filter(action="record.correct").exists()
    # the answer and its notice are served back to the subject
    client = _client(enterprise_user)
    page = client.get(f"/my/objections/{appeal.pk}/").content.decode()
    assert "经核查，异议成立" in page
    notice = client.get(f"/my/objections/{appeal.pk}/answer.pdf")
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")


def test_a_record_objection_closes_with_its_publicity(enterprise_user, subject, make_record):
    with clock.frozen_at(DAY):
        record = make_record(subject, "property_fee_violation")
    last = rules.record_objection_deadline(publicity_ends_on=record.publicity_ends_on)
    with clock.frozen_at(last):
        assert services.appeal_file(actor=enterprise_user, target=AppealTarget.RECORD,
                                    record=record, reasons="有误").pk
    Appeal.objects.all().delete()
    with clock.frozen_at(last + dt.timedelta(days=1)), pytest.raises(Conflict) as exc:
        services.appeal_file(actor=enterprise_user, target=AppealTarget.RECORD, record=record,
                             reasons="有误")
    assert exc.value.code == "filing_closed"


def test_grade_objection_deadline_counts_working_days():
    # 2026-10-01..07 are National Day holidays: 15 working days after 2026-09-30
    assert rules.grade_objection_deadline(graded_on=dt.date(2026, 9, 30)) > dt.date(2026, 10, 21)
    assert rules.grade_objection_deadline(graded_on=dt.date(2026, 3, 2)) == dt.date(2026, 3, 23)


def test_a_list_step_objection_goes_through_the_lists_objection_services(
        enterprise_user, subject, clerk, reviewer, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject, make_record=make_record,
                        on=DAY)
    day = entry.effective_from + dt.timedelta(days=5)
    with clock.frozen_at(day):
        appeal = services.appeal_file(actor=enterprise_user, target=AppealTarget.BLACK,
                                      black_entry=entry, reasons="材料系代理机构提交。",
                                      evidence=[SimpleUploadedFile("a.png", PNG)])
    entry.refresh_from_db()
    assert entry.state == BlackState.SUSPENDED
    assert appeal.list_objection.registered_by.username.startswith("appeals-")
    with clock.frozen_at(day + dt.timedelta(days=2)):
        services.appeal_answer(actor=reviewer, appeal=appeal, accept=False,
                               answer="经核查，异议不成立。")
    entry.refresh_from_db()
    appeal.refresh_from_db()
    assert entry.state == BlackState.IN_FORCE and appeal.state == Appeal.State.REJECTED
    assert appeal.list_objection.state == "rejected"
    # a repeat on the answered ground without new evidence is refused by the lists rule
    with clock.frozen_at(day + dt.timedelta(days=3)), pytest.raises(Conflict):
        services.appeal_file(actor=enterprise_user, target=AppealTarget.BLACK,
                             black_entry=entry, reasons="再次异议")


def test_credit_repair_is_refused_before_the_minimum_and_registered_after(
        enterprise_user, subject, clerk, reviewer, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject, make_record=make_record,
                        on=DAY)
    opens = list_rules.credit_repair_earliest_date(effective_from=entry.effective_from)
    with clock.frozen_at(opens - dt.timedelta(days=1)), pytest.raises(Conflict) as exc:
        services.repair_apply(actor=enterprise_user, black_entry=entry, proof="已整改",
                              commitment="承诺守信")
    assert opens.isoformat() in str(exc.value.message)
    with clock.frozen_at(opens):
        application = services.repair_apply(actor=enterprise_user, black_entry=entry,
                                            proof="已整改并缴纳罚款", commitment="承诺守信经营")
        assert application.request.state == RepairRequest.State.PENDING
        list_services.repair_decide(actor=reviewer, request=application.request, approve=True,
                                    reasons="已纠正失信行为。")
    entry.refresh_from_db()
    assert entry.state == BlackState.REPAIRED
    assert AuditEvent.objects.filter(action="appeals.repair_apply").exists()


def test_commitment_signed_online_is_in_the_archive_and_printable(enterprise_user, subject):
    with pytest.raises(ValidationFailed):
        services.commitment_sign(actor=enterprise_user, signer="王经理", accept=False)
    commitment = services.commitment_sign(actor=enterprise_user, signer="王经理（总经理）",
                                          accept=True)
    assert subject.name in commitment.text
    client = _client(enterprise_user)
    assert "王经理（总经理）" in client.get("/my/").content.decode()
    assert client.get(f"/my/commitment/{commitment.pk}.pdf").content.startswith(b"%PDF")
    assert client.get("/my/commitment/0.pdf").content.startswith(b"%PDF")


def test_the_enterprise_downloads_its_own_credit_report(enterprise_user, subject, catalogue):
    client = _client(enterprise_user)
    response = client.post("/my/report/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from django.apps import apps  # portal is above appeals in the flow: no import

    documents = apps.get_model("portal", "VerifiableDocument").objects
    assert documents.filter(subject=subject, kind="credit_report").count() == 1
    assert client.get("/my/report/").status_code == 405


def test_staff_cannot_use_my_pages(reviewer):
    client = Client()
    client.force_login(reviewer)
    assert client.get("/my/").status_code == 403


def test_the_reviewer_answers_on_the_page_and_stays_on_the_answered_objection(
        enterprise_user, subject, make_record, reviewer):
    """The answer page returned to the queue, where the answered objection is gone, with no
    word that it was sent; it now shows the recorded answer, its notice and the record."""
    with clock.frozen_at(DAY):
        record = make_record(subject, "property_fee_violation")
        appeal = services.appeal_file(actor=enterprise_user, target=AppealTarget.RECORD,
                                      record=record, reasons="处罚金额认定有误。")
    client = _client(reviewer)
    url = f"/appeals/objections/{appeal.pk}/"
    with clock.frozen_at(DAY + dt.timedelta(days=2)):
        assert f'href="/records/{record.pk}/"' in client.get(url).content.decode()
        response = client.post(url, {"accept": "no", "answer": "经核查，异议不成立。"},
                               HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.redirect_chain == [(url, 302)]
    page = response.content.decode()
    assert "异议已答复" in page and "经核查，异议不成立。" in page
    assert f'href="/appeals/objections/{appeal.pk}/answer.pdf"' in page
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.REJECTED
