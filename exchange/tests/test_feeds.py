"""双公示 feeds in: both encodings, both formats, both field sets, twice, and bad rows of every
kind, through the command (`--json`) and the service the upload page calls."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from common import clock
from exchange.feed_models import ClassificationRequest, FeedMapping, ImportBatch, ImportedRow
from exchange.feed_services import feed_account, import_feed
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_approve, record_create
from subjects.models import Subject
from subjects.services import subject_create

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def source(other_department):
    return other_department


def run_command(tmp_path: Path, name: str, data: bytes, *args: str) -> tuple[dict, int]:
    path = tmp_path / name
    path.write_bytes(data)
    out = StringIO()
    code = 0
    try:
        call_command("import_feed", str(path), "--json", *args, stdout=out)
    except SystemExit as exc:
        code = int(exc.code)
    return json.loads(out.getvalue()), code


def bad_rows() -> list[dict]:
    """One row per kind of fault, numbered from row 5 of the file (rows 2-4 are good)."""
    return [
        ff.penalty(10, CF_XDR_SHXYM="91350100M000100Y4Z"),  # row 5: wrong check character
        ff.penalty(11, CF_JDRQ="2024-02-30"),  # row 6: 30 February
        ff.penalty(12, CF_XDR_MC=""),  # row 7: required name missing
        ff.penalty(13, CF_NR_FK="两万"),  # row 8: a fine that is not a number
        ff.penalty(14, CF_WSH=""),  # row 9: no document number
        ff.penalty(15, CF_JDRQ="2099-01-01"),  # row 10: decided in the future
        ff.penalty(16, CF_WSH="号" * 101),  # row 11: document number too long
    ]


def penalty_rows() -> list[dict]:
    good = [ff.penalty(1), ff.penalty(2, CF_JDRQ="2024/04/16 09:30:00"),
            ff.penalty(3, CF_CFLB="警告", CF_NR_FK="", CF_NR="警告")]
    return good + bad_rows()


EXPECTED_REJECTED = [
    (5, "CF_XDR_SHXYM"), (6, "CF_JDRQ"), (7, "CF_XDR_MC"), (8, "CF_NR_FK"), (9, "CF_WSH"),
    (10, "CF_JDRQ"), (11, "CF_WSH"),
]


def test_penalties_in_both_encodings_and_formats_twice(tmp_path, catalogue, source):
    rows = penalty_rows()
    first, code = run_command(tmp_path, "cf.csv", ff.csv_file(ff.CF_CURRENT, rows, "utf-8-sig"),
                              "--source", source.code)
    assert code == 1
    assert {k: first[k] for k in ("rows", "created", "duplicates", "corrections")} == {
        "rows": 10, "created": 3, "duplicates": 0, "corrections": 0}
    assert [(e["row"], e["field"]) for e in first["rejected"]] == EXPECTED_REJECTED
    assert all(CHINESE.search(e["reason"]) for e in first["rejected"]), first["rejected"]
    assert "不存在" in first["rejected"][1]["reason"] or "日期" in first["rejected"][1]["reason"]

    records = CreditRecord.objects.filter(source_department=source).order_by("document_number")
    assert records.count() == 3
    assert {r.state for r in records} == {RecordState.SUBMITTED}
    fine = records.get(document_number="县住建罚〔2024〕1号")
    assert fine.record_type.code == "penalty_fine"
    assert fine.amount == Decimal("20000.00")
    assert fine.decided_on == dt.date(2024, 4, 15)
    assert records.get(document_number="县住建罚〔2024〕2号").decided_on == dt.date(2024, 4, 16)
    assert records.get(document_number="县住建罚〔2024〕3号").record_type.code == "penalty_warning"

    # The same rows again, in GBK and as an XLSX with real date cells: nothing new.
    again, _code = run_command(tmp_path, "cf-gbk.csv", ff.csv_file(ff.CF_CURRENT, rows, "gbk"),
                               "--source", source.code)
    assert (again["created"], again["duplicates"], again["corrections"]) == (0, 3, 0)
    assert [(e["row"], e["field"]) for e in again["rejected"]] == EXPECTED_REJECTED
    xlsx = ff.xlsx_file(ff.CF_CURRENT, rows[:1] + rows[2:], date_columns=["CF_JDRQ"])
    third, _code = run_command(tmp_path, "cf.xlsx", xlsx, "--source", source.code)
    assert (third["rows"], third["created"], third["duplicates"]) == (9, 0, 2)
    assert CreditRecord.objects.filter(source_department=source).count() == 3

    # Every row of every real run is in the ledger; rejected rows keep their reasons.
    batches = ImportBatch.objects.filter(state=ImportBatch.State.FINISHED)
    assert batches.count() == 3
    for batch in batches:
        assert batch.row_set.count() == batch.rows
        assert batch.row_set.filter(outcome="rejected").count() == len(
            {e["row"] for e in batch.rejected})
    assert ImportedRow.objects.filter(outcome="rejected", reason="").count() == 0


def test_excel_date_cells_and_plain_utf8(tmp_path, catalogue, source):
    rows = [ff.penalty(1), ff.penalty(2, CF_JDRQ=45400)]  # an Excel serial number: 2024-04-18
    result, code = run_command(
        tmp_path, "d.xlsx", ff.xlsx_file(ff.CF_CURRENT, rows, date_columns=["CF_JDRQ"]),
        "--source", source.code)
    assert code == 0 and result["created"] == 2
    assert CreditRecord.objects.get(document_number="县住建罚〔2024〕2号").decided_on == \
        dt.date(2024, 4, 18)
    plain, _ = run_command(tmp_path, "u.csv", ff.csv_file(ff.CF_CURRENT, rows, "utf-8"),
                           "--source", source.code)
    assert plain["duplicates"] == 2


def test_legacy_2016_penalties_and_keyword_mapping(tmp_path, catalogue, source):
    rows = [ff.legacy_penalty(1),
            ff.legacy_penalty(2, CF_CFMC="挪用住宅专项维修资金", CF_CFLB1="罚款",
                              CF_JDRQ="2016年9月5日")]
    result, code = run_command(tmp_path, "old.csv", ff.csv_file(ff.CF_LEGACY, rows, "gb18030"),
                               "--source", source.code)
    assert code == 0 and result["created"] == 2, result
    types = dict(CreditRecord.objects.values_list("document_number", "record_type__code"))
    assert types == {"县住建罚〔2016〕1号": "penalty_warning",
                     "县住建罚〔2016〕2号": "maintenance_fund_misuse"}
    # The current set of the same decision (same source, same number) is the same record.
    same = ff.penalty(1, CF_WSH="县住建罚〔2016〕1号")
    again, _ = run_command(tmp_path, "new.csv", ff.csv_file(ff.CF_CURRENT, [same], "utf-8"),
                           "--source", source.code)
    assert again["created"] == 0 and again["duplicates"] + again["corrections"] + len(
        again["rejected"]) == 1


def test_mapping_table_is_data(tmp_path, catalogue, source):
    FeedMapping.objects.create(kind="CF", keyword="销售信息", record_type_code="false_advertising",
                               priority=1)
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8")
    result, _ = run_command(tmp_path, "m.csv", data, "--source", source.code)
    assert result["created"] == 1
    assert CreditRecord.objects.get().record_type.code == "false_advertising"
    FeedMapping.objects.filter(kind="CF").delete()
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(2)], "utf-8")
    result, _ = run_command(tmp_path, "m2.csv", data, "--source", source.code)
    assert result["rejected"][0]["field"] == "CF_CFLB"


def test_changed_row_becomes_a_correction_through_review(tmp_path, catalogue, source, reviewer):
    run_command(tmp_path, "a.csv", ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8"),
                "--source", source.code)
    changed = ff.penalty(1, CF_NR_FK="3", CF_NR="罚款人民币叁万元")
    pending, _ = run_command(tmp_path, "b.csv", ff.csv_file(ff.CF_CURRENT, [changed], "utf-8"),
                             "--source", source.code)
    assert pending["rejected"][0]["field"] == "CF_WSH"  # the first version is still in review
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    result, code = run_command(tmp_path, "c.csv", ff.csv_file(ff.CF_CURRENT, [changed], "gbk"),
                               "--source", source.code)
    assert code == 0 and (result["created"], result["corrections"]) == (0, 1)
    new = CreditRecord.objects.get(version=2)
    assert new.state == RecordState.SUBMITTED and new.amount == Decimal("30000.00")
    assert new.supersedes.state == RecordState.EFFECTIVE  # until the correction is approved
    again, _ = run_command(tmp_path, "d.csv", ff.csv_file(ff.CF_CURRENT, [changed], "utf-8"),
                           "--source", source.code)
    assert again["duplicates"] == 1 and CreditRecord.objects.count() == 2


def test_record_entered_by_form_is_the_same_record(tmp_path, catalogue, source, admin_user):
    row = ff.penalty(1)
    subject = subject_create(actor=admin_user, kind="enterprise", code=row["CF_XDR_SHXYM"],
                             name=row["CF_XDR_MC"], category="developer")
    fine = RecordType.objects.get(code="penalty_fine")
    from exchange.feeds import FeedRow, description_of
    feed_row = FeedRow(row_number=2, kind="CF", values={
        "act": row["CF_WFXW"], "facts": row["CF_SY"], "basis": row["CF_YJ"],
        "category": row["CF_CFLB"], "content": row["CF_NR"], "authority": row["CF_CFJG"]})
    record_create(actor=admin_user, subject=subject, record_type=fine,
                  occurred_on=dt.date(2024, 4, 15), decided_on=dt.date(2024, 4, 15),
                  document_number=row["CF_WSH"], source_department=source,
                  description=description_of(feed_row), amount=Decimal("20000"), submit=True)
    result, _ = run_command(tmp_path, "f.csv", ff.csv_file(ff.CF_CURRENT, [row], "utf-8"),
                            "--source", source.code)
    assert (result["created"], result["duplicates"]) == (0, 1)
    assert not ClassificationRequest.objects.exists()


def test_unknown_valid_code_creates_a_subject_to_classify(tmp_path, catalogue, source):
    person = ff.penalty(2, CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                        CF_XDR_ZJHM=ff.id_number(7), CF_XDR_MC="李四")
    result, _ = run_command(tmp_path, "u.csv",
                            ff.csv_file(ff.CF_CURRENT, [ff.penalty(1), person], "utf-8"),
                            "--source", source.code)
    assert result["created"] == 2
    enterprise = Subject.objects.get(code=ff.uscc(1))
    assert enterprise.classification_request.resolved_at is None
    assert Subject.objects.get(code=ff.id_number(7)).category == "practitioner"
    assert ClassificationRequest.objects.count() == 2


def test_a_refused_row_leaves_nothing_behind(tmp_path, catalogue, source):
    future = ff.penalty(1, CF_JDRQ="2099-01-01")
    result, _ = run_command(tmp_path, "x.csv", ff.csv_file(ff.CF_CURRENT, [future], "utf-8"),
                            "--source", source.code)
    assert result["rejected"][0]["row"] == 2
    assert not Subject.objects.exists()  # the subject was created inside the row's transaction
    assert not ClassificationRequest.objects.exists()


def test_dry_run_counts_and_writes_nothing(tmp_path, catalogue, source):
    rows = penalty_rows()
    result, _ = run_command(tmp_path, "d.csv", ff.csv_file(ff.CF_CURRENT, rows, "utf-8"),
                            "--source", source.code, "--dry-run")
    assert (result["rows"], result["created"], len(result["rejected"])) == (10, 3, 7)
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()
    assert not ImportBatch.objects.exists()


def test_licences_are_neutral_facts_or_mapped_good_records(tmp_path, catalogue, source):
    rows = [ff.licence(1), ff.licence(2)]
    result, _ = run_command(tmp_path, "xk.csv", ff.csv_file(ff.XK_CURRENT, rows, "gbk"),
                            "--source", source.code)
    assert result == {"rows": 2, "created": 2, "duplicates": 0, "corrections": 0,
                      "revocations": 0, "rejected": []}
    assert not CreditRecord.objects.exists()  # the shipped table keeps licences as facts
    again, _ = run_command(tmp_path, "xk.xlsx", ff.xlsx_file(ff.XK_CURRENT, rows, ["XK_JDRQ"]),
                           "--source", source.code)
    assert again["duplicates"] == 2
    changed, _ = run_command(tmp_path, "xk2.csv", ff.csv_file(
        ff.XK_CURRENT, [ff.licence(1, XK_YXQZI="2027-05-06")], "utf-8"), "--source", source.code)
    assert changed["corrections"] == 1
    legacy = ff.csv_file(ff.XK_LEGACY, [{
        "XK_WSH": "县住建许〔2016〕1号", "XK_XMMC": "建筑工程施工许可", "XK_SPLB": "普通",
        "XK_XDR": "测试建筑公司", "XK_XDR_SHXYM": ff.uscc(5), "XK_JDRQ": "2016-03-04",
        "XK_JZQ": "2017-03-04"}], "utf-8-sig")
    old, _ = run_command(tmp_path, "xk-old.csv", legacy, "--source", source.code)
    assert old["created"] == 1
    # Where the catalogue has a good type for a licence, an administrator maps it.
    FeedMapping.objects.create(kind="XK", keyword="物业管理示范",
                               record_type_code="award_model_property_project", priority=1)
    award = ff.licence(9, XK_NR="认定为物业管理示范项目", XK_WSH="县住建认〔2024〕9号")
    good, _ = run_command(tmp_path, "xk3.csv", ff.csv_file(ff.XK_CURRENT, [award], "utf-8"),
                          "--source", source.code)
    assert good["created"] == 1
    assert CreditRecord.objects.get().record_type.polarity == "good"


def test_a_file_that_is_not_a_feed(tmp_path, catalogue, source):
    result, code = run_command(tmp_path, "n.csv", "名称,代码\n甲,乙\n".encode(),
                               "--source", source.code)
    assert code == 2 and result["rows"] == 0
    assert result["rejected"][0]["row"] == 1
    missing, code = run_command(tmp_path, "m.csv", b"CF_XDR_MC,CF_JDRQ\nA,2024-01-01\n",
                                "--source", source.code)
    assert code == 2 and missing["rejected"][0]["field"] == "CF_WSH"


def test_permission_follows_the_record_services(catalogue, source, clerk, lead_clerk):
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8")
    from common.errors import PermissionDeniedError
    with pytest.raises(PermissionDeniedError):
        import_feed(actor=lead_clerk, source=source, data=data, file_name="x.csv")
    result = import_feed(actor=clerk, source=source, data=data, file_name="x.csv")
    assert result.summary["created"] == 1
    assert feed_account(source=source).department == source


@pytest.mark.parametrize(("name", "created", "rejected"), [
    ("shuanggongshi-CF-current-utf8.csv", 4, 0),
    ("shuanggongshi-CF-with-errors-gbk.csv", 1, 3),
    ("shuanggongshi-CF-legacy2016-gbk.csv", 2, 0),
    ("shuanggongshi-XK-current.xlsx", 2, 0),
])
def test_the_documented_examples(catalogue, source, clerk, name, created, rejected):
    from django.conf import settings

    data = (Path(settings.BASE_DIR) / "docs" / "examples" / name).read_bytes()
    result = import_feed(actor=clerk, source=source, data=data, file_name=name, dry_run=True)
    assert (result.summary["created"], len(result.summary["rejected"])) == (created, rejected)


def test_overlong_cells_are_row_errors_not_crashes(tmp_path, catalogue, source):
    rows = [ff.penalty(1, CF_XDR_MC="长" * 201), ff.penalty(2)]
    result, _ = run_command(tmp_path, "l.csv", ff.csv_file(ff.CF_CURRENT, rows, "utf-8"),
                            "--source", source.code)
    assert [(e["row"], e["field"]) for e in result["rejected"]] == [(2, "CF_XDR_MC")]
    assert result["created"] == 1


def test_command_without_source_uses_the_platform_department_the_county_already_has(
        tmp_path, catalogue):
    """`import_feed FILE` without `--source` in a county that keeps the public credit platform
    under its own code (as the demo county does, `credit-platform`): the file is imported for
    that department; before, the command crashed on the unique department name."""
    from accounts.models import Department
    from accounts.services import department_create

    platform = department_create(actor=None, code="credit-platform", name="公共信用信息平台",
                                 kind=Department.Kind.EXTERNAL)
    result, code = run_command(tmp_path, "cf.csv", ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)],
                                                                "utf-8"))
    assert (code, result["created"]) == (0, 1)
    assert CreditRecord.objects.get().source_department == platform
    assert Department.objects.filter(name="公共信用信息平台").count() == 1


def test_open_ended_validity_written_as_a_word_is_no_end(tmp_path, catalogue, source):
    """Licences without an end date come as 长期 (or 长期有效, 永久) in XK_YXQZI or the 2016
    set's XK_JZQ: read as no end, like the empty cell the platform's own export writes, so the
    same grant sent both ways is one licence; a word that is not a date elsewhere is refused."""
    rows = [ff.licence(1, XK_YXQZI="长期"), ff.licence(2, XK_YXQZI="长期有效"),
            ff.licence(3, XK_YXQZI="永久", XK_YXQZ="长期")]
    result, code = run_command(tmp_path, "xk.csv", ff.csv_file(ff.XK_CURRENT, rows, "gbk"),
                               "--source", source.code)
    assert result["created"] == 2
    assert [(e["row"], e["field"]) for e in result["rejected"]] == [(4, "XK_YXQZ")]
    assert code == 1
    facts = ImportedRow.objects.filter(outcome="fact").order_by("row_number")
    assert [f.payload.get("valid_until") for f in facts] == [None, None]
    again, _code = run_command(tmp_path, "xk-empty.xlsx", ff.xlsx_file(
        ff.XK_CURRENT, [ff.licence(1, XK_YXQZI=""), ff.licence(2, XK_YXQZI=None)]),
        "--source", source.code)
    assert (again["created"], again["duplicates"], again["corrections"]) == (0, 2, 0)
    legacy = ff.csv_file(ff.XK_LEGACY, [{
        "XK_WSH": "县住建许〔2016〕1号", "XK_XMMC": "建筑工程施工许可", "XK_SPLB": "普通",
        "XK_XDR": "测试建筑公司", "XK_XDR_SHXYM": ff.uscc(5), "XK_JDRQ": "2016-03-04",
        "XK_JZQ": "长期"}], "gb18030")
    old, code = run_command(tmp_path, "xk-old.csv", legacy, "--source", source.code)
    assert (old["created"], old["rejected"], code) == (1, [], 0)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers(tmp_path, catalogue,
                                                                         source, fmt):
    """Offices put a title and a note above the column codes; the header is the first row with
    双公示 columns among the first ten, and errors name the rows the spreadsheet shows."""
    rows = [ff.penalty(1), ff.penalty(2, CF_JDRQ="2024-02-30")]
    title = "某县住房和城乡建设局行政处罚信息公示（2024年4月）"
    if fmt == "csv":
        body = ff.csv_file(ff.CF_CURRENT, rows, "gbk").decode("gbk")
        data = f"{title}\r\n\r\n填报单位：某县住建局,,\r\n{body}".encode("gbk")
        header_row = 4  # the blank line is a row of its own
    else:
        book = load_workbook(io.BytesIO(ff.xlsx_file(ff.CF_CURRENT, rows)))
        book.active.insert_rows(1, 2)
        book.active.cell(row=1, column=1, value=title)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
        header_row = 3
    result, code = run_command(tmp_path, f"titled.{fmt}", data, "--source", source.code)
    assert (result["rows"], result["created"]) == (2, 1)
    assert [(e["row"], e["field"]) for e in result["rejected"]] == [(header_row + 2, "CF_JDRQ")]


def test_a_decision_in_the_future_is_refused_alike_for_penalties_and_licences(tmp_path,
                                                                               catalogue, source):
    """A decision is dated the day it was made. A penalty decided tomorrow was refused with the
    words of the occurrence date ("发生日期不能晚于今天", a date the feed does not have) and a
    licence decided tomorrow was kept as a fact; both are refused now, on the decision date's
    column, with the words the forms use."""
    with clock.frozen_at(dt.date(2024, 6, 1)):
        penalties, _code = run_command(tmp_path, "cf.csv", ff.csv_file(
            ff.CF_CURRENT, [ff.penalty(1, CF_JDRQ="2024-06-02"), ff.penalty(2)], "utf-8"),
            "--source", source.code)
        licences, _code = run_command(tmp_path, "xk.xlsx", ff.xlsx_file(
            ff.XK_CURRENT, [ff.licence(1, XK_JDRQ="2024-06-02"), ff.licence(2)], ["XK_JDRQ"]),
            "--source", source.code)
    assert penalties["created"] == 1 and licences["created"] == 1
    assert penalties["rejected"] == [{"row": 2, "field": "CF_JDRQ",
                                      "reason": "决定日期不能晚于今天。"}]
    assert licences["rejected"] == [{"row": 2, "field": "XK_JDRQ",
                                     "reason": "决定日期不能晚于今天。"}]


def test_a_header_naming_a_column_twice_or_a_damaged_workbook_is_refused_in_chinese(
        tmp_path, catalogue, source):
    """Two CF_WSH columns: the importer used the last one silently; a damaged XLSX answered
    with openpyxl's English ("File is not a zip file"). Both are refused in Chinese now."""
    header = [*ff.CF_CURRENT, "cf_wsh "]
    row = {**ff.penalty(1), "cf_wsh ": "县住建罚〔2024〕99号"}
    twice, code = run_command(tmp_path, "twice.csv", ff.csv_file(header, [row], "utf-8"),
                              "--source", source.code)
    assert code == 2 and twice["rows"] == 0
    assert twice["rejected"] == [{"row": 1, "field": "CF_WSH",
                                  "reason": "表头中CF_WSH列出现了不止一次，请只保留一列。"}]
    damaged, code = run_command(tmp_path, "damaged.xlsx", b"PK\x03\x04 not really a zip",
                                "--source", source.code)
    assert code == 2
    assert damaged["rejected"][0]["reason"] == "工作簿无法打开：文件已损坏或不是XLSX工作簿。"
    assert not CreditRecord.objects.exists()
