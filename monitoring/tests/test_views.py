"""Pages, exports, reports and the statistics API: who may see them, and that the numbers agree."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.api_tokens import token_issue
from common import clock
from monitoring.models import Report
from monitoring.tests.conftest import SNAPSHOT_DAY

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(reverse("monitoring:dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["clerk", "window_officer"])
def test_clerks_and_window_officers_are_refused(request, who, snapshot):
    user = request.getfixturevalue(who)
    assert signed_in(user).get(reverse("monitoring:dashboard")).status_code == 403
    assert signed_in(user).get(reverse("monitoring:reports")).status_code == 403


@pytest.mark.parametrize("who", ["leader", "auditor", "admin_user", "reviewer"])
def test_leaders_and_the_lead_department_read_the_dashboard(request, who, snapshot):
    response = signed_in(request.getfixturevalue(who)).get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="monitoring-charts" type="application/json"' in body
    assert "<script>" not in body  # no inline script: the CSP forbids it
    assert "vendor/echarts/echarts.min.js" in body


def test_dashboard_filters_by_department(leader, snapshot, county):
    response = signed_in(leader).get(reverse("monitoring:dashboard"),
                                     {"department": county["other"].pk})
    assert response.context["totals"]["total"] == 1
    records = {t.key: t for _, ts in response.context["sections"] for t in ts}[
        "records_department"]
    assert [row[0] for row in records.rows] == [county["other"].name]


def test_export_csv_and_xlsx_match_the_table(leader, snapshot, county):
    client = signed_in(leader)
    url = reverse("monitoring:export", args=["records_department", "csv"])
    text = client.get(url).content.decode("utf-8-sig")
    assert county["lead"].name in text and county["other"].name in text
    xlsx = client.get(reverse("monitoring:export", args=["all", "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 13


def test_drill_down_pages(leader, snapshot, county):
    client = signed_in(leader)
    response = client.get(reverse("monitoring:records"),
                          {"department": county["lead"].pk, "late": "1"})
    assert list(response.context["page"]) == [county["late"]]
    assert response.context["page"].paginator.count == 1  # the snapshot's late count
    grades = {t.key: t for _, ts in client.get(reverse("monitoring:dashboard")).context[
        "sections"] for t in ts}["grades"]
    row, link = grades.linked_rows[0]
    page = client.get(link)
    assert page.context["page"].paginator.count == row[2] == len(page.context["page"].object_list)


def test_statistics_api_equals_the_dashboard(leader, reviewer, snapshot, county):
    _token, plaintext = token_issue(actor=None, department=reviewer.department, name="stats",
                                    scopes=["statistics:read"])
    response = Client().get("/api/v1/statistics/overview",
                            HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200, response.content
    body = response.json()
    page = signed_in(leader).get(reverse("monitoring:dashboard"))
    tables = {t.key: t for _, ts in page.context["sections"] for t in ts}
    assert [(g["grade"], g["count"]) for g in body["grades"]] == [
        (row[1], row[2]) for row in tables["grades"].rows]
    assert body["grades"] and {"category", "grade", "count"} <= set(body["grades"][0])
    assert body["feedback"]["feedback_rate"] == pytest.approx(
        page.context["feedback"]["feedback_rate"])
    measures = {row[0]: row for row in tables["measures"].rows}
    for m in body["measures"]:
        assert measures[m["name"]][2] == m["returned"]
        assert measures[m["name"]][6] == pytest.approx(round(m["feedback_rate"] * 100, 1))


def test_statistics_api_needs_the_scope(reviewer, snapshot):
    _token, plaintext = token_issue(actor=None, department=reviewer.department, name="subj",
                                    scopes=["subjects:read"])
    response = Client().get("/api/v1/statistics/overview",
                            HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 403
    assert Client().get("/api/v1/statistics/overview").status_code == 401


def test_leader_issues_a_monthly_report_kept_with_its_figures(leader, snapshot, clerk,
                                                              immediate_jobs):
    client = signed_in(leader)
    with clock.frozen_at(dt.date(2026, 4, 2)):
        response = client.post(reverse("monitoring:report_generate"),
                               {"kind": "monthly", "period": "2026-03-15"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.number == "TJJC-2026-03"
    assert report.snapshot_day == SNAPSHOT_DAY  # the latest snapshot on or before 31 March
    pdf = client.get(reverse("monitoring:report_download", args=[report.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("monitoring:report_download", args=[report.pk, "xlsx"]))
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert report.data["records_department"]["rows"]
    json.dumps(report.data)
    # Issued again: a new number, the first one kept as it was.
    with clock.frozen_at(dt.date(2026, 4, 2)):
        client.post(reverse("monitoring:report_generate"),
                    {"kind": "monthly", "period": "2026-03-01"})
    assert sorted(Report.objects.values_list("number", flat=True)) == [
        "TJJC-2026-03", "TJJC-2026-03-2"]
    # Clerks may neither issue nor download.
    assert signed_in(clerk).post(reverse("monitoring:report_generate"),
                                 {"kind": "monthly", "period": "2026-03-01"}).status_code == 403
    assert signed_in(clerk).get(reverse("monitoring:report_download",
                                        args=[report.pk, "pdf"])).status_code == 403


def test_report_pdf_is_in_chinese(leader, snapshot, immediate_jobs):
    from pypdf import PdfReader

    with clock.frozen_at(dt.date(2026, 4, 2)):
        signed_in(leader).post(reverse("monitoring:report_generate"),
                               {"kind": "quarterly", "period": "2026-03-01"})
    report = Report.objects.get()
    assert report.number == "TJJC-2026-Q1"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    assert "报告编号" in text and "TJJC-2026-Q1" in text
    assert "各部门归集信用记录" in text and "2026年第1季度统计监测报告" in text
