"""CF_ZT / XK_ZT = 2 in a feed (`exchange.revocations`): a penalty's matching record (same
source, same document number) is revoked through review — a revocation request a reviewer other
than the importer decides — never a new bad record; a licence kept as a fact is revoked at once
with its audit event; an unmatched revocation is refused with a Chinese reason; the counts say
`revocations`."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from common.errors import PermissionDeniedError, ValidationFailed
from exchange.feed_models import ImportedRow, RevocationRequest, RowOutcome
from exchange.feed_services import feed_account, import_feed
from exchange.revocations import revocation_decide
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState
from records.services import record_approve

HEADER = ff.CF_CURRENT + ["CF_ZT"]


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def feed(catalogue, other_department):
    actor = feed_account(source=other_department)

    def _import(*rows: dict, encoding: str = "utf-8") -> dict:
        return import_feed(actor=actor, source=other_department,
                           data=ff.csv_file(HEADER, list(rows), encoding),
                           file_name="cf.csv").summary

    return _import


def test_revoked_row_asks_for_review_and_never_adds_a_record(feed, reviewer, second_reviewer):
    feed(ff.penalty(1))
    record = CreditRecord.objects.get()
    record_approve(actor=reviewer, record=record)
    summary = feed(ff.penalty(1, CF_ZT="2", BZ="复议撤销"), encoding="gbk")
    assert (summary["created"], summary["corrections"], summary["revocations"],
            summary["rejected"]) == (0, 0, 1, [])
    assert CreditRecord.objects.count() == 1  # no new bad record
    request = RevocationRequest.objects.get()
    assert (request.record, request.state, request.reason) == (
        record, RevocationRequest.State.PENDING, "复议撤销")
    assert CreditRecord.objects.get().state == RecordState.EFFECTIVE  # until reviewed
    assert ImportedRow.objects.filter(outcome=RowOutcome.REVOCATION).count() == 1
    # the same revocation again is a duplicate, not a second request
    again = feed(ff.penalty(1, CF_ZT="2"))
    assert (again["duplicates"], again["corrections"], again["revocations"]) == (1, 0, 0)
    assert RevocationRequest.objects.count() == 1

    with pytest.raises(PermissionDeniedError):  # four eyes: never the importer
        revocation_decide(actor=request.requested_by, request=request, approve=True)
    revocation_decide(actor=second_reviewer, request=request, approve=True)
    assert CreditRecord.objects.get().state == RecordState.REVOKED
    assert RevocationRequest.objects.get().state == RevocationRequest.State.APPROVED
    assert AuditEvent.objects.filter(action="record.revoke").count() == 1
    # a revoked record revoked again: a duplicate
    assert feed(ff.penalty(1, CF_ZT="2"))["duplicates"] == 1


def test_unmatched_revocation_is_refused_with_a_chinese_reason(feed):
    summary = feed(ff.penalty(5, CF_ZT="2"))
    assert summary["created"] == 0 and len(summary["rejected"]) == 1
    entry = summary["rejected"][0]
    assert (entry["row"], entry["field"]) == (2, "CF_WSH")
    assert "未撤销任何记录" in entry["reason"] and "县住建罚〔2024〕5号" in entry["reason"]
    assert not CreditRecord.objects.exists() and not RevocationRequest.objects.exists()


def test_revocation_of_a_record_still_in_review_rejects_it(feed, reviewer):
    feed(ff.penalty(2))
    feed(ff.penalty(2, CF_ZT="2"))
    revocation_decide(actor=reviewer, request=RevocationRequest.objects.get(), approve=True)
    assert CreditRecord.objects.get().state == RecordState.REJECTED  # never became effective


def test_refusing_needs_a_reason_and_keeps_the_record(feed, reviewer, second_reviewer):
    feed(ff.penalty(3))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    feed(ff.penalty(3, CF_ZT="2"))
    request = RevocationRequest.objects.get()
    with pytest.raises(ValidationFailed):
        revocation_decide(actor=second_reviewer, request=request, approve=False)
    revocation_decide(actor=second_reviewer, request=request, approve=False,
                      comment="撤销决定未生效")
    assert CreditRecord.objects.get().state == RecordState.EFFECTIVE
    assert RevocationRequest.objects.get().comment == "撤销决定未生效"


def test_reviewer_decides_on_the_page(feed, reviewer, second_reviewer, clerk):
    feed(ff.penalty(4))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    feed(ff.penalty(4, CF_ZT="2"))
    request = RevocationRequest.objects.get()
    denied = Client()
    denied.force_login(clerk)
    assert denied.get("/exchange/revocations/").status_code == 403
    client = Client()
    client.force_login(second_reviewer)
    page = client.get("/exchange/revocations/")
    assert page.status_code == 200 and "县住建罚〔2024〕4号" in page.content.decode()
    response = client.post("/exchange/revocations/", {"request": request.pk,
                                                      "decision": "approve"})
    assert response.status_code == 302
    assert CreditRecord.objects.get().state == RecordState.REVOKED


def test_legacy_2016_status_column_is_read_too(catalogue, other_department, reviewer):
    actor = feed_account(source=other_department)
    row = ff.legacy_penalty(7)
    import_feed(actor=actor, source=other_department, file_name="l.csv",
                data=ff.csv_file(ff.CF_LEGACY, [row], "gbk"))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    summary = import_feed(actor=actor, source=other_department, file_name="l2.csv",
                          data=ff.csv_file(ff.CF_LEGACY, [{**row, "CF_ZT": "2"}], "gbk")).summary
    assert (summary["corrections"], summary["revocations"]) == (0, 1)
    assert RevocationRequest.objects.count() == 1


# --- licences (XK_ZT = 2) -------------------------------------------------------------------

@pytest.fixture
def licence_feed(catalogue, other_department):
    actor = feed_account(source=other_department)

    def _import(*rows: dict, header: list[str] = ff.XK_CURRENT, encoding: str = "utf-8"
                ) -> dict:
        return import_feed(actor=actor, source=other_department,
                           data=ff.csv_file(header, list(rows), encoding),
                           file_name="xk.csv").summary

    return _import


def test_licence_revocation_revokes_the_fact_at_once_with_its_audit_event(licence_feed):
    assert licence_feed(ff.licence(1), ff.licence(2))["created"] == 2
    summary = licence_feed(ff.licence(1, XK_ZT="2", BZ="许可已依法撤销"), encoding="gbk")
    assert (summary["rows"], summary["created"], summary["corrections"],
            summary["revocations"], summary["rejected"]) == (1, 0, 0, 1, [])
    line = ImportedRow.objects.get(outcome=RowOutcome.REVOKED)
    assert line.document_number == "县住建预许〔2024〕1号"
    assert line.payload["remark"] == "许可已依法撤销"
    granted = ImportedRow.objects.get(outcome=RowOutcome.FACT,
                                      document_number=line.document_number)
    event = AuditEvent.objects.get(action="exchange.licence_revoke")
    assert event.target_id == str(granted.pk)
    assert event.after["reason"] == "许可已依法撤销"
    assert not CreditRecord.objects.exists() and not RevocationRequest.objects.exists()
    # the other licence is untouched; the same revocation again is a duplicate, nothing new
    again = licence_feed(ff.licence(1, XK_ZT="2", BZ="许可已依法撤销"))
    assert (again["duplicates"], again["revocations"]) == (1, 0)
    assert ImportedRow.objects.filter(outcome=RowOutcome.REVOKED).count() == 1
    assert AuditEvent.objects.filter(action="exchange.licence_revoke").count() == 1
    # the grant sent again is a duplicate; a changed grant cannot revive a revoked licence
    assert licence_feed(ff.licence(1))["duplicates"] == 1
    changed = licence_feed(ff.licence(1, XK_NR="准予预售2#楼"))
    assert changed["corrections"] == 0 and len(changed["rejected"]) == 1
    assert "许可已撤销" in changed["rejected"][0]["reason"]
    assert changed["rejected"][0]["field"] == "XK_WSH"


def test_licence_revocation_naming_nothing_is_refused_in_chinese(licence_feed):
    summary = licence_feed(ff.licence(9, XK_ZT="2"))
    assert (summary["created"], summary["revocations"]) == (0, 0)
    [entry] = summary["rejected"]
    assert (entry["row"], entry["field"]) == (2, "XK_WSH")
    assert "县住建预许〔2024〕9号" in entry["reason"] and "未撤销任何内容" in entry["reason"]
    assert ImportedRow.objects.get().outcome == RowOutcome.REJECTED  # kept in the ledger
    assert not AuditEvent.objects.filter(action="exchange.licence_revoke").exists()


def test_legacy_2016_licence_status_column_revokes_too(licence_feed):
    row = {"XK_WSH": "县住建许〔2016〕3号", "XK_XMMC": "商品房预售许可", "XK_SPLB": "普通",
           "XK_NR": "准予预售", "XK_XDR": "测试房地产开发有限公司3", "XK_XDR_SHXYM": ff.uscc(3),
           "XK_FR": "王五", "XK_JDRQ": "2016/05/06", "XK_JZQ": "2018/05/06",
           "XK_XZJG": "某县住建局", "XK_ZT": "1", "DFBM": "350100", "SJC": "2016-05-07"}
    assert licence_feed(row, header=ff.XK_LEGACY, encoding="gbk")["created"] == 1
    summary = licence_feed({**row, "XK_ZT": "2"}, header=ff.XK_LEGACY, encoding="gbk")
    assert summary["revocations"] == 1 and summary["rejected"] == []
    assert ImportedRow.objects.filter(outcome=RowOutcome.REVOKED).count() == 1


def test_revocations_are_counted_on_every_surface(feed, reviewer, second_reviewer, tmp_path,
                                                   settings):
    """The command's --json (dry run and import), the batch, the preview page, the result page,
    the batch list and the error report all say how many rows revoked something."""
    import io
    import json
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from exchange.feed_models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    feed(ff.penalty(1))
    record = CreditRecord.objects.get()
    record_approve(actor=reviewer, record=record)
    source = record.source_department
    data = ff.csv_file(HEADER, [ff.penalty(1, CF_ZT="2"), ff.penalty(8, CF_ZT="2")], "utf-8")
    path = tmp_path / "revoke.csv"
    path.write_bytes(data)
    dry = io.StringIO()
    with pytest.raises(SystemExit):  # one rejected row: exit status 1
        call_command("import_feed", str(path), "--json", "--dry-run", "--source", source.code,
                     stdout=dry)
    assert json.loads(dry.getvalue())["revocations"] == 1
    client = Client()
    client.force_login(second_reviewer)
    preview = client.post("/exchange/feeds/", {"file": SimpleUploadedFile("revoke.csv", data),
                                               "source": source.pk})
    assert preview.status_code == 302
    assert 'data-count="revocations">1<' in client.get(preview["Location"]).content.decode()
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_feed", str(path), "--json", "--source", source.code, stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["revocations"], summary["corrections"], len(summary["rejected"])) == (1, 0, 1)
    batch = ImportBatch.objects.filter(state=ImportBatch.State.FINISHED).latest("id")
    assert (batch.revocations, batch.corrections) == (1, 0)
    page = client.get(f"/exchange/imports/{batch.number}/").content.decode()
    assert 'data-count="revocations">1<' in page
    listing = client.get("/exchange/feeds/").content.decode()
    header = re.findall(r'<th scope="col">([^<]*)</th>', listing)
    row = re.search(rf"<tr><td><a [^>]*>{batch.number}</a></td>(.*?)</tr>", listing).group(1)
    cells = dict(zip(header[1:], re.findall(r"<td>([^<]*)</td>", row), strict=False))
    assert (cells["更正"], cells["撤销"], cells["错误"]) == ("0", "1", "1")
    report = client.get(f"/exchange/imports/{batch.number}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert "撤销1" in str(sheet.cell(1, 1).value)
