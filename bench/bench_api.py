"""Benchmark the credit-check API against a bare Django JSON endpoint, same server, same run.

    .venv/bin/python -m bench.bench_api --subjects 1000000          # make bench-api
    .venv/bin/python -m bench.bench_api --subjects 100000 --duration 20
    .venv/bin/python -m bench.bench_api --db-url postgres://postgres@127.0.0.1:5432/hc_bench_api
    .venv/bin/python -m bench.bench_api --subjects 1000000 --seed-only   # seed only, then measure

What it does: fills a dedicated database (name must contain "bench"; reused when it already
holds the requested number of subjects) with the demo county (`workbench.demo.seed`), installs and
runs the shipped scoring models so subjects have grades, issues an API token with the
`checks:run` scope, then serves the platform with its production server (gunicorn, the
project's gunicorn.conf.py, scheduler off) on 127.0.0.1 and loads, with wrk at 32 connections
for a bounded time:

1. the reference: `/bench/bare/`, a Django JsonResponse through the same middleware (routed
   only by the benchmarks' own URL configuration, `bench.urls` via `bench.settings`, which this
   script's server runs with; the platform's URLs never include it);
2. `GET /api/v1/credit-check?code=…&matter=…` cycling over 2,000 real subjects with a matter of
   their category. Every call is a full check: facts read, measures derived, snapshot stored
   with its number and audit event.

It prints requests/s of each, their ratio, p50/p99 latency, errors (socket errors and non-2xx)
and the machine, and ends with one line a script can read:

    RESULT {"ratio": …, "p99_ms": …, "p99_ms_bare": …, "errors": …, "connections": …, "db": …, …}

Goal (issue 14): ratio >= 0.5 and the check's p99 <= 2x the bare endpoint's p99 in the same run,
at 16 and 32 connections, zero errors. On a shared machine only the ratios of one run count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "sqlite:////tmp/hc_bench_api.sqlite3"
DATA_DIR = "/tmp/hc_bench_api_data"
MATTER_FOR = {"developer": "presale_permit", "property_service": "property_service_filing",
              "brokerage": "brokerage_filing", "rental": "rental_filing",
              "builder": "construction_permit", "practitioner": "broker_registration"}
SAMPLE = 2000


def configure(url: str) -> None:
    """Point Django at the benchmark database before anything imports settings."""
    parsed = urlparse(url)
    name = Path(parsed.path).name if parsed.scheme.startswith("sqlite") else parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {url!r}: the database name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("HC_DATA_DIR", DATA_DIR)
    Path(os.environ["HC_DATA_DIR"]).mkdir(parents=True, exist_ok=True)  # settings write nothing
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def wsgi_app() -> Any:
    """gunicorn entry point (`bench.bench_api:wsgi_app()`): the platform's WSGI application,
    with the approvals router mounted on the API if exchange/api.py does not mount it yet."""
    import django

    django.setup()
    from approvals.api import router
    from workbench.api import api

    if router not in {r for _prefix, r in api._routers}:
        api.add_router("/", router)
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def reset_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.path.lstrip("/")}"')


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Seed (or reuse) the database; return the token and sample of (code, matter)."""
    import django

    django.setup()
    from django.core.management import call_command

    from subjects.models import Subject

    wanted = args.subjects
    have = Subject.objects.count() if _migrated() else 0
    if have != wanted:
        print(f"seeding {wanted:,} subjects and {args.records:,} records (had {have:,})…")
        django.db.connections.close_all()
        reset_database(os.environ["DATABASE_URL"])
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("loaddata", "record_types", verbosity=0)
        from workbench import demo

        practitioners = wanted // 10
        counts = demo.seed(subjects=wanted - practitioners, practitioners=practitioners,
                           records=args.records, progress=sys.stdout.isatty())
        print(f"  seeded in {time.perf_counter() - t0:.0f} s: {counts['enterprises']:,} "
              f"enterprises, {counts['practitioners']:,} practitioners, "
              f"{counts['records']:,} records")
        t0 = time.perf_counter()
        from scoring.engine import regrade_in_effect
        from scoring.services import install_shipped_models

        install_shipped_models(publish=True)
        batches = regrade_in_effect(as_of=demo.AS_OF)
        print(f"  graded in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{b.category} {b.subject_count:,}" for b in batches))
    else:
        print(f"reusing the database: {have:,} subjects")
    return {"token": _token(), "sample": _sample()}


