"""Benchmark the 双公示 import: validated rows per second against a bare bulk insert of the same
rows, in the same run and the same database.

    .venv/bin/python -m bench.bench_import --rows 100000
    make bench-import BENCH_ARGS="--rows 1000000"
    make bench-import BENCH_ARGS="--rows 1000000 --db-url postgres://postgres@127.0.0.1:5432/hc_bench_import"

What is timed (each on its own source department, so every side inserts every row):
- validated: `exchange.feed_services.import_feed` on a generated CSV file (current CF set,
  UTF-8), what `manage.py import_feed` runs — decoding, header detection, every row parsed,
  mapped and validated (code, dates, required fields, numbers, document number, text limits),
  subjects resolved and duplicates looked up per chunk, the records inserted set-based
  (`records.bulk`: one INSERT or COPY and one audit event per 5,000 rows), the import ledger
  (one line per row; a created row's line links its record) and the batch's counts from the
  ledger;
- bare: the same records, already built as tuples (same subjects, types, dates, amounts,
  publicity ends), written by the same raw insert (`records.bulk.fast_insert`: `executemany`
  on SQLite, COPY on PostgreSQL) in 5,000-row statements in one transaction — no parsing, no
  validation, no audit, no ledger. This is the fastest plain insert the database offers here;
- django_bulk_create (reference, skip with --no-django): `CreditRecord.objects.bulk_create` of
  the same rows, 5,000 per statement — what "bulk insert" means in plain Django.
The subjects are registered beforehand (bulk), so every side inserts records only.

The database must have "bench" in its name (default: a fresh /tmp/hc_bench_import.sqlite3).
Seeding and measuring can be split, so that only the measurement runs under the shared
benchmark lock: `--seed-only --file F` builds the database (schema, departments, registered
subjects) and writes the generated CSV to F; `--reuse --file F` then measures on that database
without wiping it (the rows are read back from F; it refuses a database that already holds
records, so every measurement starts from the same state).
Peak memory is the process's maximum resident set size (it includes the generated file and its
rows, held by the benchmark itself); CPU seconds are this process's (the importer's Python; on
PostgreSQL the server's work runs in its own process). A file this large is parsed and prepared
by a forked parser process (`exchange.feed_pipeline`): its CPU seconds and peak resident set
size are reported apart (`parser_cpu_s`, `parser_peak_rss_mib`; shared pages count in both).
The machine's load average is printed, since other work on it slows every figure. The last line
is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "sqlite:////tmp/hc_bench_import.sqlite3"
ROWS_PER_SUBJECT = 5
CF_HEADER = ["CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_WFXW", "CF_SY",
             "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_CFJG", "BZ"]
CATEGORIES = [("罚款", "2"), ("警告", ""), ("罚款", "0.5"), ("通报批评", ""), ("没收", "1.2")]


def configure(url: str, *, fresh: bool = True) -> str:
    """Point Django at a benchmark database, wiped first unless `fresh` is False; returns the
    vendor ("sqlite"/"postgresql")."""
    parsed = urlparse(url)
    sqlite = parsed.scheme.startswith("sqlite")
    name = Path(parsed.path).name if sqlite else parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {url!r}: the database name must contain 'bench'")
    if sqlite and fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.path + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("HC_DATA_DIR", "/tmp/hc_bench_data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not fresh:
        return connection.vendor
    call_command("migrate", verbosity=0)
    if not sqlite:
        call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", "record_types", verbosity=0)
    return connection.vendor


def ensure_mapping() -> None:
    """`flush` empties the data migration's rows too; put the shipped table back."""
    import importlib

    from django.apps import apps

    from exchange.feed_models import FeedMapping

    if not FeedMapping.objects.exists():
        module = importlib.import_module("exchange.migrations.0004_feed_mapping_defaults")
        module.forwards(apps, None)


def uscc(n: int) -> str:
    from subjects.identifiers import org_code_check_char, uscc_check_char

    org = f"{n:08d}"
    first17 = f"91350100{org}{org_code_check_char(org)}"
    return first17 + uscc_check_char(first17)


def make_rows(count: int) -> list[list[str]]:
    rows = []
    for n in range(count):
        category, fine = CATEGORIES[n % len(CATEGORIES)]
        subject = n // ROWS_PER_SUBJECT
        day = 1 + n % 28
        rows.append([
            f"基准罚〔2024〕{n}号", f"基准房地产开发有限公司{subject}", "法人及非法人组织",
            uscc(subject), "王五", "未按规定公示商品房销售信息", f"第{n}号案件事实",
            "《商品房销售管理办法》第四十二条", category, f"{category}处罚", fine,
            f"2024-{1 + n % 12:02d}-{day:02d}", "基准县住房和城乡建设局", "",
        ])
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CF_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def register_subjects(rows: list[list[str]]) -> None:
    from subjects.models import Subject, SubjectName

    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row[3], row[1])
    Subject.objects.bulk_create(
        (Subject(kind="enterprise", code=code, name=name, category="developer")
         for code, name in seen.items()), batch_size=5000)
    SubjectName.objects.bulk_create(
        (SubjectName(subject=s, name=s.name) for s in Subject.objects.all()), batch_size=5000)


