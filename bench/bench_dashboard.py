"""Benchmark the statistics dashboard at a province's size, against a bare COUNT(*) in the
same run.

    .venv/bin/python -m bench.bench_dashboard --subjects 1000000 --records 10000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench_dashboard \\
        .venv/bin/python -m bench.bench_dashboard --subjects 1000000 --records 10000000

It fills a dedicated database (default /tmp/hc_bench_dashboard.sqlite3; the name must contain
"bench") with synthetic subjects, records, evaluation batches, credit checks and measures,
generated inside the database (one INSERT … SELECT per table), takes the statistics snapshot
(`monitoring.snapshots.take_snapshot`, timed), then times, each as the median of `--repeat`
runs, a bare `SELECT COUNT(*)` over the records, the dashboard page (all sections, rendered
for a leader), the same page filtered by department and category, a drill-down page and
`GET /api/v1/statistics/overview`. Each page's ratio to the bare count is printed; the last
line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.bench_search import configure, reset_database

DEFAULT_URL = "sqlite:////tmp/hc_bench_dashboard.sqlite3"
CATEGORIES = ["developer", "property_service", "brokerage", "rental", "builder", "practitioner"]
DEPARTMENTS = 24


def _series(n: int) -> str:
    """A relation `g(i)` of the integers 1..n."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series(CAST(1 AS bigint), {int(n)}) AS g(i)"
    return (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)})"
            f" SELECT i FROM s) AS g")


