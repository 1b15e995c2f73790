"""Benchmark subject search at scale: indexed search against a plain LIKE scan, same run.

    .venv/bin/python -m bench.bench_search --subjects 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench_search \\
        .venv/bin/python -m bench.bench_search --subjects 1000000

Why it exists: ADR 0003 chose the search indexes by measurement; this reproduces the figures.
It fills a dedicated database (default: /tmp/hc_bench_search.sqlite3; the database name must
contain "bench", so the workbench's ./var database can never be the target), loads the rows
with the search indexes dropped, builds them through migration 0002 (timed), then times each
query through `search_subjects` and through the same code with the name match replaced by a
plain `LIKE '%q%'` scan. It checks that both return the same page and count.

Then, as users meet it, each query under `--concurrency` users (16: the issue's concurrent
users; each its own database connection) for `--seconds` each, with p50/p95 latency, and the
one-character query's p95 over the narrow four-character one's. `--think-ms` gives each user a
pause between searches, exponentially distributed around it (0, the default: back to back).
`--mode threads` runs the users as threads of this process (one GIL: they share one core's
worth of Python); `--mode processes` as that many forked processes, as users of a
multi-process server would be served; `all` runs both. `--orm-reference` measures, in the same
run and interleaved query by query, the same search through the ORM (`search_subjects_orm`,
the path before ADR 0003 §7), so that a ratio can be read on a loaded machine; CPU seconds of
the calling process(es) are reported beside wall time. Staff search (subjects page, API) and
the public portal search both call `search_subjects`, so this one figure serves both. The
last line is `RESULT {json}` with these figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEFAULT_URL = "sqlite:////tmp/hc_bench_search.sqlite3"
CHUNK = 50_000

CITIES = (
    "北京 上海 广州 深圳 福州 厦门 杭州 南京 成都 重庆 武汉 西安 天津 苏州 长沙 郑州 济南 青岛 "
    "合肥 南昌 昆明 贵阳 南宁 海口 泉州 宁波 无锡 佛山 东莞 珠海 大连 沈阳 长春 太原 兰州 银川 "
    "西宁 拉萨 莆田 漳州"
).split()
BRAND_CHARS = (
    "万科嘉和永盛华润恒大碧桂园保利融创龙湖金地世茂新城中海招商绿景瑞泰禾旭辉建业美鸿荣信达远洋"
    "宝隆鑫源丰泽通安居乐家宏兴昌祥福德顺佳益凯天成汇聚博誉锦绣东方明珠光阳星辰君豪雅富贵吉庆"
    "康宁平正弘毅"
)
BUSINESS = ("置业", "房地产开发", "物业服务", "物业管理", "房产经纪", "住房租赁", "建筑工程",
            "建设工程", "装饰工程", "资产管理")
CATEGORY_OF = {"置业": "developer", "房地产开发": "developer", "物业服务": "property_service",
               "物业管理": "property_service", "房产经纪": "brokerage", "住房租赁": "rental",
               "建筑工程": "builder", "建设工程": "builder", "装饰工程": "builder",
               "资产管理": "developer"}
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"

# (label, query). The brand 嘉和 is one of ~7,000 brand pairs: a typical selective query.
QUERIES = [
    ("exact code", None),  # filled with a real code, typed in lower case
    ("1 char  鑫", "鑫"),
    ("2 chars 嘉和", "嘉和"),
    ("2 chars 物业 (common)", "物业"),
    ("3 chars 嘉和物", "嘉和物"),
    ("4 chars 嘉和物业", "嘉和物业"),
    ("6 chars 福州嘉和物业", "福州嘉和物业"),
]


def configure(url: str) -> None:
    """Point Django at the benchmark database before anything imports settings."""
    parsed = urlparse(url)
    name = Path(parsed.path).name if parsed.scheme.startswith("sqlite") else parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {url!r}: the database name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("HC_DATA_DIR", "/tmp/hc_bench_data")
    Path(os.environ["HC_DATA_DIR"]).mkdir(parents=True, exist_ok=True)  # settings write nothing
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def reset_database(url: str) -> None:
    """Start from an empty database: delete the SQLite file, or drop and create the PG database."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    name = parsed.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def search_migration() -> Any:
    return importlib.import_module("subjects.migrations.0002_name_search")


