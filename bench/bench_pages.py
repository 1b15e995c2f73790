"""Benchmark the staff pages at scale: each page through Django's test client, median and p95.

    .venv/bin/python -m bench.bench_pages
    .venv/bin/python -m bench.bench_pages --records 1000 --waiting 10000 --entries 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench_pages \\
        .venv/bin/python -m bench.bench_pages
    .venv/bin/python -m bench.bench_pages --reuse \\
        --before-url sqlite:////tmp/hc_bench_pages_before.sqlite3

Why it exists: issue 14 asks that the subject page of a subject with 1,000 records, the review
queue with 10,000 records waiting and each list page answer in under 300 ms. Query-count tests
(`records/tests/test_page_queries.py`, `lists/tests/test_page_queries.py`) prove the pages do
not query per row; this measures how long they take with realistic volumes, as a reviewer sees
them (login, session, middleware, template). It fills a dedicated database (default
/tmp/hc_bench_pages.sqlite3; the name must contain "bench") with rows written directly
(`bulk_create`: the services' audit trail is not what is measured), then for each page makes
one warm-up request and `--runs` timed ones, and reports median, p95 and the query count of
the last request. The goal is absolute (300 ms), so the machine and its load average are
printed with the figures. `--before-url` names a second database holding the same data without
the change under test (a copy with an index dropped, say): every page is then also timed on it,
interleaved request by request with this one, so that before and now meet the same load on a
shared machine (`RESULT` `"compared"`). `--before-code DIR` names a checkout of the code before
a change (`git archive COMMIT | tar -x -C DIR`): every page is then also served by that code in
a child process (`bench/page_server.py`) on the same database, interleaved request by request
with this code (`RESULT` `"compared_code"`). The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.bench_search import configure, reset_database

DEFAULT_URL = "sqlite:////tmp/hc_bench_pages.sqlite3"
GOAL_MS = 300.0
TODAY = dt.date(2026, 12, 1)


def add_list_rows(*, n: int, start: int, clerk: Any, department: Any, record_type: Any,
                  ground: Any, every: int = 10) -> None:
    """`n` new subjects, each with an effective record and one entry in each list: black list
    (in force, proven by the record), red list, key supervision, industry sanction; every
    `every`-th also a typical case, an objection to each of its list entries and a repair
    request. Rows are written directly (`bulk_create`): what is measured is reading them.
    The query-count tests call this with small `n` (`lists/tests/test_page_queries.py`)."""
    from django.db import transaction

    from lists.models import (
        BlackListEntry,
        BlackState,
        IndustrySanction,
        KeyRule,
        KeyState,
        KeySupervisionEntry,
        Objection,
        RedListEntry,
        RedState,
        RepairRequest,
        SanctionState,
        TypicalCase,
    )
    from records.models import CreditRecord, RecordState
    from subjects.models import Subject, SubjectName

    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    idx = range(start, start + n)
    with transaction.atomic():
        subjects = Subject.objects.bulk_create(
            Subject(kind="enterprise", code=f"BENCHL{i:012d}", name=f"福州名单{i:06d}物业有限公司",
                    category="property_service", established_on=dt.date(2015, 1, 1))
            for i in idx)
        SubjectName.objects.bulk_create(
            SubjectName(subject=s, name=s.name, valid_from=dt.date(2015, 1, 1)) for s in subjects)
        listed = CreditRecord.objects.bulk_create(
            make_record(subject=s, n=1_000_000 + i, state=RecordState.EFFECTIVE, clerk=clerk,
                        department=department, record_type=record_type)
            for s, i in zip(subjects, idx, strict=True))
        black = BlackListEntry.objects.bulk_create(
            BlackListEntry(subject=s, ground=ground, department=department,
                           facts="以虚假材料取得资质。", proposed_by=clerk, proposed_at=now,
                           decided_on=TODAY, decision_number=f"住建信〔2026〕{i}号",
                           effective_from=TODAY, effective_until=TODAY + dt.timedelta(days=365),
                           state=BlackState.IN_FORCE)
            for s, i in zip(subjects, idx, strict=True))
        BlackListEntry.records.through.objects.bulk_create(
            BlackListEntry.records.through(blacklistentry_id=e.pk, creditrecord_id=r.pk)
            for e, r in zip(black, listed, strict=True))
        red = RedListEntry.objects.bulk_create(
            RedListEntry(subject=s, source="department", department=department,
                         reasons="连续三年信用评价为A级。", nominated_by=clerk, nominated_at=now,
                         effective_from=TODAY, effective_until=TODAY + dt.timedelta(days=365),
                         commendation="notice", state=RedState.IN_FORCE)
            for s in subjects)
        KeySupervisionEntry.objects.bulk_create(
            KeySupervisionEntry(subject=s, rule=KeyRule.values[0], reason="信用等级为D。",
                                grade="D", measures=["增加检查频次"], entered_on=TODAY,
                                state=KeyState.IN_FORCE)
            for s in subjects)
        IndustrySanction.objects.bulk_create(
            IndustrySanction(subject=s, kind=IndustrySanction.Kind.values[0],
                             scope=IndustrySanction.Scope.values[0], grounds="未按规定履行义务。",
                             legal_basis="《物业管理条例》", document_number=f"基准处〔2026〕{i}号",
                             occurred_on=TODAY, department=department, proposed_by=clerk,
                             proposed_at=now, state=SanctionState.values[0])
            for s, i in zip(subjects, idx, strict=True))
        some = [k for k, i in enumerate(idx) if i % every == 0]
        cases = TypicalCase.objects.bulk_create(
            TypicalCase(title=f"基准典型案例{idx[k]}", kind=TypicalCase.Kind.values[0],
                        body="案情。", department=department, author=clerk)
            for k in some)
        TypicalCase.subjects.through.objects.bulk_create(
            TypicalCase.subjects.through(typicalcase_id=c.pk, subject_id=subjects[k].pk)
            for c, k in zip(cases, some, strict=True))
        Objection.objects.bulk_create(
            [Objection(black_entry=black[k], objector=subjects[k].name, grounds="事实有误。",
                       filed_on=TODAY, reply_due_on=TODAY + dt.timedelta(days=10),
                       registered_by=clerk, suspends=False) for k in some]
            + [Objection(red_entry=red[k], objector=subjects[k].name, grounds="不符合条件。",
                         filed_on=TODAY, reply_due_on=TODAY + dt.timedelta(days=10),
                         registered_by=clerk, suspends=False) for k in some])
        RepairRequest.objects.bulk_create(
            RepairRequest(entry=black[k], proof="已整改完毕。", commitment="承诺守信经营。",
                          filed_on=TODAY, decision_due_on=TODAY + dt.timedelta(days=15),
                          registered_by=clerk)
            for k in some)


def make_record(*, subject: Any, n: int, state: str, clerk: Any, department: Any,
                record_type: Any) -> Any:
    """An unsaved credit record of `subject` (for bulk_create), numbered `n`."""
    from records.models import CreditRecord

    return CreditRecord(
        subject=subject, record_type=record_type, occurred_on=TODAY - dt.timedelta(days=400),
        decided_on=TODAY - dt.timedelta(days=n % 300), document_number=f"基准罚〔2026〕{n}号",
        source_department=department, publicity_ends_on=TODAY + dt.timedelta(days=365),
        state=state, created_by=clerk, submitted_by=clerk,
        submitted_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC) - dt.timedelta(minutes=n),
        amount=Decimal("5000"))


def seed(*, records: int, waiting: int, entries: int) -> None:
    """Departments, a reviewer, one subject with `records` effective records, `waiting`
    submitted records spread over 2,000 other subjects, and `entries` rows in each list
    (`add_list_rows`)."""
    from django.db import transaction

    from accounts.models import Department, Role, User
    from lists.models import BlacklistGround
    from records.models import CreditRecord, RecordState, RecordType
    from subjects.models import Subject, SubjectName

    lead = Department.objects.create(code="lead", name="住房保障中心", kind="lead")
    unit = Department.objects.create(code="fgs", name="房地产市场管理股", kind="cooperating")
    clerk = User.objects.create_user(username="clerk", password="x", role=Role.CLERK,
                                     department=unit)
    User.objects.create_user(username="reviewer", password="x", role=Role.LEAD_REVIEWER,
                             department=lead)
    fine = RecordType.objects.filter(polarity="bad", is_active=True).order_by("code").first()
    ground = BlacklistGround.objects.first() or BlacklistGround.objects.create(
        code="bench", name="基准事由", legal_basis="建市〔2017〕241号", record_type_codes=[])
    with transaction.atomic():
        subjects = Subject.objects.bulk_create(
            Subject(kind="enterprise", code=f"BENCHP{i:012d}", name=f"福州基准{i:06d}物业有限公司",
                    category="property_service", established_on=dt.date(2015, 1, 1))
            for i in range(2001))
        SubjectName.objects.bulk_create(
            SubjectName(subject=s, name=s.name, valid_from=dt.date(2015, 1, 1))
            for s in subjects)
        main, others = subjects[0], subjects[1:]
        common = {"clerk": clerk, "department": unit, "record_type": fine}
        CreditRecord.objects.bulk_create(
            (make_record(subject=main, n=i, state=RecordState.EFFECTIVE, **common)
             for i in range(records)), batch_size=2000)
        CreditRecord.objects.bulk_create(
            (make_record(subject=others[i % len(others)], n=records + i,
                         state=RecordState.SUBMITTED, **common)
             for i in range(waiting)), batch_size=2000)
    for chunk in range(0, entries, 5000):
        add_list_rows(n=min(5000, entries - chunk), start=chunk, ground=ground, **common)


def pages(subject_pk: int) -> list[tuple[str, str]]:
    from django.urls import reverse

    return [
        ("subject page (1 subject's records)", reverse("subjects:detail", args=[subject_pk])),
        ("review queue", reverse("records:reviews")),
        ("records list", reverse("records:list")),
        ("lists workbench", reverse("lists:workbench")),
        ("black list, in force", reverse("lists:black_list")),
        ("black list, open", reverse("lists:black_list") + "?tab=open"),
        ("red list, in force", reverse("lists:red_list")),
        ("key supervision", reverse("lists:key_list")),
        ("industry sanctions", reverse("lists:sanction_list")),
        ("typical cases", reverse("lists:case_list")),
        ("objections and repairs queue", reverse("appeals:queue")),
        ("subjects page", reverse("subjects:list")),
    ]


def summary(times: list[float], cpu_ms: float) -> dict[str, float]:
    """Median and p95 of wall milliseconds, and CPU milliseconds per run, rounded for print."""
    times = sorted(times)
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "cpu_ms": round(cpu_ms, 1)}


def timed(client: Any, url: str, runs: int) -> dict[str, Any]:
    """Warm-up request, then `runs` timed ones; median, p95 and the last one's query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    cpu0 = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cpu_ms = (time.process_time() - cpu0) * 1000 / runs
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return {**summary(times, cpu_ms),
            "queries": len(ctx.captured_queries), "bytes": len(response.content)}


