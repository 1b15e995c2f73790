"""Benchmark the bulk credit check against the same checks made one by one, same run.

    .venv/bin/python -m bench.bench_bulk_check                      # make bench-bulk-check
    .venv/bin/python -m bench.bench_bulk_check --subjects 100000 --batch 1000
    .venv/bin/python -m bench.bench_bulk_check --db-url postgres://postgres@127.0.0.1:5432/hc_bench_bulk

What it does: seeds (or reuses) a dedicated database with the demo county and its grades, the
way `bench.bench_api` does, picks `--batch` property-service subjects at random, then, in one
process and with warm per-process caches:

1. the reference: `approvals.services.credit_check` for each of them, one after the other
   (what a caller without the bulk endpoint does, minus HTTP);
2. `approvals.services.credit_check_bulk` for all of them in one call, on another sample of the
   same size (so neither run reads rows the other just wrote into the caches of the database).

Both store every check (number, snapshot, measures, audit). It prints subjects/s of each, the
ratio, the queries of each, and the machine, and ends with one line a script can read:

    RESULT {"ratio": …, "single_per_s": …, "bulk_per_s": …, "queries_single": …, …}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from typing import Any

from bench.bench_api import configure, prepare

DEFAULT_URL = "sqlite:////tmp/hc_bench_bulk.sqlite3"
MATTER = "property_service_filing"


def _sample(n: int) -> list[str]:
    from subjects.models import Subject

    codes = list(Subject.objects.filter(category="property_service",
                                        status=Subject.Status.ACTIVE)
                 .values_list("code", flat=True))
    if len(codes) < 2 * n + 10:
        sys.exit(f"only {len(codes):,} property-service subjects: seed more (--subjects)")
    random.Random(20261202).shuffle(codes)
    return codes


class Counter:
    """Counts statements through the connection's execute wrapper (no query log, no limit)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def run(batch: int) -> dict[str, Any]:
    from django.db import connection

    from accounts.models import User
    from approvals.models import Via
    from approvals.services import credit_check, credit_check_bulk
    from common import clock
    from workbench import demo

    actor = User.objects.filter(api_token__isnull=False).order_by("-pk").first()
    codes = _sample(batch)
    warm, single_codes = codes[:10], codes[10:10 + batch]
    bulk_codes = codes[10 + batch:10 + 2 * batch]
    with clock.frozen_at(demo.AS_OF):
        credit_check_bulk(actor=actor, matter_code=MATTER, codes=warm, via=Via.API)
        for code in warm:
            credit_check(actor=actor, code_or_name=code, matter_code=MATTER, via=Via.API)
        single_q, bulk_q = Counter(), Counter()
        with connection.execute_wrapper(single_q):
            t0 = time.perf_counter()
            for code in single_codes:
                credit_check(actor=actor, code_or_name=code, matter_code=MATTER, via=Via.API)
            single_s = time.perf_counter() - t0
        with connection.execute_wrapper(bulk_q):
            t0 = time.perf_counter()
            outcomes = credit_check_bulk(actor=actor, matter_code=MATTER, codes=bulk_codes,
                                         via=Via.API)
            bulk_s = time.perf_counter() - t0
    failed = [o for o in outcomes if not hasattr(o, "number")]
    return {
        "batch": batch, "single_s": round(single_s, 3), "bulk_s": round(bulk_s, 3),
        "single_per_s": round(batch / single_s, 1), "bulk_per_s": round(batch / bulk_s, 1),
        "ratio": round(single_s / bulk_s, 2),
        "queries_single": single_q.n, "queries_bulk": bulk_q.n, "bulk_refused": len(failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-url", default=DEFAULT_URL)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    configure(args.db_url)
    prepare(args)
    result = run(args.batch)
    from django.db import connection

    result.update(db=connection.vendor, subjects=args.subjects,
                  machine=f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu",
                  load=os.getloadavg()[0])
    print(f"{args.batch} checks one by one: {result['single_s']} s "
          f"({result['single_per_s']}/s, {result['queries_single']} queries)")
    print(f"{args.batch} checks in one bulk call: {result['bulk_s']} s "
          f"({result['bulk_per_s']}/s, {result['queries_bulk']} queries)")
    print(f"bulk / one by one: {result['ratio']}x on {result['db']}, {result['machine']}, "
          f"load {result['load']:.1f}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