def _migrated() -> bool:
    from django.db import connection

    try:
        return "subjects_subject" in connection.introspection.table_names()
    except Exception:  # noqa: BLE001 — a missing database file or database: not migrated
        return False


def _token() -> str:
    from accounts.api_tokens import token_issue
    from accounts.models import ApiToken, Department

    lead = Department.objects.get(kind=Department.Kind.LEAD)
    token, plaintext = token_issue(actor=None, department=lead, name=f"bench {time.time():.0f}",
                                   scopes=["subjects:read"])
    ApiToken.objects.filter(pk=token.pk).update(scopes=["checks:run", "matters:read"])
    return plaintext


def _sample() -> list[tuple[str, str]]:
    """Random active subjects whose category has a matter; spread over the whole id range."""
    from django.db.models import Max

    from subjects.models import Subject

    top = Subject.objects.aggregate(m=Max("pk"))["m"] or 0
    rng = random.Random(20261125)
    ids = rng.sample(range(1, top + 1), min(SAMPLE * 2, top))
    rows = (Subject.objects.filter(pk__in=ids, status=Subject.Status.ACTIVE)
            .values_list("code", "category"))
    return [(code, MATTER_FOR[cat]) for code, cat in rows][:SAMPLE]


def lua_script(token: str, sample: list[tuple[str, str]]) -> str:
    paths = ",\n".join(f'  "/api/v1/credit-check?code={c}&matter={m}"' for c, m in sample)
    return (
        "local paths = {\n" + paths + "\n}\n"
        "local i = 0\n"
        "wrk.headers[\"Authorization\"] = \"Bearer " + token + "\"\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format(\"GET\", paths[i])\n"
        "end\n"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url} within {timeout} s")


def wrk(url: str, *, connections: int, threads: int, duration: int,
        script: str | None = None) -> dict[str, Any]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out) | {"raw": out}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    socket_errors = sum(int(n) for n in re.findall(
        r"(?:connect|read|write|timeout) (\d+)", out.split("Socket errors:")[1].splitlines()[0])
    ) if "Socket errors:" in out else 0
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {"rps": rps, "requests": total, "p50_ms": p50, "p99_ms": p99,
            "errors": socket_errors + non2xx, "socket_errors": socket_errors, "non2xx": non2xx}


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


def _db_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the benchmark database (same machine only)."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite") or parsed.hostname not in ("127.0.0.1", "localhost"):
        return []
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                            "AND pid <> pg_backend_pid()", [parsed.path.lstrip("/")]).fetchall()
    return [pid for (pid,) in rows]


