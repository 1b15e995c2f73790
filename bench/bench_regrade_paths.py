"""Compare the PostgreSQL full re-grade's record passes in one run.

    BENCH_PG_URL=postgres://…/hc_bench_regrade flock /tmp/bench.lock \\
        .venv/bin/python -m bench.bench_regrade_paths [--record-pass leader partial] [--rounds 2]

Reuses a database seeded by `python -m bench.bench_scoring --phase prepare --db postgres …`
(nothing is generated here). Runs the bare GROUP BY of `bench_scoring` twice, then for each
round and each `SCORING_RECORD_PASS` (`leader`:
the workers compute every record's terms, one process sums them; `partial`: the workers sum
partially and the leader merges) a real full re-grade (batches written, switched, old ones
pruned) followed by the bare query again, and prints each re-grade's progress marks (percent,
seconds since its start, one mark per statement; 100 = switched and pruned). Last line:
`RESULT {"ratio": …, "seconds": …, "bare_seconds": …, "path": …, "per_path": {…}}`, the ratio
being the best re-grade over the best bare query of the run, and "per_path" each record
pass's best. (Until 2026-12-03 it also compared `SCORING_REGRADE_CONNECTIONS`, the batches
built on several connections; that path was removed: no reliable gain in two days of runs.)
`docs/performance.md` "Full re-grade" quotes its runs.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from bench import bench_scoring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record-pass", nargs="+", default=["leader", "partial"],
                        choices=["leader", "partial"])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    bench_scoring.configure(bench_scoring.PG_URL)
    from django.conf import settings
    from django.db import connection

    from scoring import engine

    def bare() -> float:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(bench_scoring.bare_sql(vendor="postgresql"))
            cursor.fetchall()
        return time.perf_counter() - t0

    print(f"machine: {bench_scoring.machine()}; load {os.getloadavg()}", flush=True)
    bares = [bare(), bare()]
    print(f"bare GROUP BY: {bares[0]:.2f} s, {bares[1]:.2f} s", flush=True)
    best: dict[str, float] = {}
    for _round in range(args.rounds):
        for mode in args.record_pass:
            settings.SCORING_RECORD_PASS = path = mode
            marks: list[tuple[int, float]] = []
            t0 = time.perf_counter()
            batches = engine.regrade_in_effect(
                as_of=bench_scoring.AS_OF,
                progress=lambda pct, t0=t0, marks=marks: marks.append(
                    (pct, round(time.perf_counter() - t0, 2))))
            seconds = time.perf_counter() - t0
            best[path] = min(best.get(path, seconds), seconds)
            rows = sum(b.subject_count for b in batches)
            print(f"record pass={mode}: {seconds:.2f} s ({rows:,} rows) "
                  f"marks={marks} load {os.getloadavg()[0]:.1f}", flush=True)
            bares.append(bare())
            print(f"bare GROUP BY: {bares[-1]:.2f} s", flush=True)
    print(f"load {os.getloadavg()}")
    fastest = min(best, key=lambda p: best[p])
    print("RESULT " + json.dumps({
        "ratio": round(best[fastest] / min(bares), 3), "seconds": round(best[fastest], 3),
        "bare_seconds": round(min(bares), 3), "path": fastest,
        "per_path": {p: round(s, 3) for p, s in best.items()},
        "machine": bench_scoring.machine()}))


if __name__ == "__main__":
    main()