def _record_rows(rows: list[list[str]]) -> tuple[dict[str, object], dict[str, int]]:
    from records.models import RecordType
    from subjects.models import Subject

    types = {t.code: t for t in RecordType.objects.all()}
    by_category = {"罚款": types["penalty_fine"], "警告": types["penalty_warning"],
                   "通报批评": types["penalty_circulated_criticism"],
                   "没收": types["penalty_confiscation"]}
    return by_category, dict(Subject.objects.values_list("code", "id"))


def bare_insert(rows: list[list[str]], department: object, actor: object) -> float:
    """The same rows as records with no validation, by the import's own raw insert."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction

    from common import clock
    from records import bulk
    from records.models import CreditRecord
    from records.rules import publicity_end_date

    started = time.perf_counter()
    by_category, subjects = _record_rows(rows)
    stamp = bulk.db_value(clock.now())
    ends: dict[tuple[int, str], str] = {}
    with transaction.atomic():
        for start in range(0, len(rows), 5000):
            part = rows[start:start + 5000]
            ids = bulk.reserve_ids(CreditRecord, len(part))
            tuples = []
            for pk, row in zip(ids, part, strict=True):
                record_type = by_category[row[8]]
                key = (record_type.pk, row[11])
                if key not in ends:
                    ends[key] = publicity_end_date(
                        record_type=record_type,
                        decided_on=dt.date.fromisoformat(row[11])).isoformat()
                amount = str(Decimal(row[10]) * 10000) if row[10] else None
                tuples.append((
                    pk, subjects[row[3]], record_type.pk, row[11], row[11], row[0],
                    department.pk, row[6], amount, "", "", True, ends[key], None, None, None,
                    None, "submitted", 1, None, actor.pk, actor.pk, stamp, None, None, "",
                    stamp, stamp))
            bulk.fast_insert(CreditRecord, bulk._RECORD_COLUMNS, tuples)
    return time.perf_counter() - started


def django_bulk_create(rows: list[list[str]], department: object, actor: object) -> float:
    """The same rows through `bulk_create`, 5,000 model instances at a time."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction

    from records.models import CreditRecord
    from records.rules import publicity_end_date

    started = time.perf_counter()
    by_category, subjects = _record_rows(rows)
    with transaction.atomic():
        for start in range(0, len(rows), 5000):
            objects = []
            for row in rows[start:start + 5000]:
                decided = dt.date.fromisoformat(row[11])
                record_type = by_category[row[8]]
                objects.append(CreditRecord(
                    subject_id=subjects[row[3]], record_type=record_type, occurred_on=decided,
                    decided_on=decided, document_number=row[0], source_department=department,
                    description=row[6], amount=Decimal(row[10]) * 10000 if row[10] else None,
                    publicity_ends_on=publicity_end_date(record_type=record_type,
                                                         decided_on=decided),
                    state="submitted", created_by=actor, submitted_by=actor,
                ))
            CreditRecord.objects.bulk_create(objects)
    return time.perf_counter() - started


