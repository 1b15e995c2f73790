"""XK export batches: the licences window officers recorded with the feedback on a credit check
that were granted with a credit measure applied go out in the 双公示 licence set, numbered, with
row checksums and the batch states, in UTF-8 and GBK; corrections and revocations go out as such;
a round trip through the importer into a fresh database gives the same licence facts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from approvals.models import CreditCheck, LicenceDecision
from approvals.services import credit_check, feedback_record, licence_correct, licence_revoke
from approvals.tests.conftest import (  # noqa: F401  (fixtures)
    MONDAY,
    _isolated,
    catalogue,
    graded,
    make_subject,
)
from common import clock
from exchange.exports import (
    XK_EXPORT_HEADER,
    export_acknowledge,
    export_mark_sent,
    export_prepare,
    export_reject,
    pending_licences,
    verify_batch,
)
from exchange.feed_models import ExportBatch, ExportState, FeedKind

pytestmark = pytest.mark.django_db
DAY_AFTER = MONDAY + dt.timedelta(days=1)
XK = FeedKind.LICENCE


def facts(n: int, **overrides: Any) -> dict[str, Any]:
    return {"outcome": "granted", "document_number": f"县住建许〔2026〕{n}号",
            "decided_on": DAY_AFTER, "valid_from": DAY_AFTER,
            "valid_until": dt.date(2027, 3, 2), "category": "ordinary",
            "content": f"商品房预售许可：{n}号楼", "certificate_name": "商品房预售许可证",
            "certificate_number": f"预售2026-{n:03d}", **overrides}


@pytest.fixture
def licences(graded, make_subject, window_officer) -> dict[str, CreditCheck]:  # noqa: F811
    """Four presale-permit checks: granted with the measures applied (two, one of them without
    expiry), granted with every measure not applied, refused. Only the first two go out."""
    subjects = {key: make_subject(f"福州{name}房地产开发有限公司", category="developer")
                for key, name in [("one", "一号"), ("open", "长期"), ("none", "未适用"),
                                  ("refused", "不予")]}
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        checks = {key: credit_check(actor=window_officer, code_or_name=s.code,
                                    matter_code="presale_permit")
                  for key, s in subjects.items()}
    given = {"one": facts(1), "open": facts(2, valid_until=None), "none": facts(3),
             "refused": facts(4, outcome="refused", valid_from=None, valid_until=None,
                              category="")}
    with clock.frozen_at(DAY_AFTER):
        for key, check in checks.items():
            codes = check.measures.values_list("code", flat=True)
            applied = key != "none"
            feedback_record(actor=window_officer, credit_check=check,
                            decisions={c: (applied, "" if applied else "申请人未要求")
                                       for c in codes},
                            licence=given[key])
    return checks


def read(batch: ExportBatch) -> list[dict[str, str]]:
    encoding = "utf-8-sig" if batch.encoding == "utf-8" else "gbk"
    return list(csv.DictReader(io.StringIO(bytes(batch.content).decode(encoding))))


def test_xk_batch_content_checksums_and_states(licences, reviewer, lead_clerk):
    assert export_prepare(actor=reviewer) is None  # no penalty is pending: CF is separate
    batch = export_prepare(actor=reviewer, kind=XK)
    assert batch.kind == XK and batch.file_name.endswith("-XK-utf-8.csv")
    rows = read(batch)
    assert list(rows[0]) == XK_EXPORT_HEADER
    assert [r["XK_WSH"] for r in rows] == ["县住建许〔2026〕1号", "县住建许〔2026〕2号"]
    one, open_ended = rows
    subject = licences["one"].subject
    assert (one["XK_XDR_MC"], one["XK_XDR_SHXYM"], one["XK_XDR_LB"]) == (
        subject.name, subject.code, "法人及非法人组织")
    assert (one["XK_XKLB"], one["XK_NR"], one["XK_XKZS"], one["XK_XKBH"]) == (
        "普通", "商品房预售许可：1号楼", "商品房预售许可证", "预售2026-001")
    assert (one["XK_JDRQ"], one["XK_YXQZ"], one["XK_YXQZI"]) == (
        "2026-03-03", "2026-03-03", "2027-03-02")
    assert one["XK_ZT"] == "1" and one["XK_XKJG"] == licences["one"].department.name
    assert one["XK_LYDW"] == licences["one"].department.name
    assert one["XK_XKJGDM"] == one["XK_LYDWDM"] == licences["one"].department.credit_code
    assert len(one["XK_XKJGDM"]) == 18
    measures = [m.name for m in licences["one"].measures.all()]
    assert one["BZ"] == "信用措施：" + "、".join(measures)
    assert open_ended["XK_YXQZI"] == ""  # no expiry
    assert batch.row_set.count() == 2 and len({r.checksum for r in batch.row_set.all()}) == 2
    assert all(r.licence_id and r.record_id is None for r in batch.row_set.all())
    assert verify_batch(batch)["intact"]
    assert export_prepare(actor=reviewer, kind=XK) is None  # a prepared batch counts as sent

    export_mark_sent(actor=reviewer, batch=batch)
    done = export_acknowledge(actor=reviewer, batch=batch, receipt_name="回执.xml",
                              receipt=b"<ok/>", failed_documents=["县住建许〔2026〕2号"])
    assert done.state == ExportState.ACKNOWLEDGED
    assert [d.document_number for d, _a in pending_licences()] == ["县住建许〔2026〕2号"]
    again = export_prepare(actor=reviewer, resend_of=done)
    assert again.kind == XK and [r["XK_WSH"] for r in read(again)] == ["县住建许〔2026〕2号"]


def test_gbk_and_a_rejected_batch_goes_again_with_the_same_row_checksums(licences, reviewer):
    gbk = export_prepare(actor=reviewer, kind=XK, encoding="gbk")
    assert [r["XK_NR"] for r in read(gbk)] == ["商品房预售许可：1号楼", "商品房预售许可：2号楼"]
    export_mark_sent(actor=reviewer, batch=gbk)
    export_reject(actor=reviewer, batch=gbk, reasons="字段XK_XKJGDM缺失")
    utf8 = export_prepare(actor=reviewer, resend_of=gbk, encoding="utf-8")
    assert [r.checksum for r in gbk.row_set.all()] == [r.checksum for r in utf8.row_set.all()]
    assert gbk.file_sha256 != utf8.file_sha256


def test_corrections_and_revocations_go_out_as_such(licences, reviewer, window_officer):
    first = export_prepare(actor=reviewer, kind=XK)
    export_mark_sent(actor=reviewer, batch=first)
    export_acknowledge(actor=reviewer, batch=first, receipt_name="r.txt", receipt=b"ok")
    one = LicenceDecision.objects.get(credit_check=licences["one"])
    open_ended = LicenceDecision.objects.get(credit_check=licences["open"])
    with clock.frozen_at(MONDAY + dt.timedelta(days=3)):
        corrected = licence_correct(actor=window_officer, decision=one, reason="有效期有误",
                                    valid_until=dt.date(2028, 3, 2))
        licence_revoke(actor=window_officer, decision=open_ended, reason="复议撤销")
        # a decision corrected before it was ever sent goes out once, as new
        never_sent = LicenceDecision.objects.get(credit_check=licences["none"])
        licence_correct(actor=window_officer, decision=never_sent, reason="内容有误",
                        content="商品房预售许可：3号楼（更正）")
    second = export_prepare(actor=reviewer, kind=XK)
    rows = {r["XK_WSH"]: r for r in read(second)}
    assert set(rows) == {"县住建许〔2026〕1号", "县住建许〔2026〕2号"}  # "none" stays out
    assert rows["县住建许〔2026〕1号"]["BZ"].startswith("更正：有效期有误；信用措施：")
    assert rows["县住建许〔2026〕1号"]["XK_YXQZI"] == "2028-03-02"
    assert rows["县住建许〔2026〕2号"]["XK_ZT"] == "2"
    assert rows["县住建许〔2026〕2号"]["BZ"].startswith("撤销：复议撤销")
    actions = dict(second.row_set.values_list("licence_id", "action"))
    assert actions == {corrected.pk: "correction", open_ended.pk: "revocation"}
    assert export_prepare(actor=reviewer, kind=XK) is None


def _fresh_import(tmp_path: Path, files: list[Path]) -> tuple[list[dict], list[dict]]:
    """Import `files` with the real command into a new SQLite database; return the command's
    answers and the licence facts its ledger keeps."""
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HC_DATA_DIR"] = str(data_dir)
    base = Path(django_settings.BASE_DIR)
    manage = [sys.executable, str(base / "manage.py")]
    subprocess.run(manage + ["migrate", "-v0"], check=True, env=env, cwd=base,
                   capture_output=True)
    results = []
    for path in files:
        done = subprocess.run(manage + ["import_feed", str(path), "--json"], env=env, cwd=base,
                              capture_output=True, text=True)
        results.append(json.loads(done.stdout))
    db = sqlite3.connect(data_dir / "db.sqlite3")
    rows = db.execute("SELECT payload, outcome FROM exchange_importedrow WHERE outcome = 'fact' "
                      "ORDER BY document_number").fetchall()
    return results, [json.loads(payload) for payload, _outcome in rows]


def test_round_trip_into_a_fresh_database(licences, reviewer, tmp_path):
    utf8 = export_prepare(actor=reviewer, kind=XK)
    export_mark_sent(actor=reviewer, batch=utf8)
    export_reject(actor=reviewer, batch=utf8, reasons="测试")
    gbk = export_prepare(actor=reviewer, resend_of=utf8, encoding="gbk")
    files = []
    for batch in (utf8, gbk):
        path = tmp_path / batch.file_name
        path.write_bytes(bytes(batch.content))
        files.append(path)
    results, facts_in = _fresh_import(tmp_path, files)
    assert results[0] == {"rows": 2, "created": 2, "duplicates": 0, "corrections": 0,
                          "revocations": 0, "rejected": []}
    assert results[1]["duplicates"] == 2 and results[1]["created"] == 0  # the GBK copy
    exported = LicenceDecision.objects.filter(
        credit_check__in=[licences["one"], licences["open"]]).order_by("document_number")
    expected = [
        {"document_number": d.document_number, "name": d.credit_check.subject.name,
         "uscc": d.credit_check.subject.code, "decided_on": d.decided_on.isoformat(),
         "valid_from": d.valid_from.isoformat(),
         "valid_until": d.valid_until.isoformat() if d.valid_until else None,
         "category": "普通", "content": d.content, "licence_name": d.certificate_name,
         "licence_number": d.certificate_number, "authority": d.credit_check.department.name}
        for d in exported]
    got = [{key: row.get(key) or None for key in expected[0]} for row in facts_in]
    for want in expected:
        want["valid_until"] = want["valid_until"] or None
    assert got == expected


def test_export_pages_offer_the_licence_kind(licences, reviewer):
    client = Client()
    client.force_login(reviewer)
    page = client.get("/exchange/exports/").content.decode()
    assert 'data-testid="waiting-licence-count">2<' in page
    assert 'data-testid="waiting-count">0<' in page and "县住建许〔2026〕1号" in page
    response = client.post("/exchange/exports/", {"kind": "XK", "encoding": "utf-8"})
    batch = ExportBatch.objects.get()
    assert batch.kind == XK and response["Location"] == f"/exchange/exports/{batch.number}/"
    detail = client.get(f"/exchange/exports/{batch.number}/").content.decode()
    assert f"/approvals/checks/{licences['one'].number}/#licence" in detail
    assert client.get(f"/exchange/exports/{batch.number}/file").content == bytes(batch.content)


def test_export_feed_command_writes_an_xk_batch(licences, reviewer, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("export_feed", "--user", reviewer.username, "--kind", "XK",
                 "--encoding", "gbk", "--out", str(tmp_path), stdout=out)
    batch = ExportBatch.objects.get()
    assert batch.kind == XK and batch.encoding == "gbk" and batch.number in out.getvalue()
    assert (tmp_path / batch.file_name).read_bytes() == bytes(batch.content)
    assert [r["XK_WSH"] for r in read(batch)] == ["县住建许〔2026〕1号", "县住建许〔2026〕2号"]


def test_pending_licences_reads_in_a_constant_number_of_queries(licences,
                                                               django_assert_num_queries):
    """The candidates with their subject and department (one query) and the checks' measures
    (one more), however many licences there are; only a corrected version reads its chain."""
    with django_assert_num_queries(2):
        waiting = pending_licences()
    with django_assert_num_queries(0):  # the rows are written from what was read
        from exchange.exports import licence_row_values

        rows = [licence_row_values(decision, action) for decision, action in waiting]
    assert len(rows) == 2


def test_the_versions_of_a_decision_are_one_chain(licences, reviewer, window_officer):
    """Sent, corrected twice before the next batch (one correction row, for the version in
    force), corrected again and revoked before the next (one revocation row)."""
    first = export_prepare(actor=reviewer, kind=XK)
    export_mark_sent(actor=reviewer, batch=first)
    export_acknowledge(actor=reviewer, batch=first, receipt_name="r.txt", receipt=b"ok")
    with clock.frozen_at(MONDAY + dt.timedelta(days=3)):
        v1 = LicenceDecision.objects.get(credit_check=licences["one"])
        v2 = licence_correct(actor=window_officer, decision=v1, reason="笔误",
                             certificate_number="预售2026-101")
        v3 = licence_correct(actor=window_officer, decision=v2, reason="再次更正",
                             certificate_number="预售2026-111")
    assert [(d.pk, a) for d, a in pending_licences()] == [(v3.pk, "correction")]
    second = export_prepare(actor=reviewer, kind=XK)
    assert [r["XK_XKBH"] for r in read(second)] == ["预售2026-111"]
    with clock.frozen_at(MONDAY + dt.timedelta(days=4)):
        v4 = licence_correct(actor=window_officer, decision=v3, reason="第三次更正",
                             content="商品房预售许可：1号楼、2号楼")
        licence_revoke(actor=window_officer, decision=v4, reason="依法撤回")
    assert [(d.pk, a) for d, a in pending_licences()] == [(v4.pk, "revocation")]
    third = export_prepare(actor=reviewer, kind=XK)
    (row,) = read(third)
    assert row["XK_ZT"] == "2" and row["BZ"].startswith("撤销：依法撤回")
    assert export_prepare(actor=reviewer, kind=XK) is None


def test_round_trip_with_a_revocation_into_a_fresh_database(licences, reviewer,
                                                            window_officer, tmp_path):
    """An XK batch with a revocation (XK_ZT = 2), exported after the first batch was
    acknowledged and imported after it into a fresh installation, leaves the same licences in
    force and the same revoked (the licence fact revoked at once); imported again, nothing."""
    from exchange.tests.fresh import FreshSite

    first = export_prepare(actor=reviewer, kind=XK)
    export_mark_sent(actor=reviewer, batch=first)
    export_acknowledge(actor=reviewer, batch=first, receipt_name="r.txt", receipt=b"ok")
    open_ended = LicenceDecision.objects.get(credit_check=licences["open"])
    with clock.frozen_at(MONDAY + dt.timedelta(days=3)):
        licence_revoke(actor=window_officer, decision=open_ended, reason="复议撤销")
    second = export_prepare(actor=reviewer, kind=XK)
    assert list(second.row_set.values_list("action", flat=True)) == ["revocation"]
    paths = []
    for batch in (first, second):
        paths.append(tmp_path / batch.file_name)
        paths[-1].write_bytes(bytes(batch.content))

    site = FreshSite(tmp_path)
    assert site.import_feed(paths[0])["created"] == 2
    summary = site.import_feed(paths[1])
    assert (summary["created"], summary["revocations"], summary["rejected"]) == (0, 1, [])
    again = site.import_feed(paths[1])
    assert (again["duplicates"], again["revocations"]) == (1, 0)
    sent = {r["XK_WSH"] for r in read(first)}
    here = sorted(
        [d.document_number, d.credit_check.subject.code, d.state]
        for d in LicenceDecision.objects.filter(document_number__in=sent)
        .exclude(state="superseded").select_related("credit_check__subject"))
    there = site.query("""
import json
from exchange.feed_models import ImportedRow
latest = {}
for line in ImportedRow.objects.filter(kind="XK", outcome__in=["fact", "correction", "revoked"]
                                       ).select_related("subject").order_by("id"):
    latest[line.document_number] = [line.document_number, line.subject.code,
                                    "revoked" if line.outcome == "revoked" else "in_force"]
print(json.dumps(sorted(latest.values())))
""")
    assert [row[2] for row in here] == ["in_force", "revoked"]
    assert there == here
