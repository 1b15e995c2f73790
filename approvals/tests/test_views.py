"""Workbench pages: run a check (code, name with a choice), record a commitment and feedback,
print the certificate; the public verification page shows only what is public."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from approvals.models import Commitment, CommitmentState, CreditCheck
from approvals.services import credit_check
from common import clock

from .conftest import MONDAY, login, scan

pytestmark = pytest.mark.django_db
FILING = "property_service_filing"


@pytest.fixture
def officer(window_officer) -> Client:
    return login(Client(), window_officer)


def test_workbench_runs_a_check_by_code(officer, graded, good_subject):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        assert officer.get("/approvals/").status_code == 200
        response = officer.post("/approvals/check/", {"q": good_subject.code, "matter": FILING})
    check = CreditCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/approvals/checks/{check.number}/"
    with clock.frozen_at(MONDAY):
        page = officer.get(response["Location"])
    html = page.content.decode()
    assert 'data-allowed="true"' in html and 'data-testid="record-commitment"' in html


def test_a_name_matching_several_subjects_offers_a_choice(officer, catalogue, make_subject):
    a = make_subject("福州嘉和物业服务有限公司")
    b = make_subject("福州新城物业服务有限公司", former="福州嘉和物业管理有限公司")
    with clock.frozen_at(MONDAY):
        response = officer.post("/approvals/check/", {"q": "嘉和", "matter": FILING})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-candidate="{a.pk}"' in html and f'data-candidate="{b.pk}"' in html
    assert not CreditCheck.objects.exists()
    with clock.frozen_at(MONDAY):
        chosen = officer.post("/approvals/check/", {"q": "嘉和", "matter": FILING,
                                                    "subject": b.pk})
    assert chosen.status_code == 302 and CreditCheck.objects.get().subject == b


def test_refusals_show_on_the_form(officer, catalogue):
    response = officer.post("/approvals/check/", {"q": "91350100M000100Y44", "matter": FILING})
    assert response.status_code == 422
    assert "data-field-error=\"q\"" in response.content.decode()
    assert not CreditCheck.objects.exists()


def test_read_only_roles_see_but_cannot_run(leader, catalogue):
    client = login(Client(), leader)
    assert client.get("/approvals/").status_code == 200
    assert client.post("/approvals/check/", {"q": "x", "matter": FILING}).status_code == 403


def test_commitment_and_fulfil_through_the_pages(officer, graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
        form = officer.get(f"/approvals/checks/{check.number}/commitment/")
        assert form.status_code == 200 and "service_contract" not in form.content.decode()
        response = officer.post(f"/approvals/checks/{check.number}/commitment/", {
            "missing": ["business_licence"], "signer": "李四", "deadline": "2026-03-06",
            "scan": scan()})
    commitment = Commitment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/approvals/commitments/{commitment.pk}/"
    assert commitment.deadline == dt.date(2026, 3, 6)
    with clock.frozen_at(dt.date(2026, 3, 5)):
        board = officer.get("/approvals/commitments/").content.decode()
        assert f'data-commitment="{check.number}"' in board
        scan_view = officer.get(f"/approvals/commitments/{commitment.pk}/scan/")
        assert scan_view.status_code == 200
        done = officer.post(f"/approvals/commitments/{commitment.pk}/",
                            {"supplied_on": "2026-03-05", "note": ""})
    assert done.status_code == 302
    assert Commitment.objects.get().state == CommitmentState.FULFILLED


def test_commitment_refused_for_essential_material(officer, graded, good_subject,
                                                   window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
        response = officer.post(f"/approvals/checks/{check.number}/commitment/", {
            "missing": ["service_contract"], "signer": "李四", "deadline": "2026-03-06",
            "scan": scan()})
    assert response.status_code == 400  # not even a choice the form offers
    assert not Commitment.objects.exists()


def test_feedback_through_the_page(officer, graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
    codes = list(check.measures.values_list("code", flat=True))
    data = {f"applied_{c}": "yes" for c in codes}
    data["applied_fewer_inspections"] = "no"
    response = officer.post(f"/approvals/checks/{check.number}/feedback/", data)
    assert response.status_code == 422  # the reason is missing
    data["reason_fewer_inspections"] = "不涉及"
    response = officer.post(f"/approvals/checks/{check.number}/feedback/", data)
    assert response.status_code == 302
    page = officer.get(f"/approvals/checks/{check.number}/").content.decode()
    assert 'data-feedback="fewer_inspections" data-applied="false"' in page
    table = officer.get("/approvals/feedback/").content.decode()
    assert 'data-row-measure="fewer_inspections"' in table


def test_certificate_pdf_and_public_verification(officer, graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
    pdf = officer.get(f"/approvals/checks/{check.number}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # by number: staff only (numbers are sequential); the public verifies by token (portal)
    anonymous = Client().get(f"/verify/checks/{check.number}/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    staff = officer.get(f"/verify/checks/{check.number}/")
    assert staff.status_code == 200 and staff["X-Robots-Tag"] == "noindex"
    html = staff.content.decode()
    assert good_subject.name in html and good_subject.code in html
    assert "AA" not in html and "property-composite" not in html  # no grade, no model
    assert "绿色通道" in html
    assert officer.get("/verify/checks/", {"number": check.number.lower()}).status_code == 302
    assert officer.get("/verify/checks/XYHC-2026-999999/").status_code == 404


def test_public_page_never_shows_an_id_number(graded, window_officer, officer):
    from subjects.models import Subject

    person = Subject.objects.create(kind="individual", code="11010519491231002X", name="张三丰",
                                    category="practitioner")
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=person.code,
                             matter_code="broker_registration")
    html = officer.get(f"/verify/checks/{check.number}/").content.decode()
    assert "11010519491231002X" not in html and "1101**" not in html and "张三丰" not in html
    assert "张**" in html


def test_other_units_cannot_open_a_check(graded, good_subject, window_officer, clerk):
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
    client = login(Client(), clerk)
    assert client.get(f"/approvals/checks/{check.number}/").status_code == 404
    assert client.get(f"/approvals/checks/{check.number}/certificate.pdf").status_code == 404


def test_matters_page(officer, catalogue):
    html = officer.get("/approvals/matters/").content.decode()
    assert 'data-matter="presale_permit"' in html and "商品房预售许可" in html


def test_bench_endpoint_is_off_by_default(officer, catalogue):
    assert officer.get("/approvals/bench/bare/").status_code == 404