def compare_databases(before_url: str, subject_code: str, runs: int
                      ) -> dict[str, dict[str, dict[str, float]]]:
    """Each page on `before_url` (the same data without a change under test: a copy without
    an index, say) and on this database, request by request interleaved in the same run, so
    that both meet the same load. Median and p95 wall ms, CPU ms of this process (on SQLite
    that includes the database's own work), per database and page."""
    from django.db import connections
    from django.test import Client

    from accounts.models import User
    from subjects.models import Subject

    parsed = urlparse(before_url)
    name = parsed.path if parsed.scheme.startswith("sqlite") else parsed.path.lstrip("/")
    if "bench" not in Path(name).name:
        raise SystemExit(f"refusing to use {before_url!r}: the database name must contain 'bench'")
    now_conn = connections["default"]
    settings = dict(now_conn.settings_dict)
    settings["NAME"] = name
    sides = {"before": now_conn.__class__(settings, alias="default"), "now": now_conn}
    clients, urls = {}, {}
    for side, conn in sides.items():
        connections["default"] = conn
        clients[side] = Client()
        clients[side].force_login(User.objects.get(username="reviewer"))
        urls[side] = dict(pages(Subject.objects.get(code=subject_code).pk))
    out: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for label in urls["now"]:
            walls: dict[str, list[float]] = {side: [] for side in sides}
            cpus = dict.fromkeys(sides, 0.0)
            for side, conn in sides.items():  # warm-up
                connections["default"] = conn
                assert clients[side].get(urls[side][label]).status_code == 200
            for _ in range(runs):
                for side, conn in sides.items():
                    connections["default"] = conn
                    start, cpu0 = time.perf_counter(), time.process_time()
                    response = clients[side].get(urls[side][label])
                    walls[side].append((time.perf_counter() - start) * 1000)
                    cpus[side] += time.process_time() - cpu0
                    assert response.status_code == 200, (side, label, response.status_code)
            out[label] = {side: summary(times, cpus[side] * 1000 / runs)
                          for side, times in walls.items()}
    finally:
        connections["default"] = now_conn
        sides["before"].close()
    return out