def company_name(rng: random.Random) -> tuple[str, str]:
    business = rng.choice(BUSINESS)
    city = rng.choice(CITIES)
    city = city + "市" if rng.random() < 0.4 else city
    brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
    return f"{city}{brand}{business}{rng.choice(SUFFIXES)}", CATEGORY_OF[business]


def generate(n: int, seed: int = 20261125) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Chunks of (subject rows, name rows). 90 % enterprises, 10 % practitioners; 20 % of
    subjects carry one former name. Codes are unique 18-character strings, not valid codes."""
    rng = random.Random(seed)
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    name_id = 0
    for start in range(1, n + 1, CHUNK):
        subjects: list[tuple] = []
        names: list[tuple] = []
        for sid in range(start, min(start + CHUNK, n + 1)):
            if rng.random() < 0.1:
                kind, category = "individual", "practitioner"
                code = f"35010219{sid:09d}X"
                name = rng.choice(SURNAMES) + rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            else:
                kind = "enterprise"
                name, category = company_name(rng)
                code = f"91350100{sid:09d}Y"
                if rng.random() < 0.2:
                    name_id += 1
                    former, _ = company_name(rng)
                    names.append((name_id, sid, former, dt.date(2010, 1, 1), dt.date(2018, 6, 1)))
            subjects.append((sid, kind, code, name, category, "active", "", "", "", "", "",
                             now, now))
            name_id += 1
            names.append((name_id, sid, name, dt.date(2018, 6, 1), None))
        yield subjects, names


SUBJECT_COLS = ("id, kind, code, name, category, status, legal_representative, address, "
                "contact_phone, qualification, code_warning, created_at, updated_at")
NAME_COLS = "id, subject_id, name, valid_from, valid_until"


def load(n: int) -> float:
    """Bulk-load n subjects with the search indexes dropped; returns seconds."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        raw.execute("PRAGMA synchronous = OFF")  # a throw-away file: no need to survive a crash
    for subjects, names in generate(n):
        if connection.vendor == "postgresql":
            with raw.cursor() as cur:
                with cur.copy(f"COPY subjects_subject ({SUBJECT_COLS}) FROM STDIN") as copy:
                    for row in subjects:
                        copy.write_row(row)
                with cur.copy(f"COPY subjects_subjectname ({NAME_COLS}) FROM STDIN") as copy:
                    for row in names:
                        copy.write_row(row)
            raw.commit()
        else:
            with transaction.atomic():
                cur = raw.cursor()
                cur.executemany(
                    f"INSERT INTO subjects_subject ({SUBJECT_COLS}) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r[:11] + (r[11].isoformat(), r[12].isoformat()) for r in subjects],
                )
                cur.executemany(
                    f"INSERT INTO subjects_subjectname ({NAME_COLS}) VALUES (?, ?, ?, ?, ?)",
                    [(a, b, c, d.isoformat(), e.isoformat() if e else None)
                     for a, b, c, d, e in names],
                )
        print(f"  loaded {subjects[-1][0]:>9,} subjects", end="\r", flush=True)
    print()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("subjects_subject", "subjects_subjectname"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
    return time.perf_counter() - t0


def build_index() -> float:
    """Create the search indexes as migration 0002 does on an existing table; returns seconds.

    Prints each statement that takes over half a second, so the ADR can say what costs what.
    """
    from django.db import connection

    t0 = time.perf_counter()
    with connection.schema_editor() as editor:
        if connection.vendor == "postgresql":
            editor.execute("SET maintenance_work_mem = '256MB'")
        execute = editor.execute

        def timed(sql: str, params: Any = ()) -> None:
            start = time.perf_counter()
            execute(sql, params)
            if (spent := time.perf_counter() - start) > 0.5:
                print(f"    {spent:6.1f} s  {' '.join(str(sql).split())[:70]}")

        editor.execute = timed  # type: ignore[method-assign]
        search_migration().forwards(None, editor)
    with connection.cursor() as cur:
        # PostgreSQL: VACUUM too, as autovacuum does after a bulk insert in a running
        # database: the visibility map lets the broad first page walk the covering name index
        # without reading rows (subjects migration 0004).
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - t0


def drop_index() -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        search_migration().backwards(None, editor)


def insert_names(count: int, n_subjects: int) -> float:
    """ms per single-row SubjectName insert (ORM, one transaction): the write cost of the index."""
    from django.db import transaction

    from subjects.models import SubjectName

    t0 = time.perf_counter()
    with transaction.atomic():
        for i in range(count):
            SubjectName.objects.create(
                subject_id=1 + i * 37 % n_subjects, name=f"写入测试{i}号物业有限公司",
                valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2001, 1, 1),
            )
    return (time.perf_counter() - t0) * 1000 / count


