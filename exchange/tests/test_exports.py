"""Export batches: what goes out, checksums, states, re-sends, corrections and revocations, both
encodings, and a round trip into a fresh database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounts.models import Department
from common.errors import Conflict, PermissionDeniedError
from exchange.exports import (
    CF_EXPORT_HEADER,
    export_acknowledge,
    export_mark_sent,
    export_prepare,
    export_reject,
    pending,
    verify_batch,
)
from exchange.feed_models import ExportState
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_correct, record_create, record_revoke
from subjects.services import subject_create


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def decisions(catalogue, admin_user, lead_clerk, reviewer, lead_department):
    """Three effective penalties of the lead department, one from an external system, one good
    record: only the three go out."""
    made = []
    specs = [("penalty_fine", Decimal("25000"), ff.uscc(1), "enterprise", "developer"),
             ("wage_arrears", None, ff.uscc(2), "enterprise", "builder"),
             ("property_fee_violation", Decimal("3000.50"), ff.id_number(3), "individual",
              "practitioner")]
    for n, (code, amount, subject_code, kind, category) in enumerate(specs, start=1):
        subject = subject_create(actor=admin_user, kind=kind, code=subject_code,
                                 name=f"主体{n}", category=category, legal_representative="王五")
        record = record_create(
            actor=lead_clerk, subject=subject, record_type=RecordType.objects.get(code=code),
            occurred_on=dt.date(2024, 3, n), decided_on=dt.date(2024, 4, n),
            document_number=f"县住建罚〔2024〕{n}号", description=f"违法事实{n}", amount=amount,
            submit=True)
        made.append(record_approve(actor=reviewer, record=record))
    external = Department.objects.create(code="xyzg", name="信用中国",
                                         kind=Department.Kind.EXTERNAL)
    other = record_create(actor=admin_user, subject=made[0].subject,
                          record_type=RecordType.objects.get(code="penalty_warning"),
                          occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 1, 2),
                          document_number="外部罚〔2024〕1号", source_department=external,
                          submit=True)
    record_approve(actor=reviewer, record=other)
    good = record_create(actor=lead_clerk, subject=made[0].subject,
                         record_type=RecordType.objects.get(code="commendation_city"),
                         occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 1, 2),
                         document_number="县表彰〔2024〕1号", submit=True)
    record_approve(actor=reviewer, record=good)
    # what the platform does not disclose stays in it: a verified complaint (a type that is not
    # public) and a penalty marked not public (they went out as penalties before)
    complaint = record_create(actor=lead_clerk, subject=made[0].subject,
                              record_type=RecordType.objects.get(code="complaint_verified"),
                              occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 1, 2),
                              document_number="县住建诉〔2024〕1号", submit=True)
    record_approve(actor=reviewer, record=complaint)
    hidden = record_create(actor=lead_clerk, subject=made[1].subject,
                           record_type=RecordType.objects.get(code="penalty_fine"),
                           occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 1, 3),
                           document_number="县住建罚〔2024〕内1号", submit=True)
    record_approve(actor=reviewer, record=hidden)
    CreditRecord.objects.filter(pk=hidden.pk).update(is_public=False)
    return made


def read(batch) -> list[dict[str, str]]:
    encoding = "utf-8-sig" if batch.encoding == "utf-8" else "gbk"
    return list(csv.DictReader(io.StringIO(bytes(batch.content).decode(encoding))))


def test_batch_content_checksums_and_states(decisions, reviewer, lead_clerk, lead_department):
    with pytest.raises(PermissionDeniedError):
        export_prepare(actor=lead_clerk)
    batch = export_prepare(actor=reviewer)
    assert batch.number.startswith("EXP-") and batch.state == ExportState.PREPARED
    rows = read(batch)
    assert list(rows[0]) == CF_EXPORT_HEADER
    assert [r["CF_WSH"] for r in rows] == [f"县住建罚〔2024〕{n}号" for n in (1, 2, 3)]
    assert rows[0]["CF_NR_FK"] == "2.5" and rows[0]["CF_CFLB"] == "罚款"
    assert rows[2]["CF_XDR_LB"] == "自然人" and rows[2]["CF_XDR_ZJHM"] == ff.id_number(3)
    assert rows[2]["CF_NR_FK"] == "0.30005"
    assert {r["CF_ZT"] for r in rows} == {"1"}
    # the deciding authority and the data source, by name and by their credit code
    assert {(r["CF_CFJG"], r["CF_CFJGDM"], r["CF_SJLY"], r["CF_SJLYDM"]) for r in rows} == {
        (lead_department.name, "113501000035000196", lead_department.name, "113501000035000196")}
    assert batch.row_set.count() == 3 and len({r.checksum for r in batch.row_set.all()}) == 3
    assert verify_batch(batch)["intact"]
    assert export_prepare(actor=reviewer) is None  # nothing pending: a prepared batch counts

    with pytest.raises(Conflict):
        export_acknowledge(actor=reviewer, batch=batch, receipt_name="r.xml", receipt=b"ok")
    export_mark_sent(actor=reviewer, batch=batch)
    done = export_acknowledge(actor=reviewer, batch=batch, receipt_name="回执.xml",
                              receipt=b"<ok/>", failed_documents=["县住建罚〔2024〕2号"])
    assert done.state == ExportState.ACKNOWLEDGED
    assert [r.document_number for r, _a in pending()] == ["县住建罚〔2024〕2号"]
    again = export_prepare(actor=reviewer, resend_of=done)
    assert again.resend_of == done and [r["CF_WSH"] for r in read(again)] == ["县住建罚〔2024〕2号"]
    with pytest.raises(Conflict):
        export_prepare(actor=reviewer, resend_of=done)  # already re-sent


def test_rejected_batch_goes_again_with_the_same_row_checksums(decisions, reviewer):
    gbk = export_prepare(actor=reviewer, encoding="gbk")
    assert [r["CF_XDR_MC"] for r in read(gbk)] == ["主体1", "主体2", "主体3"]
    export_mark_sent(actor=reviewer, batch=gbk)
    export_reject(actor=reviewer, batch=gbk, reasons="字段CF_CFJGDM缺失")
    utf8 = export_prepare(actor=reviewer, resend_of=gbk, encoding="utf-8")
    assert utf8.row_count == 3
    assert [r.checksum for r in gbk.row_set.all()] == [r.checksum for r in utf8.row_set.all()]
    assert gbk.file_sha256 != utf8.file_sha256


def test_corrections_and_revocations_go_out_as_such(decisions, reviewer, lead_clerk):
    first = export_prepare(actor=reviewer)
    export_mark_sent(actor=reviewer, batch=first)
    export_acknowledge(actor=reviewer, batch=first, receipt_name="r.txt", receipt=b"ok")
    fine, wages, _third = decisions
    corrected = record_correct(actor=lead_clerk, record=fine, reason="金额有误",
                               amount=Decimal("30000"))
    assert export_prepare(actor=reviewer) is None  # a correction in review is not a decision
    record_approve(actor=reviewer, record=corrected)
    record_revoke(actor=reviewer, record=wages, reason="复议撤销")
    second = export_prepare(actor=reviewer)
    rows = {r["CF_WSH"]: r for r in read(second)}
    assert rows["县住建罚〔2024〕1号"]["BZ"].startswith("更正")
    assert rows["县住建罚〔2024〕1号"]["CF_NR_FK"] == "3"
    assert rows["县住建罚〔2024〕2号"]["CF_ZT"] == "2"
    assert rows["县住建罚〔2024〕2号"]["BZ"] == "撤销：复议撤销"
    assert sorted(second.row_set.values_list("action", flat=True)) == ["correction",
                                                                      "revocation"]


def _fresh_import(tmp_path: Path, files: list[Path]) -> list[dict]:
    """Import `files` with the real command into a new SQLite database; return its records."""
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HC_DATA_DIR"] = str(data_dir)
    base = Path(django_settings.BASE_DIR)
    manage = [sys.executable, str(base / "manage.py")]
    for args in (["migrate", "-v0"], ["loaddata", "record_types", "-v0"]):
        subprocess.run(manage + args, check=True, env=env, cwd=base, capture_output=True)
    results = []
    for path in files:
        done = subprocess.run(manage + ["import_feed", str(path), "--json"], env=env, cwd=base,
                              capture_output=True, text=True)
        results.append(json.loads(done.stdout))
    db = sqlite3.connect(data_dir / "db.sqlite3")
    rows = db.execute(
        "SELECT r.document_number, s.code, s.name, t.code, r.decided_on, r.amount, "
        "r.publicity_ends_on, r.description FROM records_creditrecord r JOIN subjects_subject s "
        "ON s.id = r.subject_id JOIN records_recordtype t ON t.id = r.record_type_id "
        "ORDER BY r.document_number").fetchall()
    return results, rows


def test_round_trip_into_a_fresh_database(decisions, reviewer, tmp_path):
    utf8 = export_prepare(actor=reviewer)
    export_mark_sent(actor=reviewer, batch=utf8)
    export_reject(actor=reviewer, batch=utf8, reasons="测试")
    gbk = export_prepare(actor=reviewer, resend_of=utf8, encoding="gbk")
    files = []
    for batch in (utf8, gbk):
        path = tmp_path / batch.file_name
        path.write_bytes(bytes(batch.content))
        files.append(path)
    results, rows = _fresh_import(tmp_path, files)
    assert results[0] == {"rows": 3, "created": 3, "duplicates": 0, "corrections": 0,
                          "revocations": 0, "rejected": []}
    assert results[1]["duplicates"] == 3 and results[1]["created"] == 0  # the GBK copy
    expected = sorted(
        (r.document_number, r.subject.code, r.subject.name, r.record_type.code,
         r.decided_on.isoformat(), r.amount, r.publicity_ends_on.isoformat())
        for r in decisions)
    got = [(d, c, n, t, day, None if a is None else Decimal(str(a)).quantize(Decimal("0.01")),
            end) for d, c, n, t, day, a, end, _desc in rows]
    assert got == expected
    assert all(f"违法事实{n}" in row[7] for n, row in enumerate(rows, start=1))


def test_export_pages(decisions, reviewer, lead_clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from exchange.feed_models import ExportBatch

    clerk = Client()
    clerk.force_login(lead_clerk)
    assert clerk.get("/exchange/exports/").status_code == 403
    client = Client()
    client.force_login(reviewer)
    page = client.get("/exchange/exports/")
    assert page.status_code == 200 and 'data-testid="waiting-count">3<' in page.content.decode()
    response = client.post("/exchange/exports/", {"encoding": "gbk"})
    batch = ExportBatch.objects.get()
    assert response["Location"] == f"/exchange/exports/{batch.number}/"
    download = client.get(f"/exchange/exports/{batch.number}/file")
    assert download.content == bytes(batch.content)
    client.post(f"/exchange/exports/{batch.number}/sent/")
    client.post(f"/exchange/exports/{batch.number}/acknowledge/", {
        "receipt": SimpleUploadedFile("回执.csv", b"ok"),
        "failed_documents": "县住建罚〔2024〕3号\n"})
    batch = ExportBatch.objects.get(pk=batch.pk)
    assert batch.state == ExportState.ACKNOWLEDGED
    assert batch.row_set.filter(failed=True).count() == 1
    client.post(f"/exchange/exports/{batch.number}/resend/", {"encoding": "utf-8"})
    resent = ExportBatch.objects.get(resend_of=batch)
    assert resent.row_count == 1 and resent.encoding == "utf-8"
    detail = client.get(f"/exchange/exports/{resent.number}/")
    assert batch.number in detail.content.decode()


def test_department_without_credit_code_is_held_back_with_a_chinese_warning(
        decisions, reviewer, admin_user, clerk, other_department, lead_department):
    """CF_CFJGDM / CF_SJLYDM need the department's 统一社会信用代码: a department without one
    holds its rows back (they stay pending) and the export page says which and why, instead
    of an invalid file."""
    from django.test import Client

    from accounts.services import department_set_credit_code

    department_set_credit_code(actor=admin_user, department=other_department, credit_code="")
    record = record_create(actor=clerk, subject=decisions[0].subject,
                           record_type=RecordType.objects.get(code="penalty_warning"),
                           occurred_on=dt.date(2024, 5, 1), decided_on=dt.date(2024, 5, 2),
                           document_number="房管股罚〔2024〕1号", submit=True)
    record_approve(actor=reviewer, record=record)
    client = Client()
    client.force_login(reviewer)
    page = client.get("/exchange/exports/").content.decode()
    assert "1行暂不导出，因为所属部门尚未填写统一社会信用代码：房地产市场管理股（1）" in page
    batch = export_prepare(actor=reviewer)
    assert [r["CF_WSH"] for r in read(batch)] == [f"县住建罚〔2024〕{n}号" for n in (1, 2, 3)]
    assert [r.document_number for r, _a in pending()] == ["房管股罚〔2024〕1号"]  # still waiting
    # only held-back rows left: refused with the reason, on the page too, no empty file
    with pytest.raises(Conflict) as refused:
        export_prepare(actor=reviewer)
    assert "房地产市场管理股（1）" in str(refused.value.message)
    response = client.post("/exchange/exports/", {"kind": "CF", "encoding": "utf-8"})
    assert response.status_code == 409 and "暂不导出" in response.content.decode()
    # once the code is entered, the row goes out with it
    department_set_credit_code(actor=admin_user, department=other_department,
                               credit_code=" 1135 0100 0035 0002 71 ")
    [row] = read(export_prepare(actor=reviewer))
    assert (row["CF_CFJGDM"], row["CF_SJLYDM"]) == ("113501000035000271",) * 2
    assert "暂不导出" not in client.get("/exchange/exports/").content.decode()


def test_round_trip_with_a_revocation_into_a_fresh_database(decisions, reviewer, lead_clerk,
                                                            tmp_path):
    """A batch with a revocation (and a correction), exported after the first batch was
    acknowledged, imported with `import_feed` into a fresh installation after the first one:
    once its reviewers have decided what waits (the records, the revocation request), it holds
    the same records in the same states; the batch imported again changes nothing."""
    from exchange.tests.fresh import FreshSite, record_state_here, record_state_there

    first = export_prepare(actor=reviewer)
    export_mark_sent(actor=reviewer, batch=first)
    export_acknowledge(actor=reviewer, batch=first, receipt_name="r.txt", receipt=b"ok")
    fine, wages, _third = decisions
    corrected = record_correct(actor=lead_clerk, record=fine, reason="金额有误",
                               amount=Decimal("30000"))
    record_approve(actor=reviewer, record=corrected)
    record_revoke(actor=reviewer, record=wages, reason="复议撤销")
    second = export_prepare(actor=reviewer, encoding="gbk")
    assert sorted(second.row_set.values_list("action", flat=True)) == ["correction",
                                                                      "revocation"]
    paths = []
    for batch in (first, second):
        paths.append(tmp_path / batch.file_name)
        paths[-1].write_bytes(bytes(batch.content))

    site = FreshSite(tmp_path)
    assert site.import_feed(paths[0])["created"] == 3
    site.review_all()
    summary = site.import_feed(paths[1])
    assert (summary["created"], summary["corrections"], summary["revocations"],
            summary["rejected"]) == (0, 1, 1, [])
    site.review_all()
    again = site.import_feed(paths[1])  # idempotent: nothing new, nothing asked again
    assert (again["duplicates"], again["corrections"], again["revocations"]) == (2, 0, 0)
    exported = {r["CF_WSH"] for r in read(first)}  # not the external or the good record
    here = [row for row in record_state_here() if row[0] in exported]
    assert [row[4] for row in here] == ["effective", "revoked", "effective"]
    assert here[0][5] == "30000.00"
    assert record_state_there(site) == here