def measured(run: Any, *, server_pid: int, url: str) -> dict[str, Any]:
    """`run()` (a wrk load) with the CPU seconds the gunicorn workers and the database's server
    processes spent during it, and per request: what a request costs the machine, whatever
    else runs on it (wall-clock throughput on a shared machine depends on the neighbours)."""
    workers = _children(server_pid)
    backends = _db_backends(url)
    before_w = sum(_proc_cpu(p) for p in workers)
    before_db = {p: _proc_cpu(p) for p in backends}
    result = run()
    cpu_w = sum(_proc_cpu(p) for p in workers) - before_w
    after = _db_backends(url)
    # a backend that started during the run counted from 0; one that ended is lost (rare)
    cpu_db = sum(_proc_cpu(p) - before_db.get(p, 0.0) for p in after)
    n = max(result["requests"], 1)
    return result | {"cpu_s_workers": round(cpu_w, 2), "cpu_s_db": round(cpu_db, 2),
                     "cpu_ms_per_request": round(1000 * (cpu_w + cpu_db) / n, 3),
                     "cpu_ms_workers_per_request": round(1000 * cpu_w / n, 3)}


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=None,
                        help="credit records to seed (default: as many as subjects)")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DB_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=30, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="gunicorn sync workers (default: one per CPU; more thrash on a "
                        "small machine, measured)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed (or reuse) the database and stop: run it outside the shared "
                        "benchmark lock at low priority, then measure with the same arguments")
    args = parser.parse_args()
    args.records = args.subjects if args.records is None else args.records
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    configure(args.db_url)
    sys.path.insert(0, str(ROOT))
    prepared = prepare(args)
    if args.seed_only:
        print(f"seeded: {args.subjects:,} subjects in {args.db_url}")
        return
    from django.db import connection

    vendor = connection.vendor
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HC_SCHEDULER": "0", "DEBUG": "0", "LOG_LEVEL": "ERROR",
           "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "bench.bench_api:wsgi_app()", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        wait_ready(f"{base}/bench/bare/")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(lua_script(prepared["token"], prepared["sample"]))
        code, matter = prepared["sample"][0]
        probe = urllib.request.Request(f"{base}/api/v1/credit-check?code={code}&matter={matter}",
                                       headers={"Authorization": f"Bearer {prepared['token']}"})
        with urllib.request.urlopen(probe, timeout=10) as response:
            assert response.status == 200, response.status
        load = {"connections": args.connections, "threads": args.threads}
        if args.warmup:
            wrk(f"{base}/bench/bare/", duration=args.warmup, **load)
            wrk(base, duration=args.warmup, script=script.name, **load)
        cpu = {"server_pid": server.pid, "url": os.environ["DATABASE_URL"]}
        results["bare"] = measured(
            lambda: wrk(f"{base}/bench/bare/", duration=args.duration, **load), **cpu)
        results["check"] = measured(
            lambda: wrk(base, duration=args.duration, script=script.name, **load), **cpu)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    bare, check = results["bare"], results["check"]
    ratio = check["rps"] / bare["rps"] if bare["rps"] else 0.0
    print()
    print(f"machine:   {machine()}")
    print(f"database:  {vendor} ({args.db_url}), {args.subjects:,} subjects, "
          f"{args.records:,} records seeded; gunicorn {args.workers} sync workers; "
          f"wrk {args.threads} threads x {args.connections} connections, {args.duration} s each")
    print(f"{'endpoint':<26}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>11}{'errors':>8}"
          f"{'CPU ms/req (workers+db)':>26}")
    for label, r in (("bare Django JSON", bare), ("GET /api/v1/credit-check", check)):
        print(f"{label:<26}{r['rps']:>10.1f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
              f"{r['requests']:>11,}{r['errors']:>8}"
              f"{r['cpu_ms_workers_per_request']:>14.2f} + "
              f"{r['cpu_ms_per_request'] - r['cpu_ms_workers_per_request']:.2f}")
    p99_ratio = check["p99_ms"] / bare["p99_ms"] if bare["p99_ms"] else 0.0
    print(f"throughput ratio credit-check / bare: {ratio:.2f}  (goal >= 0.50)")
    print(f"credit-check p99: {check['p99_ms']:.1f} ms = {p99_ratio:.2f}x the bare p99 "
          f"(goal <= 2), errors: {check['errors']} (goal 0)")
    finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"run finished {finished}")
    print("RESULT " + json.dumps({
        "ratio": round(ratio, 3), "p99_ms": check["p99_ms"], "p99_ms_bare": bare["p99_ms"],
        "errors": check["errors"], "p99_ratio": round(p99_ratio, 2),
        "rps": check["rps"], "rps_bare": bare["rps"], "p50_ms": check["p50_ms"],
        "p50_ms_bare": bare["p50_ms"], "errors_bare": bare["errors"],
        "cpu_ms": check["cpu_ms_per_request"],
        "cpu_ms_workers": check["cpu_ms_workers_per_request"],
        "cpu_ms_bare": bare["cpu_ms_per_request"],
        "connections": args.connections, "duration_s": args.duration,
        "workers": args.workers, "db": vendor, "subjects": args.subjects,
        "records": args.records, "machine": machine(), "load_avg": os.getloadavg(),
        "finished": finished}, ensure_ascii=False))


if __name__ == "__main__":
    main()
