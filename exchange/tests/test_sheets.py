"""Subjects and records from the spreadsheet templates: Chinese header, both formats, dry run,
preview, row-level errors, idempotency."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from exchange.feed_models import FeedKind, ImportBatch
from exchange.sheets import RECORD_COLUMNS, SUBJECT_COLUMNS, import_sheet
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState
from records.services import record_approve
from subjects.models import Subject

SUBJECT_HEADER = [title for _n, title, _r in SUBJECT_COLUMNS]
RECORD_HEADER = [title for _n, title, _r in RECORD_COLUMNS]
CODE = "统一社会信用代码或身份证号码"


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


def subject_rows() -> list[dict]:
    return [
        {"主体类型": "企业", CODE: ff.uscc(1), "名称": "甲房地产开发有限公司",
         "主体类别": "房地产开发企业", "法定代表人": "王五", "成立（登记）日期": "2019/3/1"},
        {"主体类型": "个人", CODE: ff.id_number(2), "名称": "李四",
         "主体类别": "practitioner"},
        {"主体类型": "企业", CODE: "91350100M000100Y4Z", "名称": "坏代码公司",
         "主体类别": "developer"},  # row 4: check character
        {"主体类型": "公司", CODE: ff.uscc(4), "名称": "丁公司",
         "主体类别": "developer"},  # row 5: unknown kind
        {"主体类型": "企业", CODE: ff.uscc(5), "名称": "",
         "主体类别": "developer"},  # row 6: name missing
        {"主体类型": "企业", CODE: ff.uscc(6), "名称": "戊公司",
         "主体类别": "developer", "成立（登记）日期": "2021-02-30"},  # row 7: 30 February
    ]


def test_subjects_both_formats_twice_then_changed(catalogue, admin_user, lead_department):
    data = ff.csv_file(SUBJECT_HEADER, subject_rows(), "gbk")
    dry = import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                       data=data, file_name="s.csv", dry_run=True)
    assert dry.summary["created"] == 2 and not Subject.objects.exists()
    first = import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                         data=data, file_name="s.csv")
    assert first.summary["created"] == 2
    assert [(e["row"], e["field"]) for e in first.summary["rejected"]] == [
        (4, CODE), (5, "主体类型"), (6, "名称"), (7, "成立（登记）日期")]
    company = Subject.objects.get(code=ff.uscc(1))
    assert company.category == "developer" and company.established_on.isoformat() == "2019-03-01"
    xlsx = ff.xlsx_file(SUBJECT_HEADER, subject_rows()[:2])
    again = import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                         data=xlsx, file_name="s.xlsx")
    assert (again.summary["created"], again.summary["duplicates"]) == (0, 2)
    changed = subject_rows()[:1]
    changed[0]["地址"] = "某县某路1号"
    update = import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                          data=ff.csv_file(SUBJECT_HEADER, changed, "utf-8-sig"), file_name="c.csv")
    assert update.summary["corrections"] == 1
    assert Subject.objects.get(code=ff.uscc(1)).address == "某县某路1号"


def record_rows() -> list[dict]:
    base = {"主体代码": ff.uscc(1), "记录类型": "penalty_fine", "文书号": "县罚〔2024〕1号",
            "发生日期": "2024-03-01", "决定日期": "2024-04-15", "金额（元）": "20000",
            "描述": "未公示销售信息"}
    return [
        base,
        {**base, "记录类型": "拖欠农民工工资", "文书号": "县罚〔2024〕2号", "金额（元）": ""},
        {**base, "主体代码": ff.uscc(99), "文书号": "县罚〔2024〕3号"},  # row 4: not registered
        {**base, "记录类型": "no_such_type", "文书号": "县罚〔2024〕4号"},  # row 5
        {**base, "金额（元）": "两万", "文书号": "县罚〔2024〕5号"},  # row 6
        {**base, "决定日期": "2024-02-01", "文书号": "县罚〔2024〕6号"},  # row 7: before occurred
        {**base, "文书号": ""},  # row 8
    ]


def test_records_with_errors_idempotency_and_correction(catalogue, admin_user, lead_clerk,
                                                         reviewer, lead_department):
    import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                 data=ff.csv_file(SUBJECT_HEADER, subject_rows()[:1], "utf-8"), file_name="s.csv")
    data = ff.xlsx_file(RECORD_HEADER, record_rows(), date_columns=["发生日期", "决定日期"])
    first = import_sheet(actor=lead_clerk, kind=FeedKind.RECORDS, source=lead_department,
                         data=data, file_name="r.xlsx")
    assert first.summary["created"] == 2
    assert [(e["row"], e["field"]) for e in first.summary["rejected"]] == [
        (4, "主体代码"), (5, "记录类型"), (6, "金额（元）"), (7, "决定日期"), (8, "文书号")]
    assert {r.state for r in CreditRecord.objects.all()} == {RecordState.SUBMITTED}
    again = import_sheet(actor=lead_clerk, kind=FeedKind.RECORDS, source=lead_department,
                         data=ff.csv_file(RECORD_HEADER, record_rows()[:2], "gbk"),
                         file_name="r.csv")
    assert (again.summary["created"], again.summary["duplicates"]) == (0, 2)
    first_record = CreditRecord.objects.get(document_number="县罚〔2024〕1号")
    record_approve(actor=reviewer, record=first_record)
    changed = [{**record_rows()[0], "金额（元）": "30000"}]
    corrected = import_sheet(actor=lead_clerk, kind=FeedKind.RECORDS, source=lead_department,
                             data=ff.csv_file(RECORD_HEADER, changed, "utf-8"), file_name="c.csv")
    assert corrected.summary["corrections"] == 1
    assert CreditRecord.objects.get(version=2).state == RecordState.SUBMITTED


def test_an_amount_the_form_refuses_is_refused_in_the_sheet_too(catalogue, admin_user,
                                                                 lead_clerk, lead_department):
    """0.001 was rounded to 0.00 and imported (the form and the API refuse a third decimal);
    a 13th whole digit was "not a number". Float noise from a spreadsheet is still taken."""
    import_sheet(actor=admin_user, kind=FeedKind.SUBJECTS, source=lead_department,
                 data=ff.csv_file(SUBJECT_HEADER, subject_rows()[:1], "utf-8"), file_name="s.csv")
    base = record_rows()[0]
    rows = [{**base, "金额（元）": "0.001", "文书号": "县罚〔2024〕11号"},
            {**base, "金额（元）": "1000000000000", "文书号": "县罚〔2024〕12号"},
            {**base, "金额（元）": "0.30000000000000004", "文书号": "县罚〔2024〕13号"}]
    batch = import_sheet(actor=lead_clerk, kind=FeedKind.RECORDS, source=lead_department,
                         data=ff.csv_file(RECORD_HEADER, rows, "utf-8"), file_name="a.csv")
    digits = "数字位数过多：整数部分最多12位，小数部分最多2位。"
    assert [(e["row"], e["field"], e["reason"]) for e in batch.summary["rejected"]] == [
        (2, "金额（元）", digits), (3, "金额（元）", digits)]
    assert CreditRecord.objects.get().amount == Decimal("0.30")


def test_header_must_be_the_template(catalogue, admin_user, lead_department):
    result = import_sheet(actor=admin_user, kind=FeedKind.RECORDS, source=lead_department,
                          data="名称,代码\n甲,乙\n".encode(), file_name="x.csv")
    assert result.batch is None and result.summary["rejected"][0]["field"] == "主体代码"


def test_template_downloads_and_page(catalogue, admin_user, lead_department, settings,
                                     tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(admin_user)
    page = client.get("/exchange/sheets/")
    assert page.status_code == 200 and "/exchange/sheets/template/subjects.xlsx" in \
        page.content.decode()
    xlsx = client.get("/exchange/sheets/template/records.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book.worksheets[0][1]] == RECORD_HEADER
    assert "penalty_fine" in str([c.value for row in book.worksheets[1] for c in row])
    text = client.get("/exchange/sheets/template/subjects.csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == SUBJECT_HEADER
    response = client.post("/exchange/sheets/", {
        "kind": "subjects", "source": lead_department.pk,
        "file": SimpleUploadedFile("s.csv", ff.csv_file(SUBJECT_HEADER, subject_rows(), "gbk"))})
    assert response.status_code == 302
    preview = ImportBatch.objects.get(state="preview")
    assert preview.created == 2 and not Subject.objects.exists()
    client.post(f"/exchange/imports/{preview.number}/import/")
    assert Subject.objects.count() == 2
    report = client.get(f"/exchange/imports/{ImportBatch.objects.get(state='finished').number}"
                        "/errors.xlsx")
    assert report.status_code == 200
    listing = client.get("/exchange/feeds/").content.decode()
    assert ImportBatch.objects.get(state="finished").number in listing


def test_a_column_twice_in_the_header_is_refused_not_guessed(catalogue, admin_user,
                                                             lead_department):
    """Two 文书号 columns (a copied column left in the sheet): the importer took the last one
    silently; now the file is refused naming the column, before any row is read."""
    header = [*RECORD_HEADER, "文书号"]
    data = ("\r\n".join([",".join(header),
                         ",".join([ff.uscc(1), "penalty_fine", "甲罚〔2024〕1号", "2024-04-01",
                                   "2024-04-02", "", "", "", "", "乙罚〔2024〕2号"])])
            ).encode("utf-8")
    result = import_sheet(actor=admin_user, kind=FeedKind.RECORDS, source=lead_department,
                          data=data, file_name="twice.csv")
    assert result.batch is None
    assert result.summary["rejected"] == [
        {"row": 1, "field": "文书号", "reason": "表头中文书号列出现了不止一次，请只保留一列。"}]