def storage() -> dict[str, int]:
    """Bytes used by the name table and the search structures."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
                "WHERE c.relname IN ('subjects_subjectname', 'subjectname_name_idx', "
                "'subjectname_name_trgm', 'subjectname_name_grams')"
            )
            return dict(cur.fetchall())
        try:
            cur.execute(
                "SELECT CASE WHEN name LIKE 'subjects_subjectname_trigram%' THEN 'fts5 trigram' "
                "WHEN name LIKE 'subjects_subjectname_bigram%' THEN 'fts5 bigram' ELSE name END, "
                "sum(pgsize) FROM dbstat WHERE name LIKE 'subject%name%' GROUP BY 1"
            )
            return dict(cur.fetchall())
        except Exception:  # dbstat is a compile-time option
            cur.execute("PRAGMA page_count")
            pages = cur.fetchone()[0]
            cur.execute("PRAGMA page_size")
            return {"database file": pages * cur.fetchone()[0]}


def plain_match_sql(term: str) -> tuple[str, list[str]]:
    """The baseline: the same name match as a sequential LIKE scan over every name."""
    from django.db import connection

    from subjects.selectors import _like_pattern

    if connection.vendor == "postgresql":
        return "SELECT n.subject_id FROM subjects_subjectname n WHERE n.name ILIKE %s", [
            _like_pattern(term)
        ]
    return (
        "SELECT n.subject_id FROM subjects_subjectname AS n NOT INDEXED "
        "WHERE n.name LIKE %s ESCAPE '\\'",
        [_like_pattern(term)],
    )


@contextmanager
def without_index() -> Iterator[None]:
    """Run the selector with the name match swapped for a scan, and (PG) index scans disabled.

    GIN indexes are only reachable through bitmap scans, so enable_bitmapscan=off rules out
    both search indexes while primary-key look-ups stay as they would be in a plain install.
    """
    from django.db import connection, transaction

    from subjects import selectors

    original = selectors._name_match_sql
    selectors._name_match_sql = plain_match_sql
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL enable_bitmapscan = off")
            yield
    finally:
        selectors._name_match_sql = original


def baseline_code(code: str) -> list[Any]:
    """Exact code without its unique index: a scan of the subject table."""
    from django.db import connection

    from subjects.models import Subject

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute("SET LOCAL enable_indexonlyscan = off")
        return list(Subject.objects.filter(code=code.upper()))
    return list(Subject.objects.raw(
        "SELECT * FROM subjects_subject NOT INDEXED WHERE code = %s", [code.upper()]
    ))


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up: caches and the plan, as in a running server
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def _percentiles(times: list[float], cpu_s: float) -> dict[str, float]:
    times.sort()
    if not times:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "cpu_ms_per_call": 0.0}
    return {"n": len(times), "p50_ms": round(times[len(times) // 2], 2),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            "cpu_ms_per_call": round(cpu_s * 1000 / len(times), 3)}


def _pause(rng: random.Random, think_ms: float) -> None:
    """A user's pause between two searches: exponential around `think_ms` (0: none)."""
    if think_ms > 0:
        time.sleep(rng.expovariate(1000.0 / think_ms))


def concurrent_ms(fn: Callable[[], Any], threads: int, seconds: float, think_ms: float = 0.0
                  ) -> dict[str, float]:
    """Latencies of `fn` called by `threads` threads for `seconds`, back to back or with a
    pause of about `think_ms` between calls."""
    from django.db import connections

    times: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)
    stop = [0.0]

    def worker() -> None:
        fn()  # each thread's own connection opened and warmed outside the timing
        rng = random.Random()
        ready.wait()
        mine = []
        while time.perf_counter() < stop[0]:
            t0 = time.perf_counter()
            fn()
            mine.append((time.perf_counter() - t0) * 1000)
            _pause(rng, think_ms)
        with lock:
            times.extend(mine)
        connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    stop[0] = time.perf_counter() + 3600
    ready.wait()
    cpu0 = time.process_time()
    stop[0] = time.perf_counter() + seconds
    for t in pool:
        t.join()
    return _percentiles(times, time.process_time() - cpu0)


