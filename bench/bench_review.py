"""Benchmark batch review and list exports against their baselines, same run.

    .venv/bin/python -m bench.bench_review
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench_review \\
        .venv/bin/python -m bench.bench_review

Why it exists: a batch (批量通过) runs inside one web request and decides each record exactly as
one click on its page would (`record_approve`: row lock, four eyes, audit event, and the
subject's incremental re-grade), in its own transaction. The figure that matters is how long a
full batch of `REVIEW_BATCH` (200) takes, and whether batching costs more than the same records
approved one by one (the baseline: `record_approve` per record, each in its own transaction, as
200 clicks would run it). Exports: the list page's export (`common.exports.export_response` over
the records list query, every row through the neutralising writer) against the bare baseline of
writing the same rows, read with one `values_list` query, with `csv` / openpyxl directly.

It fills a dedicated database (default /tmp/hc_bench_review.sqlite3; the name must contain
"bench"), with the shipped catalogue and the shipped scoring models published, so every
approval re-grades its subject for real. Runs alternate batch and baseline (`--runs` each, fresh
records each run) and report medians. The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.bench_search import configure, reset_database

DEFAULT_URL = "sqlite:////tmp/hc_bench_review.sqlite3"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=200, help="records per batch")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--export-rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    configure(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import RequestFactory
    from openpyxl import Workbook

    from accounts.models import Department, Role, User
    from common import clock, exports
    from records import services
    from records.models import CreditRecord, RecordState, RecordType
    from records.selectors import record_list
    from records.views import RECORD_COLUMNS, RECORD_EXPORT_FIELDS
    from scoring.services import install_shipped_models
    from subjects.models import Subject

    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    connection.close()
    reset_database(args.database_url)
    call_command("migrate", verbosity=0)
    call_command("loaddata", "record_types", verbosity=0)
    install_shipped_models(publish=True)
    lead = Department.objects.create(code="lead", name="住房保障中心", kind="lead")
    unit = Department.objects.create(code="fgs", name="房地产市场管理股", kind="cooperating")
    clerk = User.objects.create_user(username="clerk", password="x", role=Role.CLERK,
                                     department=unit)
    reviewer = User.objects.create_user(username="reviewer", password="x",
                                        role=Role.LEAD_REVIEWER, department=lead)
    fine = RecordType.objects.filter(polarity="bad", severity="general",
                                     is_active=True).order_by("code").first()
    today = dt.date(2026, 12, 1)
    serial = iter(range(1, 10**9))

    def submitted(count: int) -> list[int]:
        """`count` submitted records, one per new property-service company."""
        ids = []
        with clock.frozen_at(today):
            for _ in range(count):
                n = next(serial)
                subject = Subject.objects.create(
                    kind="enterprise", code=f"BENCH{n:013d}", name=f"福州基准物业{n:06d}有限公司",
                    category="property_service", established_on=dt.date(2015, 1, 1))
                ids.append(services.record_create(
                    actor=clerk, subject=subject, record_type=fine, occurred_on=today,
                    decided_on=today, document_number=f"基准罚〔2026〕{n}号",
                    amount=Decimal("5000"), submit=True).pk)
        return ids

    def one_by_one(ids: list[int]) -> float:
        start = time.perf_counter()
        with clock.frozen_at(today):
            for pk in ids:
                with transaction.atomic():
                    services.record_approve(actor=reviewer,
                                            record=CreditRecord.objects.get(pk=pk))
        return time.perf_counter() - start

    def batched(ids: list[int]) -> float:
        start = time.perf_counter()
        with clock.frozen_at(today):
            outcome = services.records_review_batch(actor=reviewer, ids=ids, decision="approve")
        elapsed = time.perf_counter() - start
        assert len(outcome.decided) == len(ids), outcome.refused[:3]
        return elapsed

    base_times, batch_times = [], []
    for run in range(args.runs):
        base_ids, batch_ids = submitted(args.batch), submitted(args.batch)
        base_times.append(one_by_one(base_ids))
        batch_times.append(batched(batch_ids))
        print(f"  run {run + 1}: one by one {base_times[-1]:.2f} s, "
              f"batch {batch_times[-1]:.2f} s ({args.batch} records each)")
    assert CreditRecord.objects.filter(state=RecordState.SUBMITTED).count() == 0
    base_s, batch_s = statistics.median(base_times), statistics.median(batch_times)
    print(f"review: batch of {args.batch} {batch_s:.2f} s (median), one by one {base_s:.2f} s, "
          f"ratio {batch_s / base_s:.2f}")

    # --- exports: the list page's export against bare writers over one values_list query ----
    missing = args.export_rows - CreditRecord.objects.count()
    if missing > 0:
        print(f"adding {missing:,} records for the export …")
        submitted(missing)
    rows_qs = record_list(user=reviewer)[: args.export_rows]
    rows_ids = list(rows_qs.values_list("pk", flat=True))
    query = CreditRecord.objects.filter(pk__in=rows_ids).order_by("-decided_on", "-pk")
    request = RequestFactory().get("/records/")

    def page_export(fmt: str) -> float:
        start = time.perf_counter()
        rows = record_list(user=reviewer).filter(pk__in=rows_ids).only(*RECORD_EXPORT_FIELDS)
        response = exports.export_response(request, fmt=fmt, rows=rows, columns=RECORD_COLUMNS,
                                           title="records", name="records")
        assert response.status_code == 200
        return time.perf_counter() - start

    def bare(fmt: str) -> float:
        start = time.perf_counter()
        values = list(query.values_list(
            "document_number", "version", "subject__name", "subject__code",
            "record_type__name", "record_type__polarity", "record_type__severity",
            "decided_on", "state", "source_department__name", "submitted_by__username",
            "submitted_at"))
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(values)
            buffer.getvalue().encode("utf-8-sig")
        else:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            for row in values:
                ws.append([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
                           for v in row])
            wb.save(io.BytesIO())
        return time.perf_counter() - start

    export = {}
    for fmt in ("csv", "xlsx"):
        page = statistics.median(page_export(fmt) for _ in range(args.runs))
        base = statistics.median(bare(fmt) for _ in range(args.runs))
        export[fmt] = {"page_s": round(page, 3), "bare_s": round(base, 3),
                       "ratio": round(page / base, 2),
                       "rows_per_s": round(len(rows_ids) / page)}
        print(f"export {fmt}: {len(rows_ids):,} rows in {page:.2f} s through the page "
              f"({len(rows_ids) / page:,.0f} rows/s), bare writer {base:.2f} s, "
              f"ratio {page / base:.2f}")

    result: dict[str, Any] = {
        "database": connection.vendor, "batch": args.batch, "runs": args.runs,
        "batch_s": round(batch_s, 3), "one_by_one_s": round(base_s, 3),
        "batch_ratio": round(batch_s / base_s, 2),
        "per_record_ms": round(1000 * batch_s / args.batch, 1),
        "export_rows": len(rows_ids), "export": export,
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs",
        "load_avg": os.getloadavg(),
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
