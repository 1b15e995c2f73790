"""Serve the benchmark's pages from another checkout of the code, one request per line of stdin.

    cd /tmp/before && python /work/main/bench/page_server.py DATABASE_URL

Why: `bench_pages --before-code DIR` times each page with the code before a change and with
the code now, interleaved request by request in the same run, so that both meet the same load
on a shared machine. The code before runs in this child process, started in DIR with DIR first
on the import path (its apps, templates and settings); it imports nothing from this checkout.
Each stdin line is a path; the answer is one JSON line: status, wall ms and CPU ms of this
process for that request (on SQLite the database's own work included).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    sys.path.insert(0, os.getcwd())
    from bench.bench_search import configure  # the checkout's own, in the working directory

    configure(sys.argv[1])
    import datetime as dt

    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from common import clock

    setup_test_environment()  # as the parent times its own requests
    client = Client()
    client.force_login(User.objects.get(username="reviewer"))
    today = dt.date.fromisoformat(sys.argv[2])
    print(json.dumps({"ready": True}), flush=True)
    with clock.frozen_at(today):
        for line in sys.stdin:
            start, cpu0 = time.perf_counter(), time.process_time()
            response = client.get(line.strip())
            print(json.dumps({"status": response.status_code,
                              "wall_ms": (time.perf_counter() - start) * 1000,
                              "cpu_ms": (time.process_time() - cpu0) * 1000}), flush=True)


if __name__ == "__main__":
    main()
