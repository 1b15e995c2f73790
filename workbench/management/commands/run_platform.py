"""`manage.py run_platform`: the web server, the job worker and the scheduler as three supervised
processes (what `make run` starts).

Each is a child process of this supervisor, not of the web server, so a worker never dies with
a gunicorn master and is never forked from it. A child that exits is started again (after a
pause that grows with repeated deaths, up to 30 seconds); Ctrl-C or SIGTERM stops all three —
SIGTERM first, SIGKILL for one that has not stopped after `--grace` seconds — and then the
supervisor exits. The worker is the configured backend's (HC_TASKS_BACKEND): `run_worker` for the
database, `run_rq_worker` for Redis, none for the immediate backend. HC_WORKER=0 leaves the
worker out (workers run on other machines: the same command there); HC_SCHEDULER=0 leaves
the scheduler out (run `manage.py run_scheduler` elsewhere, exactly once per installation, or
`process_deadlines` from cron).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def worker_argv(python: str) -> list[str] | None:
    """The worker for the configured task backend (HC_TASKS_BACKEND): django-tasks-db's worker
    for the database, RQ's for Redis, none for the immediate backend (jobs run inline)."""
    backend = getattr(settings, "HC_TASKS_BACKEND", "database")
    if backend == "redis":
        return [python, MANAGE, "run_rq_worker", "default"]
    if backend == "database":
        return [python, MANAGE, "run_worker", "--no-reload", "--queue-name", "*"]
    return None


@dataclass
class Child:
    """One supervised process: how to start it and its restart bookkeeping."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    deaths: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    def start(self, log: Any) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started_at = time.monotonic()
        log(f"{self.name} started (pid {self.process.pid})")


class Command(BaseCommand):
    help = "Run the web server, the job worker and the scheduler, restarting any that dies."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="gunicorn's address.")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn web workers.")
        parser.add_argument("--grace", type=float, default=10.0,
                            help="Seconds a child has to stop before it is killed.")
        parser.add_argument("--web", default="gunicorn",
                            help="'gunicorn' (default) or 'none' (worker and scheduler only).")

    def children(self, *, bind: str, workers: int, web: str) -> list[Child]:
        python = sys.executable
        result = []
        if web == "gunicorn":
            gunicorn = str(Path(python).with_name("gunicorn"))
            result.append(Child("web", [
                gunicorn, "-c", str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
                "config.wsgi:application", "--bind", bind, "--workers", str(workers),
                "--access-logfile", "-", "--graceful-timeout", "10"]))
        worker = worker_argv(python)
        if os.environ.get("HC_WORKER", "1") == "1" and worker:
            result.append(Child("worker", worker))
        if os.environ.get("HC_SCHEDULER", "1") == "1":
            result.append(Child("scheduler", [python, MANAGE, "run_scheduler"]))
        return result

    def handle(self, *args: Any, bind: str, workers: int, grace: float, web: str,
               **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        children = self.children(bind=bind, workers=workers, web=web)
        for child in children:
            child.start(self.log)
        try:
            while not stop.is_set():
                for child in children:
                    self.supervise(child)
                stop.wait(0.5)
        finally:
            self.stop_all(children, grace=grace)

    def supervise(self, child: Child) -> None:
        """Restart a child that exited; back off when it keeps dying at once."""
        now = time.monotonic()
        if child.process is not None and child.process.poll() is None:
            return
        if child.process is not None:
            code = child.process.returncode
            lived = now - child.started_at
            child.deaths = 0 if lived > 60 else child.deaths + 1
            child.next_start = now + min(30.0, 0.5 * 2 ** child.deaths)
            self.log(f"{child.name} exited with {code}; restarting")
            child.process = None
        if now >= child.next_start:
            child.start(self.log)

    def stop_all(self, children: list[Child], *, grace: float) -> None:
        running = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"{child.name} did not stop in {grace:g}s; killing it")
                child.process.kill()
                child.process.wait()
        self.log("all stopped")

    def log(self, message: str) -> None:
        self.stderr.write(f"[run_platform] {message}")
        self.stderr.flush()
