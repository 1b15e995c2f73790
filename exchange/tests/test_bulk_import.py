"""The set-based import path (`records.bulk`) gives every row the outcome the row-by-row path
gives: the same file, with rows of every kind, goes through both from the same database state
and the counts, the error report, the ledger, the records and the side effects are compared.
Also: one audit event per chunk whose per-row SHA-256 matches the stored records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from audit.models import AuditEvent
from audit.selectors import verify_chain
from common import clock
from exchange import feed_services
from exchange.feed_models import ClassificationRequest, ImportedRow, RevocationRequest
from exchange.feed_services import feed_account, import_feed
from exchange.sheets import import_sheet
from exchange.tests import feedfiles as ff
from records import bulk
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_approve, record_create
from subjects.models import Subject
from subjects.services import subject_create

TODAY = dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def setting(catalogue, other_department, admin_user, reviewer, lead_department):
    """Registered subjects 1-5, an effective record (doc 40) and a submitted one (doc 41) of
    subject 1, and one effective record (doc 42) of subject 2."""
    for n in range(1, 6):
        subject_create(actor=admin_user, kind="enterprise", code=ff.uscc(n),
                       name=f"测试房地产开发有限公司{n}", category="developer")
    fine = RecordType.objects.get(code="penalty_fine")
    actor = feed_account(source=other_department)
    made = {}
    for doc, n in ((40, 1), (41, 1), (42, 2)):
        row = ff.penalty(n, CF_WSH=f"县住建罚〔2024〕{doc}号")
        import_feed(actor=actor, source=other_department,
                    data=ff.csv_file(ff.CF_CURRENT, [row], "utf-8"), file_name="seed.csv")
        made[doc] = CreditRecord.objects.get(document_number=row["CF_WSH"])
    record_approve(actor=reviewer, record=made[40])
    record_approve(actor=reviewer, record=made[42])
    del fine
    return other_department


def mixed_rows() -> list[dict[str, Any]]:
    long_facts = "事" * 2000
    rows = [
        ff.penalty(1), ff.penalty(2, CF_CFLB="警告", CF_NR_FK="", CF_NR="警告"),
        ff.penalty(3, CF_JDRQ="2024/04/16 09:30:00"), ff.penalty(4, CF_WFXW="挪用住宅专项维修资金"),
        ff.penalty(1, CF_WSH="县住建罚〔2024〕2号"),  # doc of row 3 again, another subject
        ff.penalty(2, CF_NR_FK="9"),  # doc of row 3 again, other content: under review
        ff.penalty(2),  # a third time
        ff.penalty(6),  # a valid code nobody registered: a subject to classify
        ff.penalty(6, CF_WSH="县住建罚〔2024〕61号"),  # the same new subject again
        ff.penalty(7, CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                   CF_XDR_ZJHM=ff.id_number(7), CF_XDR_MC="李四"),
        ff.penalty(1, CF_WSH="县住建罚〔2024〕40号"),  # the effective record, unchanged
        ff.penalty(1, CF_WSH="县住建罚〔2024〕40号", CF_NR_FK="3"),  # then changed: correction
        ff.penalty(1, CF_WSH="县住建罚〔2024〕41号", CF_NR_FK="5"),  # changed while in review
        ff.penalty(1, CF_WSH="县住建罚〔2024〕42号"),  # doc of subject 2's record: mismatch
        ff.penalty(10, CF_XDR_SHXYM="91350100M000100Y4Z"),  # wrong check character
        ff.penalty(11, CF_JDRQ="2024-02-30"), ff.penalty(12, CF_XDR_MC=""),
        ff.penalty(13, CF_NR_FK="两万"), ff.penalty(14, CF_WSH=""),
        ff.penalty(15, CF_JDRQ="2024-12-01"),  # after today: the service's refusal
        ff.penalty(16, CF_WSH="号" * 101),
        ff.penalty(17, CF_SY=long_facts, CF_NR=long_facts, CF_YJ=long_facts,
                   CF_WFXW=long_facts, CF_CFJG=long_facts, BZ=long_facts),  # > LONG_TEXT
        ff.penalty(2, CF_WSH="县住建罚〔2024〕42号", CF_ZT="2"),  # revocation of an effective one
        ff.penalty(2, CF_WSH="县住建罚〔2024〕42号", CF_ZT="2"),  # the same again: duplicate
        ff.penalty(1, CF_WSH="县住建罚〔2024〕99号", CF_ZT="2"),  # revokes nothing: refused
        ff.penalty(5), ff.penalty(5),  # the same row twice in one file: a duplicate
    ]
    return rows


def snapshot_state() -> dict[str, Any]:
    """Everything an import can change, in comparable form (no ids, no times)."""
    records = sorted(
        (r.document_number, r.version, r.state, r.subject.code, r.record_type.code,
         r.occurred_on, r.decided_on, r.description, r.amount, r.level, r.internal_note,
         r.is_public, r.publicity_ends_on, r.submitted_by_id, r.created_by_id,
         r.supersedes.document_number if r.supersedes else None)
        for r in CreditRecord.objects.select_related("subject", "record_type", "supersedes"))
    ledger = sorted(
        (r.batch.number, r.row_number, r.outcome, r.reason, r.document_number, r.content_hash,
         r.subject.code if r.subject else None,
         (r.record.document_number, r.record.version) if r.record else None, r.payload)
        for r in ImportedRow.objects.select_related("batch", "subject", "record"))
    return {
        "records": records, "ledger": ledger,
        "subjects": sorted(Subject.objects.values_list("code", "name", "kind", "category")),
        "classify": sorted(ClassificationRequest.objects.values_list("subject__code",
                                                                     flat=True)),
        "revocations": sorted(RevocationRequest.objects.values_list(
            "record__document_number", "row_number", "state")),
    }


def run_twice(source, data: bytes, *, set_based: bool, sheet: str = "") -> dict[str, Any]:
    """Import the file twice and return the outcomes and the state, then roll it all back."""
    feed_services.SET_BASED = set_based
    actor = feed_account(source=source)
    try:
        with transaction.atomic():
            summaries = []
            for _attempt in range(2):
                if sheet:
                    result = import_sheet(actor=actor, kind=sheet, source=source, data=data,
                                          file_name="f.xlsx")
                else:
                    result = import_feed(actor=actor, source=source, data=data,
                                         file_name="f.csv")
                summaries.append(result.summary)
            state = {"summaries": summaries, **snapshot_state()}
            transaction.set_rollback(True)
    finally:
        feed_services.SET_BASED = True
    return state


@pytest.mark.parametrize("chunk", [4, 5000])
def test_same_file_same_outcome_on_both_paths(setting, monkeypatch, chunk):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk)  # rows that repeat across chunk borders too
    data = ff.csv_file(ff.CF_CURRENT + ["CF_ZT"], mixed_rows(), "gbk")
    row_by_row = run_twice(setting, data, set_based=False)
    set_based = run_twice(setting, data, set_based=True)
    assert set_based["summaries"] == row_by_row["summaries"]
    for key in ("records", "ledger", "subjects", "classify", "revocations"):
        assert set_based[key] == row_by_row[key], key
    first, second = row_by_row["summaries"]
    # the file really has every kind of row: new, duplicate, correction, refusals
    assert (first["rows"], first["created"], first["duplicates"]) == (27, 8, 3)
    assert (first["corrections"], first["revocations"]) == (1, 1)  # 40 corrected, 42 revoked
    assert [e["row"] for e in first["rejected"]] == [6, 7, 8, *range(14, 24), 26]
    assert second["created"] == second["corrections"] == second["revocations"] == 0
    assert row_by_row["revocations"] == [("县住建罚〔2024〕42号", 24, "pending")]


def test_records_template_same_outcome_on_both_paths(setting, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)
    header = ["主体代码", "记录类型", "文书号", "发生日期", "决定日期", "金额（元）", "等级",
              "描述", "内部备注"]

    def row(n: int, **change: Any) -> dict[str, Any]:
        values = {"主体代码": ff.uscc(1 + n % 5), "记录类型": "penalty_fine",
                  "文书号": f"模板罚〔2024〕{n}号", "发生日期": "2024-03-01",
                  "决定日期": "2024-04-15",
                  "金额（元）": "20000", "等级": "", "描述": f"第{n}件", "内部备注": ""}
        values.update(change)
        return values

    rows = [row(1), row(2, 记录类型="行政处罚：警告"), row(3, 主体代码=ff.uscc(77)),
            row(4, 记录类型="没有这种类型"), row(5, 主体代码=ff.uscc(77), 记录类型="没有这种类型"),
            row(6, 发生日期="2024-05-01", 决定日期="2024-04-01"), row(7, **{"金额（元）": "-1"}),
            row(1), row(1, 描述="改了"), row(8, 描述="长" * 10_001)]
    data = ff.xlsx_file(header, rows)
    row_by_row = run_twice(setting, data, set_based=False, sheet="records")
    set_based = run_twice(setting, data, set_based=True, sheet="records")
    assert set_based["summaries"] == row_by_row["summaries"]
    for key in ("records", "ledger", "subjects"):
        assert set_based[key] == row_by_row[key], key
    first = row_by_row["summaries"][0]
    assert (first["created"], first["duplicates"], len(first["rejected"])) == (3, 1, 6)


def test_one_audit_event_per_chunk_covers_every_row(setting, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 4)
    rows = [ff.penalty(100 + n) for n in range(10)]
    for n in range(100, 110):  # registered: every row takes the set-based path
        Subject.objects.create(kind="enterprise", code=ff.uscc(n), name=f"公司{n}",
                               category="developer")
    before = AuditEvent.objects.order_by("-seq").first().seq
    result = import_feed(actor=feed_account(source=setting), source=setting,
                         data=ff.csv_file(ff.CF_CURRENT, rows, "utf-8"), file_name="a.csv")
    assert result.summary["created"] == 10
    events = list(AuditEvent.objects.filter(action="record.bulk_create", seq__gt=before)
                  .order_by("seq"))
    assert [e.after["count"] for e in events] == [4, 4, 2]
    # batch start and close, and three chunk events: not one per row
    assert AuditEvent.objects.filter(seq__gt=before).count() == 5
    listed = {pk: digest for e in events for pk, digest in e.after["rows"]}
    records = CreditRecord.objects.filter(document_number__in=[r["CF_WSH"] for r in rows])
    assert set(listed) == set(records.values_list("pk", flat=True))
    for record in records:
        assert listed[record.pk] == bulk.stored_digest(record)
        assert record.state == RecordState.SUBMITTED and record.submitted_at is not None
    # the records enter the review queue like single entries, and the chain still verifies
    _checked, broken = verify_chain()
    assert broken is None
    tampered = records.first()
    CreditRecord.objects.filter(pk=tampered.pk).update(amount=Decimal("1"))
    tampered = CreditRecord.objects.get(pk=tampered.pk)  # (the state field is protected)
    assert listed[tampered.pk] != bulk.stored_digest(tampered)


def test_code_checker_answers_like_the_validator(db):
    checker = bulk.CodeChecker()
    assert checker.check(ff.uscc(3), kind="enterprise").code == ff.uscc(3)
    for _attempt in range(2):  # the refusal is remembered and raised again
        with pytest.raises(Exception) as caught:
            checker.check("91350100M000100Y4Z", kind="enterprise")
        assert caught.value.field == "code"


def test_record_entered_by_form_then_feed_is_a_duplicate(setting, admin_user):
    row = ff.penalty(3)
    subject = Subject.objects.get(code=row["CF_XDR_SHXYM"])
    from exchange.feeds import FeedRow, description_of
    feed_row = FeedRow(row_number=2, kind="CF", values={
        "act": row["CF_WFXW"], "facts": row["CF_SY"], "basis": row["CF_YJ"],
        "category": row["CF_CFLB"], "content": row["CF_NR"], "authority": row["CF_CFJG"]})
    record_create(actor=admin_user, subject=subject,
                  record_type=RecordType.objects.get(code="penalty_fine"),
                  occurred_on=dt.date(2024, 4, 15), decided_on=dt.date(2024, 4, 15),
                  document_number=row["CF_WSH"], source_department=setting,
                  description=description_of(feed_row), amount=Decimal("20000"), submit=True)
    result = import_feed(actor=feed_account(source=setting), source=setting,
                         data=ff.csv_file(ff.CF_CURRENT, [row], "utf-8"), file_name="f.csv")
    assert (result.summary["created"], result.summary["duplicates"]) == (0, 1)


def run_twice_with_previews(source, data: bytes) -> dict[str, Any]:
    """`run_twice` on the set-based path, with each import's preview and a dry run's summary
    and preview too."""
    actor = feed_account(source=source)
    with transaction.atomic():
        dry = import_feed(actor=actor, source=source, data=data, file_name="f.csv",
                          dry_run=True)
        results = [import_feed(actor=actor, source=source, data=data, file_name="f.csv")
                   for _attempt in range(2)]
        state = {"summaries": [r.summary for r in results],
                 "previews": [r.preview for r in results],
                 "dry": (dry.summary, dry.preview), **snapshot_state()}
        transaction.set_rollback(True)
    return state


def piped_file() -> bytes:
    """The mixed file with what a line-based reader could get wrong: a quoted line break
    inside a cell, blank lines (before the first row, inside the file, at its end), CR LF."""
    rows = mixed_rows()
    rows[0] = ff.penalty(1, CF_SY="经查，该公司\r\n未在销售现场公示。\n第二段")
    rows[9] = {**rows[9], "BZ": "备注，含\"引号\""}
    text = ff.csv_file(ff.CF_CURRENT + ["CF_ZT"], rows, "gbk").decode("gbk")
    lines = text.split("\r\n")
    lines.insert(1, "")
    lines.insert(8, ",,,")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("gbk")


@pytest.mark.parametrize("chunk", [4, 5000])
def test_parser_process_gives_the_same_outcome(setting, monkeypatch, chunk):
    """A large CSV feed is prepared by a forked parser process (`exchange.feed_pipeline`);
    forced here for a small file: every count, refusal (row, column, reason, in order),
    preview line, ledger line, record and side effect is what the in-process path gives, and
    that is what the row-by-row path gives."""
    from exchange import feed_pipeline

    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk)
    data = piped_file()
    in_process = run_twice_with_previews(setting, data)
    row_by_row = run_twice(setting, data, set_based=False)
    monkeypatch.setattr(feed_pipeline, "PIPELINE_MIN_ROWS", 0)
    used = []
    real = feed_pipeline.prepared_chunks

    def counting(**kwargs):
        used.append(kwargs["size"])
        yield from real(**kwargs)

    monkeypatch.setattr(feed_pipeline, "prepared_chunks", counting)
    piped = run_twice_with_previews(setting, data)
    assert used == [chunk] * 3  # the dry run and both imports went through the parser
    assert piped == in_process
    assert piped["summaries"] == row_by_row["summaries"]
    for key in ("records", "ledger", "subjects", "classify", "revocations"):
        assert piped[key] == row_by_row[key], key
    first = piped["summaries"][0]
    assert (first["rows"], first["created"], first["duplicates"]) == (27, 8, 3)
    # rows 6-8, 14-23, 26 of the plain file, numbered past the blank lines as a spreadsheet shows
    assert [e["row"] for e in first["rejected"]] == [7, 9, 10, *range(16, 26), 28]


def test_parser_process_never_uses_the_database(setting):
    """The parser inherits the importer's connection; using it there is refused (closing it
    would end the importer's session), and the importer's connection still works after."""
    from exchange import feed_pipeline, feeds

    table = feeds.read_table(ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8"))
    chunks = feed_pipeline.prepared_chunks(
        prepare=lambda rows: Subject.objects.count(), table=table, kind="CF",
        field_set="current", size=10)
    with pytest.raises(RuntimeError, match="does not use the database"):
        list(chunks)
    assert Subject.objects.filter(code=ff.uscc(1)).exists()


def test_parser_process_reports_an_unreadable_file_like_the_importer(setting, monkeypatch):
    """A CSV fault past the header (a cell beyond the csv module's limit) is raised as the
    same `FeedFileError` whichever process reads the file."""
    from exchange import feed_pipeline
    from exchange.feeds import FeedFileError

    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1), ff.penalty(2, CF_SY="事" * 200_000)],
                       "utf-8")
    actor = feed_account(source=setting)
    errors = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(feed_pipeline, "PIPELINE_MIN_ROWS", threshold)
        with transaction.atomic(), pytest.raises(FeedFileError) as caught:
            import_feed(actor=actor, source=setting, data=data, file_name="f.csv")
        errors.append((caught.value.field, caught.value.reason))
    assert errors[0] == errors[1] and "CSV" in errors[0][1]


def test_a_parser_the_writer_gives_up_on_is_ended_not_waited_for(setting, monkeypatch):
    """The writer stops reading after the first chunk (its caller failed): the parser, blocked
    on the full queue and ignoring SIGTERM as a worker's graceful-shutdown handler would, is
    killed when the generator closes, so the import never hangs on it."""
    import signal

    from exchange import feed_pipeline, feeds

    monkeypatch.setattr(feed_pipeline, "AHEAD_CHUNKS", 1)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        table = feeds.read_table(ff.csv_file(
            ff.CF_CURRENT, [ff.penalty(n) for n in range(1, 41)], "utf-8"))
        chunks = feed_pipeline.prepared_chunks(
            prepare=lambda rows: feed_pipeline_chunk(len(rows)), table=table, kind="CF",
            field_set="current", size=1)
        assert next(chunks).rows == 1
        chunks.close()   # returns: the parser was killed, not joined forever
    finally:
        signal.signal(signal.SIGTERM, previous)
    import multiprocessing
    assert not [p for p in multiprocessing.active_children() if p.name == "import-parser"]


class feed_pipeline_chunk:  # noqa: N801 — the smallest object the parser can send
    def __init__(self, rows: int) -> None:
        self.rows = rows

    def detach(self, text: str, start: int) -> None:
        pass
