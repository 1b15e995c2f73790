"""Verifiable documents: unguessable tokens, the verification page, credit reports."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from approvals.services import credit_check
from audit.models import AuditEvent
from common import clock
from common.errors import PermissionDeniedError
from portal import services
from portal.models import DocumentKind, VerifiableDocument
from portal.tests.conftest import ACME_PHONE, PERSON_ID, TODAY

TOKEN_URL = re.compile(r"/public/verify/([A-Za-z0-9_-]{32,})/")


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_tokens_are_long_random_and_unique():
    tokens = {services.new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(t) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
    # 24 bytes from `secrets`: at least 128 bits; nothing sequential between two draws
    assert services.TOKEN_BYTES * 8 >= 128


def test_a_credit_check_gets_its_token_when_it_is_stored(county):
    document = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_CHECK,
                                              object_id=county.check.pk)
    assert county.check.number not in document.token
    assert "number" not in document.content
    # One audit event records the check and its document, issued in the same transaction.
    event = AuditEvent.objects.get(action="approvals.check", target_id=str(county.check.pk))
    assert event.after["verification_document"] == document.pk
    assert not AuditEvent.objects.filter(action="portal.credit_check_issued",
                                         target_id=str(document.pk)).exists()
    # Built from the check in memory, the content is what a re-read of the check would give.
    from approvals.selectors import public_summary

    expected = public_summary(number=county.check.number)
    expected.pop("number")
    assert document.content == services._iso(expected)
    assert document.issued_by_id == county.check.asked_by_id
    assert document.as_of == county.check.as_of and document.subject_id == county.acme.pk
    page = Client().get(reverse("portal:verify", args=[document.token]))
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex"
    html = page.content.decode()
    assert county.acme.name in html and 'data-status="valid"' in html
    assert county.check.number not in html and ACME_PHONE not in html


def test_a_made_up_token_is_not_found_like_any_other_non_public_page(county):
    client = Client()
    real = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_CHECK).token
    guesses = [real[:-1] + ("A" if real[-1] != "A" else "B"), "1", county.check.number,
               str(county.check.pk), "x" * 64]
    answers = [client.get(reverse("portal:verify", args=[g])) for g in guesses]
    assert {a.status_code for a in answers} == {404}
    unknown_subject = client.get(reverse("portal:subject", args=[PERSON_ID]))
    assert len({a.content for a in answers} | {unknown_subject.content}) == 1


def test_certificates_link_to_the_token_page_and_numbers_are_for_staff(county, window_officer):
    officer = login(Client(), window_officer)
    detail = officer.get(f"/approvals/checks/{county.check.number}/").content.decode()
    token = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_CHECK).token
    assert f"/public/verify/{token}/" in detail
    pdf = officer.get(f"/approvals/checks/{county.check.number}/certificate.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert token in text.replace("\n", "")
    anonymous = Client().get(f"/verify/checks/{county.check.number}/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert officer.get(f"/verify/checks/{county.check.number}/").status_code == 200


def test_a_check_made_before_the_portal_gets_a_token_on_first_need(county, window_officer):
    VerifiableDocument.objects.filter(kind=DocumentKind.CREDIT_CHECK).delete()
    officer = login(Client(), window_officer)
    first = officer.get(f"/approvals/checks/{county.check.number}/").content.decode()
    second = officer.get(f"/approvals/checks/{county.check.number}/").content.decode()
    assert TOKEN_URL.search(first).group(1) == TOKEN_URL.search(second).group(1)
    assert VerifiableDocument.objects.filter(kind=DocumentKind.CREDIT_CHECK).count() == 1


def test_staff_issue_a_credit_report_that_anyone_can_verify(county, reviewer):
    staff = login(Client(), reviewer)
    with clock.frozen_at(TODAY):
        panel = staff.get(reverse("subjects:detail", args=[county.acme.pk])).content.decode()
        assert 'data-testid="credit-report-panel"' in panel
        response = staff.post(reverse("portal:report", args=[county.acme.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    document = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_REPORT)
    assert "信用报告" in flat and county.acme.name in flat
    assert document.token in flat and "榕住建罚〔2026〕11号" in flat
    assert ACME_PHONE not in flat and "138****5678" in flat
    assert "内部备注勿外传" not in flat and "内部〔2026〕9号" not in flat
    assert AuditEvent.objects.filter(action="portal.credit_report_issued",
                                     target_id=str(document.pk)).exists()
    assert document.content["black_listed"] is True and document.content["grade"]

    anonymous = Client()
    url = reverse("portal:verify", args=[document.token])
    with clock.frozen_at(TODAY):
        page = anonymous.get(url).content.decode()
    assert 'data-status="valid"' in page and county.acme.name in page

    # a newer report supersedes it; past its validity it is expired; revoked wins over both
    with clock.frozen_at(TODAY + dt.timedelta(days=1)):
        newer = services.issue_credit_report(actor=reviewer, subject=county.acme)
        assert 'data-status="superseded"' in anonymous.get(url).content.decode()
        newer_url = reverse("portal:verify", args=[newer.token])
        assert 'data-status="valid"' in anonymous.get(newer_url).content.decode()
    with clock.frozen_at(newer.expires_on):
        assert 'data-status="valid"' in anonymous.get(newer_url).content.decode()
    with clock.frozen_at(newer.expires_on + dt.timedelta(days=1)):
        assert 'data-status="expired"' in anonymous.get(newer_url).content.decode()
        services.revoke_document(actor=reviewer, document=newer, reason="出具错误")
        assert 'data-status="revoked"' in anonymous.get(newer_url).content.decode()


def test_staff_revoke_from_the_subject_page(county, reviewer, clerk):
    with clock.frozen_at(TODAY):
        document = services.issue_credit_report(actor=clerk, subject=county.acme)
        staff = login(Client(), reviewer)
        panel = staff.get(reverse("subjects:detail", args=[county.acme.pk])).content.decode()
        assert 'data-testid="issued-documents"' in panel and 'data-status="valid"' in panel
        assert 'name="reason"' in panel
        assert 'name="reason"' not in login(Client(), clerk).get(
            reverse("subjects:detail", args=[county.acme.pk])).content.decode()
        refused = login(Client(), clerk).post(reverse("portal:revoke", args=[document.pk]),
                                              {"reason": "x"})
        assert refused.status_code == 302
        assert VerifiableDocument.objects.get(pk=document.pk).revoked_at is None
        staff.post(reverse("portal:revoke", args=[document.pk]), {"reason": "出具错误"})
        page = Client().get(reverse("portal:verify", args=[document.token])).content.decode()
    assert 'data-status="revoked"' in page and "出具错误" in page
    assert AuditEvent.objects.filter(action="portal.document_revoked").count() == 1


def test_only_staff_issue_reports(county, clerk, leader):
    assert Client().post(reverse("portal:report", args=[county.acme.pk])).status_code == 302
    assert login(Client(), leader).post(
        reverse("portal:report", args=[county.acme.pk])).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.revoke_document(actor=clerk, document=VerifiableDocument.objects.first(),
                                 reason="x")
    assert not VerifiableDocument.objects.filter(kind=DocumentKind.CREDIT_REPORT).exists()


def test_a_report_as_of_an_earlier_date_leaves_out_what_came_later(county, reviewer):
    staff = login(Client(), reviewer)
    url = reverse("portal:report", args=[county.acme.pk])
    with clock.frozen_at(TODAY):
        assert staff.post(url, {"as_of": "2026年3月1日"}).status_code == 200
        assert staff.post(url, {"as_of": "not a date"}).status_code == 400
        assert staff.post(url, {"as_of": "2026-05-01"}).status_code == 422  # the future
    early = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_REPORT)
    assert early.as_of == dt.date(2026, 3, 1)
    assert early.content["public_records"] == 0 and early.content["black_listed"] is False


def test_a_new_check_issues_a_new_token(county, window_officer):
    with clock.frozen_at(TODAY):
        again = credit_check(actor=window_officer, code_or_name=county.acme.code,
                             matter_code="property_service_filing")
    tokens = set(VerifiableDocument.objects.filter(kind=DocumentKind.CREDIT_CHECK)
                 .values_list("token", flat=True))
    assert len(tokens) == 2 and again.number not in "".join(tokens)


def test_bulk_checks_get_their_documents_named_by_the_one_event(county, window_officer):
    """Each check of a bulk call gets its verification document in the same transaction, as a
    single check does; the call's one audit event names each check's document."""
    from approvals.services import credit_check_bulk

    with clock.frozen_at(TODAY):
        outcomes = credit_check_bulk(actor=window_officer, matter_code="property_service_filing",
                                     codes=[county.acme.code, county.goodco.code])
    documents = {d.object_id: d for d in VerifiableDocument.objects.filter(
        kind=DocumentKind.CREDIT_CHECK, object_id__in=[c.pk for c in outcomes])}
    assert set(documents) == {c.pk for c in outcomes}
    event = AuditEvent.objects.get(action="approvals.check_bulk")
    assert {c["number"]: c["verification_document"] for c in event.after["checks"]} == {
        c.number: documents[c.pk].pk for c in outcomes}
    for check in outcomes:
        document = documents[check.pk]
        assert document.subject_id == check.subject_id and "number" not in document.content
        page = Client().get(reverse("portal:verify", args=[document.token]))
        assert page.status_code == 200 and 'data-status="valid"' in page.content.decode()


def test_retention_prunes_a_checked_batch_the_check_keeps_its_grade_and_reports_say_so(
        county, reviewer, window_officer, settings):
    """`scoring.retention`: a batch a credit check names is pruned like any other once old (the
    check's snapshot holds the grade it quoted, so daily checks do not keep every batch whole);
    the check and its verification page still show that grade, and a credit report as of a
    day whose batch was pruned says so instead of quoting another grade."""
    from portal.reports import credit_report_context, credit_report_pdf
    from scoring.engine import regrade_in_effect
    from scoring.models import BatchStatus, EvaluationBatch

    settings.SCORING_KEEP_PREVIOUS_BATCHES = 0
    check = county.check
    checked = check.batch
    later = TODAY + dt.timedelta(days=30)
    with clock.frozen_at(later):
        made = [regrade_in_effect(as_of=TODAY + dt.timedelta(days=n),
                                  categories=["property_service"])[0] for n in (1, 2, 3, 4)]
    # the seeded red-list criterion looks back over three batches: the current one and two
    # before it stay; the two oldest, the checked one included, give their grades back
    assert [EvaluationBatch.objects.get(pk=b.pk).status for b in [checked, *made]] == [
        BatchStatus.PRUNED, BatchStatus.PRUNED, BatchStatus.COMPLETE, BatchStatus.COMPLETE,
        BatchStatus.COMPLETE]
    check.refresh_from_db()
    assert check.batch_id == checked.pk and check.result["grade"]["grade"] == check.grade
    detail = login(Client(), window_officer).get(f"/approvals/checks/{check.number}/")
    grade = check.result["grade"]
    assert detail.status_code == 200
    assert (f'<strong>{grade["grade"]}</strong> ({grade["score"]})'
            in detail.content.decode())
    document = VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_CHECK, object_id=check.pk)
    page = Client().get(reverse("portal:verify", args=[document.token])).content.decode()
    assert re.search(r'data-status="(\w+)"', page).group(1) == "valid", page
    with clock.frozen_at(later):
        pruned_day = services.issue_credit_report(actor=reviewer, subject=county.acme,
                                                  as_of=TODAY + dt.timedelta(days=1))
        checked_day = services.issue_credit_report(actor=reviewer, subject=county.acme,
                                                   as_of=TODAY)
        kept_day = services.issue_credit_report(actor=reviewer, subject=county.acme,
                                                as_of=TODAY + dt.timedelta(days=2))
        context = credit_report_context(document=pruned_day)
        assert context["explanation"] is None and context["pruned_batch"].pk == made[0].pk
        pdf = credit_report_pdf(document=pruned_day, verify_url="https://example.test/v/")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "清理" in text and "尚未评价" not in text
        context = credit_report_context(document=checked_day)
        assert context["explanation"] is None and context["pruned_batch"].pk == checked.pk
        context = credit_report_context(document=kept_day)
        assert context["pruned_batch"] is None
        assert context["explanation"].batch.pk == made[1].pk