def compare_code(before_dir: str, database_url: str, subject_code: str, runs: int
                 ) -> dict[str, dict[str, dict[str, float]]]:
    """Each page served by the code in `before_dir` (a child process, `bench/page_server.py`)
    and by this code, on the same database, request by request interleaved in the same run.
    Median and p95 wall ms, CPU ms of the serving process, per side and page."""
    import subprocess
    import sys

    from django.test import Client

    from accounts.models import User
    from subjects.models import Subject

    server = Path(__file__).with_name("page_server.py")
    child = subprocess.Popen(  # noqa: S603 (our own script, our own interpreter)
        [sys.executable, str(server), database_url, TODAY.isoformat()], cwd=before_dir,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    assert json.loads(child.stdout.readline()).get("ready")

    def before(url: str) -> tuple[float, float]:
        child.stdin.write(url + "\n")
        child.stdin.flush()
        answer = json.loads(child.stdout.readline())
        assert answer["status"] == 200, ("before", url, answer)
        return answer["wall_ms"], answer["cpu_ms"]

    client = Client()
    client.force_login(User.objects.get(username="reviewer"))

    def now(url: str) -> tuple[float, float]:
        start, cpu0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        assert response.status_code == 200, ("now", url, response.status_code)
        return (time.perf_counter() - start) * 1000, (time.process_time() - cpu0) * 1000

    sides = {"before": before, "now": now}
    out: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for label, url in pages(Subject.objects.get(code=subject_code).pk):
            walls: dict[str, list[float]] = {side: [] for side in sides}
            cpus = dict.fromkeys(sides, 0.0)
            for fn in sides.values():  # warm-up
                fn(url)
            for _ in range(runs):
                for side, fn in sides.items():
                    wall, cpu = fn(url)
                    walls[side].append(wall)
                    cpus[side] += cpu
            out[label] = {side: summary(times, cpus[side] / runs)
                          for side, times in walls.items()}
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    return out


def _interleaved(fns: dict[str, Any], runs: int) -> dict[str, dict[str, float]]:
    """Each function `runs` times, interleaved run by run: median and p95 wall ms, CPU ms of
    this process (on SQLite that includes the database's own work)."""
    walls: dict[str, list[float]] = {name: [] for name in fns}
    cpus: dict[str, float] = dict.fromkeys(fns, 0.0)
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(runs):
        for name, fn in fns.items():
            start, cpu0 = time.perf_counter(), time.process_time()
            fn()
            walls[name].append((time.perf_counter() - start) * 1000)
            cpus[name] += time.process_time() - cpu0
    return {name: summary(times, cpus[name] * 1000 / runs) for name, times in walls.items()}


def workbench_reference(user: Any, runs: int) -> dict[str, dict[str, float]]:
    """The lists workbench's steps, before and now, in the same run, interleaved: every open
    step built in Python then paged (`pending_steps`, what the page did before) against the
    page read from the database (`pending_steps_page`)."""
    from django.core.paginator import Paginator

    from lists.selectors import pending_steps, pending_steps_page

    def before() -> Any:
        steps = pending_steps(user=user)
        return (Paginator(steps, 50).get_page(1).object_list, sum(1 for s in steps if s.overdue))

    def now() -> Any:
        return pending_steps_page(user=user, page=1, per_page=50)

    return _interleaved({"before": before, "now": now}, runs)


def home_reference(user: Any, runs: int) -> dict[str, dict[str, float]]:
    """The staff home page's due-process box (and the monitoring page's due steps), before and
    now, same run, interleaved: every open step built and filtered in Python against only the
    steps due by the horizon built (`staff_steps_due`)."""
    from lists.selectors import pending_steps, staff_steps_due
    from workbench.notify import notice_horizon

    until = notice_horizon(as_of=TODAY)

    def before() -> Any:
        dated = [s for s in pending_steps(user=user) if s.due is not None and s.waiting_for_staff]
        return [s for s in dated if s.due <= until], sum(1 for s in dated if s.due > until)

    def now() -> Any:
        return staff_steps_due(user=user, until=until)

    return _interleaved({"before": before, "now": now}, runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records of the one subject")
    parser.add_argument("--waiting", type=int, default=10_000, help="records waiting for review")
    parser.add_argument("--entries", type=int, default=2000,
                        help="entries in each list (a tenth as many cases, objections, repairs)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already filled database (seeded by an earlier run)")
    parser.add_argument("--seed-only", action="store_true",
                        help="fill the database and stop (seed outside the benchmark lock)")
    parser.add_argument("--before-url", default="",
                        help="a second database with the same data (e.g. a copy without the "
                             "index under test): every page is also timed on it, interleaved "
                             "request by request with this one, in the same run")
    parser.add_argument("--before-code", default="",
                        help="a checkout of the code before a change: every page is also served "
                             "by it (a child process, same database), interleaved request by "
                             "request with this code, in the same run")
    args = parser.parse_args(argv)

    configure(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from common import clock
    from subjects.models import Subject

    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    filled = False
    if args.reuse:
        try:
            filled = Subject.objects.filter(code="BENCHP000000000000").exists()
        except Exception:
            filled = False
    if not filled:
        connection.close()
        reset_database(args.database_url)
        call_command("migrate", verbosity=0)
        call_command("loaddata", "record_types", verbosity=0)
        start = time.perf_counter()
        seed(records=args.records, waiting=args.waiting, entries=args.entries)
        print(f"seeded in {time.perf_counter() - start:.1f} s: {args.records:,} records of one "
              f"subject, {args.waiting:,} waiting, {args.entries:,} entries per list")
        if connection.vendor == "postgresql":
            # A running database's autovacuum analyses tables this size within a minute; a
            # page timed before that is planned from empty-table guesses (the review queue
            # joined and sorted all 10,000 waiting records: 300 ms instead of 3).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    if args.seed_only:
        return
    subject = Subject.objects.get(code="BENCHP000000000000")
    reviewer = User.objects.get(username="reviewer")
    setup_test_environment()  # the test client's template capture, as in the tests
    client = Client()
    client.force_login(reviewer)
    figures: dict[str, dict[str, Any]] = {}
    print(f"load average before timing: {os.getloadavg()[0]:.1f}")
    print(f"{'page':<38}{'median ms':>10}{'p95 ms':>9}{'CPU ms':>8}{'queries':>9}{'KiB':>8}")
    with clock.frozen_at(TODAY):
        for label, url in pages(subject.pk):
            figures[label] = f = timed(client, url, args.runs)
            print(f"{label:<38}{f['median_ms']:>10.1f}{f['p95_ms']:>9.1f}{f['cpu_ms']:>8.1f}"
                  f"{f['queries']:>9}{f['bytes'] / 1024:>8.0f}")
        reference = workbench_reference(reviewer, args.runs)
        home = home_reference(reviewer, args.runs)
        compared = (compare_databases(args.before_url, subject.code, args.runs)
                    if args.before_url else {})
        compared_code = (compare_code(args.before_code, args.database_url, subject.code,
                                      args.runs) if args.before_code else {})
    print(f"load average after the pages: {os.getloadavg()[0]:.1f}")
    print("lists workbench steps, same run, interleaved (median / p95 wall ms, CPU ms):")
    for name, f in reference.items():
        print(f"  {name:<8}{f['median_ms']:>9.1f}{f['p95_ms']:>9.1f}{f['cpu_ms']:>9.1f}")
    print("home page's due steps, same run, interleaved (median / p95 wall ms, CPU ms):")
    for name, f in home.items():
        print(f"  {name:<8}{f['median_ms']:>9.1f}{f['p95_ms']:>9.1f}{f['cpu_ms']:>9.1f}")
    for pairs, title in (
            (compared, f"each page on {args.before_url} (before) and here (now), same run"),
            (compared_code, f"each page served by the code in {args.before_code} (before) and "
                            "by this code (now), same database, same run")):
        if pairs:
            print(f"{title}, interleaved (median / p95 wall ms, CPU ms):")
            for label, f in pairs.items():
                b, n = f["before"], f["now"]
                print(f"  {label:<38}{b['median_ms']:>8.1f}{b['p95_ms']:>8.1f}"
                      f"{b['cpu_ms']:>7.1f}   {n['median_ms']:>8.1f}{n['p95_ms']:>8.1f}"
                      f"{n['cpu_ms']:>7.1f}")
    worst = max(f["p95_ms"] for f in figures.values())
    print("RESULT " + json.dumps({
        "db": connection.vendor, "records": args.records, "waiting": args.waiting,
        "entries": args.entries, "runs": args.runs, "goal_ms": GOAL_MS,
        "p95_max_ms": worst, "all_under_goal": worst < GOAL_MS,
        "pages": figures, "workbench_steps": reference, "home_steps": home,
        **({"before_url": args.before_url, "compared": compared} if compared else {}),
        **({"before_code": args.before_code, "compared_code": compared_code}
           if compared_code else {}),
        "workbench_steps_cpu_ratio": round(reference["now"]["cpu_ms"]
                                           / max(reference["before"]["cpu_ms"], 0.1), 2),
        "load_avg": os.getloadavg(),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs",
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        ensure_ascii=False))


if __name__ == "__main__":
    main()
