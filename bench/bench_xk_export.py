"""Benchmark the XK export batch (licences granted with credit measures) against a bare writer.

    .venv/bin/python -m bench.bench_xk_export --seed-only      # fill the database (no timing)
    .venv/bin/python -m bench.bench_xk_export                  # measure (reuses the seed)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench_xk .venv/bin/python -m …

Why it exists: a data officer prepares an XK batch inside the web request (the export page) or
with `manage.py export_feed --kind XK`. The batch finds what is pending (set-based: anti-joins for
"sent" and "an earlier version sent", the count of applied measures), writes the CSV, a SHA-256
per row and of the file, one `ExportRow` per row and the audit event. The baseline is the bare
minimum for the same file: one `values_list` query over the same decisions with their subject
and department, and the `csv` module writing the same columns. The ratio says what the export's
bookkeeping costs over writing the file.

The database (default /tmp/hc_bench_xk.sqlite3; the name must contain "bench") holds `--licences`
granted licence decisions with an applied measure, plus as many refused ones (which are left
out), seeded in bulk and analysed (the planner's statistics, as a running site has them;
without them PostgreSQL plans the anti-joins badly). Each measured batch is rolled back so every
run exports the same rows;
runs alternate export and baseline and the medians are reported. Last line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import platform
import statistics
import time
from typing import Any

from bench.bench_search import configure, reset_database

DEFAULT_URL = "sqlite:////tmp/hc_bench_xk.sqlite3"
#: the lead department's 统一社会信用代码 (GB 32100-valid), written into XK_XKJGDM / XK_LYDWDM
LEAD_CREDIT_CODE = "113501000035000196"


def seed(count: int) -> None:
    """`count` granted and `count` refused licence decisions on presale-permit checks."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Department, Role, User
    from approvals.catalogue import install_current
    from approvals.models import (
        CheckMeasure,
        CreditCheck,
        LicenceDecision,
        Matter,
        Measure,
        RuleSet,
    )
    from subjects.models import Subject

    call_command("migrate", verbosity=0)
    install_current()
    lead = Department.objects.create(code="lead", name="住房保障中心", kind="lead",
                                     credit_code=LEAD_CREDIT_CODE)
    User.objects.create_user(username="reviewer", password="x", role=Role.LEAD_REVIEWER,
                             department=lead)
    officer = User.objects.create_user(username="window", password="x",
                                       role=Role.WINDOW_OFFICER, department=lead)
    matter = Matter.objects.get(code="presale_permit")
    measure = Measure.objects.filter(kind="incentive").order_by("code").first()
    rule_set = RuleSet.objects.order_by("-version").first()
    day = dt.date(2026, 11, 2)
    now = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with transaction.atomic():
        subjects = Subject.objects.bulk_create(
            Subject(kind="enterprise", code=f"91350100{n:09d}X",
                    name=f"福州第{n}房地产开发有限公司", category="developer",
                    legal_representative="李四")
            for n in range(2 * count))
        checks = CreditCheck.objects.bulk_create(
            CreditCheck(number=f"XYHC-2026-{n:07d}", subject=s, matter=matter, asked_by=officer,
                        department=lead, via="workbench", checked_at=now, as_of=day,
                        rule_set=rule_set, accept_with_missing=False, result={},
                        feedback_due_on=day, feedback_at=now, feedback_by=officer)
            for n, s in enumerate(subjects))
        CheckMeasure.objects.bulk_create(
            CheckMeasure(credit_check=c, measure=measure, code=measure.code, name=measure.name,
                         kind=measure.kind, applied=True) for c in checks)
        LicenceDecision.objects.bulk_create(
            LicenceDecision(
                credit_check=c, outcome="granted" if n < count else "refused",
                document_number=f"县住建许〔2026〕{n}号", decided_on=day,
                valid_from=day if n < count else None,
                valid_until=dt.date(2027, 11, 1) if n < count else None,
                category="ordinary" if n < count else "", content=f"商品房预售许可：{n}号楼",
                certificate_name="商品房预售许可证", certificate_number=f"预售2026-{n:06d}",
                recorded_by=officer, recorded_at=now)
            for n, c in enumerate(checks))
    with connection.cursor() as cursor:  # statistics, as autovacuum / a running site has them
        cursor.execute("ANALYZE")