def server_cpu() -> float:
    """CPU seconds the PostgreSQL backend serving this connection has used (its /proc entry;
    0 on SQLite, whose work is this process's own)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_IMPORT_URL", DEFAULT_URL))
    parser.add_argument("--no-django", action="store_true",
                        help="skip the Django bulk_create reference")
    parser.add_argument("--file", type=Path,
                        help="the generated CSV (written by --seed-only, read by --reuse)")
    split = parser.add_mutually_exclusive_group()
    split.add_argument("--seed-only", action="store_true",
                       help="build the database and write --file, measure nothing")
    split.add_argument("--reuse", action="store_true",
                       help="measure on the database and --file that --seed-only prepared")
    args = parser.parse_args()
    if (args.seed_only or args.reuse) and args.file is None:
        parser.error("--seed-only and --reuse need --file")
    vendor = configure(args.db_url, fresh=not args.reuse)

    from accounts.models import Department
    from exchange.feed_services import feed_account, import_feed
    from records.models import CreditRecord

    if args.reuse:
        if CreditRecord.objects.exists():
            sys.exit("the database already holds records: seed it again (--seed-only)")
        data = args.file.read_bytes()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
        if len(rows) != args.rows:
            sys.exit(f"{args.file} has {len(rows)} rows, not {args.rows}")
        source, bare_dept, django_dept = (Department.objects.get(code=code) for code in (
            "bench-src", "bench-bare", "bench-orm"))
        actor = feed_account(source=source)
    else:
        ensure_mapping()
        Department.objects.create(code="lead", name="基准住房保障中心", kind="lead")
        source = Department.objects.create(code="bench-src", name="基准来源", kind="cooperating")
        bare_dept = Department.objects.create(code="bench-bare", name="基准裸插入",
                                              kind="cooperating")
        django_dept = Department.objects.create(code="bench-orm", name="基准ORM",
                                                kind="cooperating")
        actor = feed_account(source=source)
        rows = make_rows(args.rows)
        register_subjects(rows)
        data = csv_bytes(rows)
        if args.seed_only:
            args.file.write_bytes(data)
            print(f"seeded {args.db_url} and wrote {args.file} ({args.rows:,} rows)")
            return
    load_before = os.getloadavg()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # The bare insert first, so the validated import meets a table as large as the bare one did
    # (then the validated side is the one at a disadvantage, not the baseline).
    cpu, server = time.process_time(), server_cpu()
    bare_s = bare_insert(rows, bare_dept, actor)
    bare_cpu = time.process_time() - cpu
    bare_server = server_cpu() - server
    assert CreditRecord.objects.filter(source_department=bare_dept).count() == args.rows

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    result = import_feed(actor=actor, source=source, data=data, file_name="bench.csv")
    validated_s = time.perf_counter() - started
    validated_cpu = time.process_time() - cpu
    validated_server = server_cpu() - server
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    parser_cpu = (after_children.ru_utime + after_children.ru_stime
                  - children.ru_utime - children.ru_stime)
    parser_rss = after_children.ru_maxrss if parser_cpu else 0
    summary = result.summary
    assert summary["created"] == args.rows, summary["rejected"][:3]

    django_s = None
    if not args.no_django:
        django_s = django_bulk_create(rows, django_dept, actor)
        assert CreditRecord.objects.filter(source_department=django_dept).count() == args.rows
    load_after = os.getloadavg()

    validated_rate = args.rows / validated_s
    bare_rate = args.rows / bare_s
    figures = {
        "rows": args.rows, "db": vendor, "validated_s": round(validated_s, 2),
        "validated_rows_per_s": round(validated_rate, 1), "bare_s": round(bare_s, 2),
        "bare_rows_per_s": round(bare_rate, 1),
        "bare_over_validated": round(bare_rate / validated_rate, 2),
        # this process's CPU seconds (on PostgreSQL the server's own work is not included)
        "validated_cpu_s": round(validated_cpu, 2), "bare_cpu_s": round(bare_cpu, 2),
        # the parser process's (0 when the file was parsed in this process)
        "parser_cpu_s": round(parser_cpu, 2), "parser_peak_rss_mib": round(parser_rss / 1024, 1),
        # the PostgreSQL backend's CPU seconds (0 on SQLite)
        "validated_server_cpu_s": round(validated_server, 2),
        "bare_server_cpu_s": round(bare_server, 2),
        # every process's CPU per row: validated (importer + parser + server), bare
        "validated_cpu_us_per_row": round(
            (validated_cpu + parser_cpu + validated_server) / args.rows * 1e6, 1),
        "bare_cpu_us_per_row": round((bare_cpu + bare_server) / args.rows * 1e6, 1),
        "django_bulk_create_s": round(django_s, 2) if django_s else None,
        "django_bulk_create_rows_per_s": round(args.rows / django_s, 1) if django_s else None,
        "peak_rss_mib": round(rss_peak / 1024, 1),
        "rss_before_import_mib": round(rss_before / 1024, 1),
        "created": summary["created"], "rejected": len(summary["rejected"]),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs",
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }
    print(f"rows                     {args.rows:>12,}  ({vendor})")
    print(f"validated import         {validated_s:>10.2f} s  {validated_rate:>10,.0f} rows/s")
    print(f"bare insert (same rows)  {bare_s:>10.2f} s  {bare_rate:>10,.0f} rows/s")
    print(f"bare / validated         {bare_rate / validated_rate:>10.2f} ×")
    print(f"CPU (this process)       {validated_cpu:>10.2f} s validated, {bare_cpu:.2f} s bare")
    print(f"CPU (parser process)     {parser_cpu:>10.2f} s, peak RSS {parser_rss / 1024:.1f} MiB")
    print(f"CPU (database server)    {validated_server:>10.2f} s validated, "
          f"{bare_server:.2f} s bare")
    if django_s:
        django_rate = args.rows / django_s
        print(f"Django bulk_create       {django_s:>10.2f} s  {django_rate:>10,.0f} rows/s")
    print(f"peak RSS                 {rss_peak / 1024:>10.1f} MiB")
    print(f"load average             {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print("RESULT " + json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
