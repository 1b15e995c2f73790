"""Benchmark what weighting by kind of source (`[sources]`) costs the set-based evaluation.

    .venv/bin/python -m bench.bench_source_weights --phase prepare --db sqlite   # outside the lock
    flock /tmp/bench.lock .venv/bin/python -m bench.bench_source_weights --phase measure --db sqlite

The same records (the scoring benchmark's generator: subjects of five categories, records in
arrival order; 5 % of them from a rating agency, 5 % from an industry association) are
evaluated by the shipped models in three forms, in one process, interleaved, best of 3 each:

- `all_full`: every kind of source weighted 1 (what a version stored before `[sources]` means):
  the statement the engine compiled before weighting existed — the baseline;
- `default`: the shipped choice (government 1, rating agency 0, association 0): records of the
  two third-party departments are filtered out of the scan;
- `partial`: rating agency 0.5, association 0.5: a weight column per record, applied after decay.

Each is the full evaluation statement of every category with a shipped model (record pass and
subject pass) as one `SELECT count(*), sum(score)`, nothing written, so only the compiled SQL
differs; plus the one-subject statement (`compute_rows(subject_id=…)`, what a record approval
runs) for 200 subjects, median. The last line is `RESULT {json}` with the ratios to `all_full`
and the machine. Databases: ./var/bench/weights.sqlite3 and BENCH_PG_URL (default
…/hc_bench_weights); a database that already holds the requested counts is reused.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import bench_scoring

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = bench_scoring.BENCH_DIR / "weights.sqlite3"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hc_bench_weights")
AS_OF = bench_scoring.AS_OF
SHARES = (("rating_agency", 10), ("association", 20))  # every 10th record, every 20th


def url_for(db: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if db == "sqlite" else PG_URL


def phase_prepare(args: argparse.Namespace) -> dict[str, Any]:
    bench_scoring.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = url_for(args.db)
    if args.db == "postgres":
        bench_scoring.ensure_pg_database(url)
    bench_scoring.configure(url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count

    from accounts.models import Department
    from records.models import CreditRecord, RecordType
    from scoring.services import install_shipped_models

    call_command("migrate", verbosity=0)
    if not RecordType.objects.exists():
        call_command("loaddata", "record_types", verbosity=0)
    have = bench_scoring.counts()
    if have == (0, 0):
        print(f"  generating {args.subjects:,} subjects and {args.records:,} records …",
              flush=True)
        bench_scoring.generate(args.subjects, args.records)
    elif have != (args.subjects, args.records):
        raise SystemExit(f"{url} holds {have}; remove it or ask for those counts")
    install_shipped_models(publish=True)
    table = CreditRecord._meta.db_table
    with transaction.atomic():
        for kind, every in SHARES:
            dept, _new = Department.objects.get_or_create(code=f"bench-{kind}", defaults={
                "name": f"基准测试{kind}", "kind": Department.Kind.EXTERNAL,
                "source_kind": kind})
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET source_department_id = %s "
                               f"WHERE id %% {every} = 0", [dept.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    by_kind = dict(CreditRecord.objects.values_list("source_department__source_kind")
                   .annotate(n=Count("id")).order_by())
    print(f"  records by kind of source: {by_kind}", flush=True)
    return {"subjects": args.subjects, "records": args.records, "by_kind": by_kind}


def phase_measure(args: argparse.Namespace) -> dict[str, Any]:
    bench_scoring.configure(url_for(args.db))
    from django.db import connection

    from scoring.engine import compute_rows, model_in_effect, spec_of
    from scoring.language import LEGACY_SOURCE_WEIGHTS
    from scoring.sqlcompile import Compiler, Plan, dialect_for, load_catalogue
    from subjects.models import Subject

    connection.ensure_connection()
    categories = [c for c, _w in bench_scoring.CATEGORIES]
    shipped = [spec_of(m) for c in categories if (m := model_in_effect(category=c, as_of=AS_OF))]
    forms = {
        "all_full": [dataclasses.replace(s, sources=LEGACY_SOURCE_WEIGHTS) for s in shipped],
        "default": shipped,
        "partial": [dataclasses.replace(s, sources=(("government", 10_000),
                                                    ("rating_agency", 5000),
                                                    ("association", 5000))) for s in shipped],
    }
    catalogue = load_catalogue()

    def statement(specs: list) -> str:
        compiler = Compiler(plans=[Plan(spec=s, batch_id=n) for n, s in enumerate(specs)],
                            catalogue=catalogue, as_of=AS_OF,
                            dialect=dialect_for(connection.vendor))
        with_sql, select = compiler.compile()
        return f"{with_sql}\nSELECT COUNT(*), SUM(score) FROM ({select}) AS fin"

    sqls = {name: statement(specs) for name, specs in forms.items()}
    full: dict[str, float] = {}
    sums: dict[str, Any] = {}
    for _round in range(3):  # interleaved: a burst of load hits every form, not just one
        for name, sql in sqls.items():
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql)
                sums[name] = cursor.fetchone()
            full[name] = min(full.get(name, float("inf")), time.perf_counter() - t0)
            print(f"  {name}: {time.perf_counter() - t0:.2f} s {sums[name]}", flush=True)

    rng = random.Random(bench_scoring.SEED)
    top = Subject.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    graded = {s.category for s in shipped}
    subjects = list(Subject.objects.filter(
        pk__in=[rng.randrange(1, top + 1) for _ in range(2000)], category__in=graded)
        .values_list("pk", "category")[:200])
    one: dict[str, float] = {}
    for name, specs in forms.items():
        by_category = {s.category: s for s in specs}
        times = []
        for pk, category in subjects:
            t0 = time.perf_counter()
            compute_rows(specs=[by_category[category]], as_of=AS_OF, subject_id=pk,
                         catalogue=catalogue)
            times.append((time.perf_counter() - t0) * 1000)
        one[name] = statistics.median(times)
        print(f"  one subject, {name}: {one[name]:.2f} ms median", flush=True)
    return {"full_s": full, "one_subject_ms": one, "sums": sums,
            "ratios": {name: round(full[name] / full["all_full"], 3) for name in full},
            "one_subject_ratios": {name: round(one[name] / one["all_full"], 3) for name in one}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["prepare", "measure"], required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = (phase_prepare if args.phase == "prepare" else phase_measure)(args)
    if args.phase == "measure":
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        result = {"db": args.db, "machine": bench_scoring.machine(), "loadavg": load,
                  "subjects": args.subjects, "records": args.records, **result}
    print("RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