def _date_plus(base: str, days_expr: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(DATE '{base}' + CAST({days_expr} AS integer))"
    return f"date('{base}', '+' || ({days_expr}) || ' days')"


def _stamp_plus(base: str, days_expr: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(TIMESTAMPTZ '{base} 02:00:00+00' + ({days_expr}) * INTERVAL '1 day')"
    return f"datetime('{base} 02:00:00', '+' || ({days_expr}) || ' days')"


def _execute(sql: str, params: list | None = None) -> None:
    """Run generated SQL; with parameters, the modulo operator is escaped for the driver."""
    from django.db import connection

    with connection.cursor() as cursor:
        if params:
            cursor.execute(sql.replace(" % ", " %% "), params)
        else:
            cursor.execute(sql)


def fill(*, subjects: int, records: int, checks: int) -> dict[str, Any]:
    """Generate the county inside the database; returns what the timings need."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Department, Role, User
    from approvals.catalogue import install_current
    from approvals.models import Matter, Measure, RuleSet
    from records.models import RecordType
    from scoring.engine import spec_of
    from scoring.models import CurrentBatch, EvaluationBatch
    from scoring.services import install_shipped_models

    call_command("loaddata", "record_types", verbosity=0)
    install_current()
    models = {m.category: m for m in install_shipped_models(publish=True)}
    lead = Department.objects.create(code="lead", name="牵头部门", kind="lead")
    departments = [lead] + [Department.objects.create(code=f"d{n:02d}", name=f"协同部门{n:02d}",
                                                      kind="cooperating")
                            for n in range(1, DEPARTMENTS - 1)]
    departments.append(Department.objects.create(code="ext", name="公共信用平台",
                                                  kind="external"))
    leader = User.objects.create(username="bench_leader", role=Role.LEADER, department=lead)
    clerk = User.objects.create(username="bench_clerk", role=Role.CLERK, department=lead)
    dept_ids = [d.pk for d in departments]
    assert dept_ids == list(range(dept_ids[0], dept_ids[0] + len(dept_ids)))
    type_ids = sorted(RecordType.objects.values_list("pk", flat=True))
    assert type_ids == list(range(type_ids[0], type_ids[0] + len(type_ids)))

    timings: dict[str, float] = {}
    started = time.perf_counter()
    cats = " ".join(f"WHEN {n} THEN '{c}'" for n, c in enumerate(CATEGORIES))
    category = f"CASE (i % {len(CATEGORIES)}) {cats} END"
    kind = f"CASE WHEN (i % {len(CATEGORIES)}) = 5 THEN 'individual' ELSE 'enterprise' END"
    code = ("'B' || lpad(CAST(i AS text), 17, '0')" if connection.vendor == "postgresql"
            else "printf('B%017d', i)")
    now = "CURRENT_TIMESTAMP"
    _execute(
        "INSERT INTO subjects_subject (id, kind, code, name, category, status, "
        "legal_representative, address, contact_phone, qualification, established_on, "
        "code_warning, created_at, updated_at) "
        f"SELECT i, {kind}, {code}, 'bench' || i, {category}, 'active', '', '', '', '', "
        f"{_date_plus('2010-01-01', 'i % 3000')}, '', {now}, {now} FROM {_series(subjects)}")
    timings["fill_subjects_s"] = time.perf_counter() - started

    started = time.perf_counter()
    decided = _date_plus("2024-01-01", "i % 1000")
    state = ("CASE WHEN i % 50 = 0 THEN 'submitted' WHEN i % 97 = 0 THEN 'rejected' "
             "ELSE 'effective' END")
    _execute(
        "INSERT INTO records_creditrecord (subject_id, record_type_id, occurred_on, decided_on, "
        "document_number, source_department_id, description, level, internal_note, is_public, "
        "publicity_ends_on, state, version, created_by_id, submitted_at, review_comment, "
        "created_at, updated_at) "
        f"SELECT 1 + (i * 7919) % {subjects}, {type_ids[0]} + i % {len(type_ids)}, {decided}, "
        f"{decided}, 'BENCH-' || i, {dept_ids[0]} + i % {len(dept_ids)}, '', '', '', %s, "
        f"{_date_plus('2027-01-01', 'i % 1000')}, {state}, 1, %s, "
        f"{_stamp_plus('2024-01-01', '(i % 1000) + (i % 13)')}, '', "
        f"{_stamp_plus('2024-01-01', '(i % 1000) + (i % 13)')}, {now} FROM {_series(records)}",
        [True, clerk.pk])
    timings["fill_records_s"] = time.perf_counter() - started

    started = time.perf_counter()
    for batch_date in (dt.date(2026, 6, 30), dt.date(2026, 9, 30)):
        for cat, model in models.items():
            names = list(spec_of(model).all_grade_names)
            batch = EvaluationBatch.objects.create(
                model=model, category=cat, as_of=batch_date, status="complete",
                started_at=dt.datetime.now(dt.UTC), finished_at=dt.datetime.now(dt.UTC))
            shift = batch_date.month  # the two batches spread grades differently
            whens = " ".join(f"WHEN {n} THEN '{g}'" for n, g in enumerate(names))
            grade = f"CASE ((s.id + {shift}) % {len(names)}) {whens} END"
            _execute("INSERT INTO scoring_evaluation (batch_id, subject_id, score, grade, veto) "
                     f"SELECT %s, s.id, 80, {grade}, '' FROM subjects_subject s "
                     "WHERE s.category = %s", [batch.pk, cat])
            CurrentBatch.objects.update_or_create(
                category=cat, defaults={"batch": batch, "switched_at": dt.datetime.now(dt.UTC)})
    timings["fill_evaluations_s"] = time.perf_counter() - started

    started = time.perf_counter()
    matter = Matter.objects.filter(is_active=True).first()
    rule_set = RuleSet.objects.order_by("-version").first()
    measures = list(Measure.objects.order_by("pk")[:4])
    checked = _stamp_plus("2025-01-01", "i % 600")
    _execute(
        "INSERT INTO approvals_creditcheck (number, subject_id, matter_id, asked_by_id, "
        "department_id, via, token_label, checked_at, as_of, grade, model_label, rule_set_id, "
        "accept_with_missing, result, needs_feedback, feedback_due_on, feedback_note) "
        f"SELECT 'BENCH-' || i, 1 + (i * 31) % {subjects}, %s, %s, "
        f"{dept_ids[0]} + i % {len(dept_ids) - 3}, 'workbench', '', {checked}, "
        f"{_date_plus('2025-01-01', 'i % 600')}, '', '', %s, %s, '{{}}', %s, "
        f"{_date_plus('2025-01-20', 'i % 600')}, '' FROM {_series(checks)}",
        [matter.pk, clerk.pk, rule_set.pk, False, True])
    for n, m in enumerate(measures[:2]):
        applied = "CASE c.id % 3 WHEN 0 THEN %s WHEN 1 THEN NULL ELSE %s END"
        _execute(
            "INSERT INTO approvals_checkmeasure (credit_check_id, measure_id, code, name, kind, "
            f"applied, reason) SELECT c.id, %s, %s, %s, %s, {applied}, "
            "CASE c.id % 3 WHEN 2 THEN '不适用' ELSE '' END FROM approvals_creditcheck c "
            "WHERE c.id % 2 = %s",
            [m.pk, m.code, m.name, m.kind, True, False, n])
    timings["fill_checks_s"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        _execute("ANALYZE")
    return {"leader": leader, "department": departments[3].pk, "timings": timings}


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=0,
                        help="credit checks (default: records / 20)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true",
                        help="time the pages on the database a previous run filled (no refill, "
                             "no new snapshot)")
    args = parser.parse_args(argv)
    if "bench" not in args.url.rsplit("/", 1)[-1]:
        sys.exit(f"refusing to use {args.url!r}: the database name must contain 'bench'")
    if not args.reuse:
        reset_database(args.url)
    configure(args.url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.api_tokens import token_issue
    from accounts.models import Department, User
    from monitoring.models import SnapshotRun
    from monitoring.snapshots import take_snapshot
    from records.models import CreditRecord
    from subjects.models import Subject

    if args.reuse:
        args.subjects, args.records = Subject.objects.count(), CreditRecord.objects.count()
        from approvals.models import CreditCheck

        checks = CreditCheck.objects.count()
        state = {"leader": User.objects.get(username="bench_leader"),
                 "department": Department.objects.get(code="d03").pk, "timings": {}}
        run = SnapshotRun.objects.get(day=dt.date(2026, 12, 1))
        snapshot_s, snapshot_rows = run.duration_ms / 1000, run.rows
    else:
        call_command("migrate", verbosity=0)
        checks = args.checks or max(args.records // 20, 1)
        state = fill(subjects=args.subjects, records=args.records, checks=checks)
        started = time.perf_counter()
        snapshot_rows = take_snapshot(day=dt.date(2026, 12, 1)).rows
        snapshot_s = time.perf_counter() - started

    client = Client()
    client.force_login(state["leader"])
    _token, plaintext = token_issue(actor=None, department=Department.objects.get(code="lead"),
                                    name="bench", scopes=["statistics:read"])

    def get(url: str, **headers: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(url, **headers)
            assert response.status_code == 200, (url, response.status_code)
        return run

    def bare_count() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM records_creditrecord")
            cursor.fetchone()

    pages = {
        "dashboard": get("/monitoring/"),
        "dashboard_filtered": get(f"/monitoring/?department={state['department']}"
                                  "&category=property_service&month_from=2024-06"
                                  "&month_to=2025-06"),
        "drill_records": get(f"/monitoring/records/?department={state['department']}"
                             "&month_from=2025-01&month_to=2025-01"),
        "drill_records_late": get(f"/monitoring/records/?department={state['department']}"
                                  "&late=1"),
        "drill_subjects": get("/monitoring/subjects/?category=property_service&grade=C"),
        "api_overview": get("/api/v1/statistics/overview",
                            HTTP_AUTHORIZATION=f"Bearer {plaintext}"),
    }
    reference = median_ms(bare_count, args.repeat)
    figures = {name: median_ms(fn, args.repeat) for name, fn in pages.items()}
    print(f"database: {connection.vendor}; {args.subjects:,} subjects, {args.records:,} records, "
          f"{checks:,} checks; {platform.processor() or platform.machine()}")
    for key, value in state["timings"].items():
        print(f"  {key}: {value:.1f}")
    print(f"snapshot: {snapshot_s:.1f} s, {snapshot_rows:,} rows")
    print(f"bare COUNT(*) over records: {reference:.1f} ms")
    for name, value in figures.items():
        print(f"{name:>20}: {value:8.1f} ms  ratio to COUNT(*) {value / reference:6.2f}")
    result = {
        "database": connection.vendor, "subjects": args.subjects, "records": args.records,
        "checks": checks, "snapshot_s": round(snapshot_s, 2), "snapshot_rows": snapshot_rows,
        "bare_count_ms": round(reference, 2),
        **{f"{k}_ms": round(v, 2) for k, v in figures.items()},
        **{f"{k}_ratio": round(v / reference, 3) for k, v in figures.items()},
        "max_page_ms": round(max(figures.values()), 2),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