def _process_user(fn: Callable[[], Any], start_at: float, stop_at: float, out: Any,
                  think_ms: float = 0.0) -> None:
    """One user as a process of its own (forked: Django is set up, its connections closed)."""
    from django.db import connections

    fn()  # open and warm this process's connection outside the timing
    rng = random.Random()
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0 = time.process_time()
    mine = []
    while time.time() < stop_at:
        t0 = time.perf_counter()
        fn()
        mine.append((time.perf_counter() - t0) * 1000)
        _pause(rng, think_ms)
    out.put((mine, time.process_time() - cpu0))
    connections.close_all()


def processes_ms(fn: Callable[[], Any], users: int, seconds: float, think_ms: float = 0.0
                 ) -> dict[str, float]:
    """Latencies of `fn` called back to back by `users` forked processes for `seconds`, all
    starting together once every process has warmed up (2 s after the forks)."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's connection
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 2.0 + users * 0.05
    stop_at = start_at + seconds
    pool = [ctx.Process(target=_process_user, args=(fn, start_at, stop_at, out, think_ms))
            for _ in range(users)]
    for p in pool:
        p.start()
    times: list[float] = []
    cpu = 0.0
    for _ in pool:
        mine, spent = out.get()
        times.extend(mine)
        cpu += spent
    for p in pool:
        p.join()
    return _percentiles(times, cpu)


def explain(term: str) -> None:
    """Print the plan of the indexed name match, to see which index serves it."""
    from django.db import connection

    from subjects.selectors import _name_match_sql

    sql, params = _name_match_sql(term)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        print(f"  plan for {term!r}:")
        for row in cur.fetchall():
            print("    " + str(row[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already filled database of the same size")
    parser.add_argument("--seed-only", action="store_true",
                        help="fill the database (unless --reuse finds it filled) and stop: "
                             "seed at low priority outside the benchmark lock, then measure "
                             "with --reuse")
    parser.add_argument("--explain", action="store_true", help="print query plans")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="concurrent users for the p95 phase (0: skip it)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds of load per query in the p95 phase")
    parser.add_argument("--no-scan", action="store_true",
                        help="skip the plain LIKE scan reference (slow at a million subjects)")
    parser.add_argument("--mode", choices=("threads", "processes", "all"), default="all",
                        help="concurrent users as threads of one process, as processes, or both")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="each user's mean pause between searches (0: back to back)")
    parser.add_argument("--orm-reference", action="store_true",
                        help="also measure search_subjects_orm (the ORM path) in the same run")
    args = parser.parse_args(argv)

    url = args.database_url
    configure(url)
    from django.core.management import call_command
    from django.db import connection

    from subjects.models import Subject, SubjectName
    from subjects.selectors import search_subjects, search_subjects_orm

    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    filled = False
    if args.reuse:
        try:
            filled = Subject.objects.count() == args.subjects
        except Exception:
            filled = False
    if not filled:
        connection.close()
        reset_database(url)
        call_command("migrate", verbosity=0)
        drop_index()
        print(f"loading {args.subjects:,} subjects …")
        seconds = load(args.subjects)
        print(f"  load: {seconds:.1f} s")
        print(f"  insert without search index: {insert_names(500, args.subjects):.3f} ms/name")
        print(f"  search index build: {build_index():.1f} s")
        print(f"  insert with search index:    {insert_names(500, args.subjects):.3f} ms/name")
    if args.seed_only:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
        else:
            cur.execute("SELECT 'SQLite ' || sqlite_version()")
        server = cur.fetchone()[0]
    n_names = SubjectName.objects.count()
    print(f"database: {connection.vendor} {server}; {Subject.objects.count():,} subjects, "
          f"{n_names:,} names")
    for key, size in storage().items():
        print(f"  {key}: {size / 2**20:,.0f} MiB")

    sample = Subject.objects.filter(kind="enterprise").order_by("pk")[args.subjects // 2]
    queries = [(label, q if q is not None else sample.code.lower()) for label, q in QUERIES]
    print(f"load average before timing: {os.getloadavg()[0]:.1f}")
    header = f"{'query':<24}{'indexed ms':>11}{'scan ms':>10}{'ratio':>9}{'count':>7}  same"
    print(f"\nmedian of {args.runs} runs, search_subjects(limit=20) incl. capped count\n{header}")
    for label, q in queries:
        indexed, result = median_ms(lambda q=q: search_subjects(q=q), args.runs)
        if args.no_scan:
            total = "1000+" if result[1] is None else result[1]
            print(f"{label:<24}{indexed:>11.2f}{'—':>10}{'—':>9}{total:>7}")
            continue
        if label == "exact code":
            with without_index():
                scan, base = median_ms(lambda q=q: baseline_code(q), args.runs)
            same = [s.pk for s in result[0]] == [s.pk for s in base]
        else:
            with without_index():
                scan, base = median_ms(lambda q=q: search_subjects(q=q), args.runs)
            same = ([s.pk for s in result[0]], result[1]) == ([s.pk for s in base[0]], base[1])
        total = "1000+" if result[1] is None else result[1]
        print(f"{label:<24}{indexed:>11.2f}{scan:>10.1f}{scan / indexed:>8.0f}x{total:>7}  "
              f"{'yes' if same else 'NO'}")
    if args.explain:
        for _label, q in queries[1:]:
            explain(q)
    if args.orm_reference:
        print(f"\nmedian of {args.runs} runs, search_subjects_orm (reference)")
        for label, q in queries:
            orm, orm_result = median_ms(lambda q=q: search_subjects_orm(q=q), args.runs)
            now = search_subjects(q=q)
            same = (([(s.pk, s.search_rank) for s in now[0]], now[1])
                    == ([(s.pk, s.search_rank) for s in orm_result[0]], orm_result[1]))
            print(f"{label:<24}{orm:>11.2f}  same answer: {'yes' if same else 'NO'}")
    modes = ("threads", "processes") if args.mode == "all" else (args.mode,)
    paths = [("compiled", search_subjects)]
    if args.orm_reference:
        paths.append(("orm", search_subjects_orm))
    figures: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    if args.concurrency:
        connection.close()
        for mode in modes:
            run = concurrent_ms if mode == "threads" else processes_ms
            print(f"\n{args.concurrency} concurrent users as {mode}, {args.seconds:g} s per "
                  f"query, pause {args.think_ms:g} ms; load average {os.getloadavg()[0]:.1f}")
            print(f"{'query':<24}{'path':<10}{'p50 ms':>9}{'p95 ms':>9}{'calls':>8}"
                  f"{'CPU ms/call':>13}")
            for label, q in queries:
                for path, fn in paths:  # interleaved: both paths meet the same load
                    f = run(lambda q=q, fn=fn: fn(q=q), args.concurrency, args.seconds,
                            args.think_ms)
                    figures.setdefault(mode, {}).setdefault(path, {})[label] = f
                    print(f"{label:<24}{path:<10}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}"
                          f"{f['n']:>8,}{f['cpu_ms_per_call']:>13.3f}")
            print(f"  load average after: {os.getloadavg()[0]:.1f}")
    summary: dict[str, Any] = {}
    for mode, by_path in figures.items():
        for path, by_query in by_path.items():
            p95 = {label: f["p95_ms"] for label, f in by_query.items()}
            broad, narrow = p95.get("1 char  鑫"), p95.get("4 chars 嘉和物业")
            summary[f"{mode}_{path}"] = {
                "p95_ms": p95, "p95_max_ms": max(p95.values()),
                "calls_per_s": round(sum(f["n"] for f in by_query.values())
                                     / (args.seconds * len(by_query)), 1),
                "cpu_ms_per_call": {label: f["cpu_ms_per_call"] for label, f in by_query.items()},
                "broad_over_narrow_p95": round(broad / narrow, 2) if broad and narrow else None}
        if "orm" in by_path:
            summary[f"{mode}_p95_max_over_orm"] = round(
                summary[f"{mode}_compiled"]["p95_max_ms"] / summary[f"{mode}_orm"]["p95_max_ms"],
                2)
    worst = [v["p95_max_ms"] for k, v in summary.items() if k.endswith("_compiled")]
    print("RESULT " + json.dumps({
        "db": connection.vendor, "subjects": args.subjects, "concurrency": args.concurrency,
        "think_ms": args.think_ms, "p95_max_ms": max(worst) if worst else None, **summary,
        "load_avg": os.getloadavg(), "machine": f"{platform.platform()}, {os.cpu_count()} CPUs",
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        ensure_ascii=False))


if __name__ == "__main__":
    main()