def bare_file() -> tuple[bytes, int]:
    """The baseline: the same columns for the same decisions, one query, `csv` directly."""
    from approvals.models import LicenceDecision
    from exchange.exports import XK_CATEGORY_WORDS, XK_DOCUMENT_NAME, XK_EXPORT_HEADER

    rows = (LicenceDecision.objects.filter(outcome="granted", state="in_force")
            .order_by("decided_on", "id")
            .values_list("credit_check__subject__name", "credit_check__subject__code",
                         "credit_check__subject__legal_representative", "document_number",
                         "category", "certificate_name", "certificate_number", "content",
                         "decided_on", "valid_from", "valid_until",
                         "credit_check__department__name",
                         "credit_check__department__credit_code"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(XK_EXPORT_HEADER)
    n = 0
    for (name, code, rep, number, category, cert, cert_no, content, decided, start, end,
         dept, dept_code) in rows:
        writer.writerow([name, "法人及非法人组织", code, "", "", rep, XK_DOCUMENT_NAME, number,
                         XK_CATEGORY_WORDS.get(category, "其他"), cert, cert_no, content,
                         decided.isoformat(), start.isoformat(), end.isoformat() if end else "",
                         dept, dept_code, "1", dept, dept_code, ""])
        n += 1
    content_bytes = out.getvalue().encode("utf-8-sig")
    hashlib.sha256(content_bytes).hexdigest()
    return content_bytes, n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=10_000,
                        help="granted licences to export (as many refused ones are seeded)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--seed-only", action="store_true", help="seed and stop")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    configure(args.database_url)
    from django.db import connection, transaction

    from accounts.models import Department, User
    from approvals.models import LicenceDecision
    from exchange.exports import export_prepare

    seeded = False
    try:
        seeded = LicenceDecision.objects.filter(outcome="granted").count() == args.licences
    except Exception:  # noqa: BLE001 — no tables yet: seed
        connection.close()
    if not seeded:
        connection.close()
        reset_database(args.database_url)
        started = time.perf_counter()
        seed(args.licences)
        print(f"seeded {args.licences} granted + {args.licences} refused licence decisions in "
              f"{time.perf_counter() - started:.1f} s")
    if args.seed_only:
        return

    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}, "
          f"database {connection.vendor}")
    # a database seeded before departments had a credit code: the export needs one
    Department.objects.filter(kind="lead", credit_code="").update(credit_code=LEAD_CREDIT_CODE)
    reviewer = User.objects.get(username="reviewer")
    export_times: list[float] = []
    bare_times: list[float] = []
    rows = bare_rows = 0
    for _run in range(args.runs):
        started = time.perf_counter()
        with transaction.atomic():
            batch = export_prepare(actor=reviewer, kind="XK")
            assert batch is not None
            rows = batch.row_count
            transaction.set_rollback(True)
        export_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        _content, bare_rows = bare_file()
        bare_times.append(time.perf_counter() - started)
    assert rows == bare_rows == args.licences, (rows, bare_rows)
    export_s, bare_s = statistics.median(export_times), statistics.median(bare_times)
    result: dict[str, Any] = {
        "database": connection.vendor, "rows": rows, "runs": args.runs,
        "export_s": round(export_s, 3), "bare_s": round(bare_s, 3),
        "ratio": round(export_s / bare_s, 2), "rows_per_s": round(rows / export_s),
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(f"XK batch of {rows} rows: {export_s:.2f} s ({rows / export_s:.0f} rows/s); "
          f"bare csv of the same rows {bare_s:.2f} s; ratio {export_s / bare_s:.2f}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
