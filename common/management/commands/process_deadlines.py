"""`manage.py process_deadlines [--as-of DATE]`: move every procedure whose period has ended."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from common.deadlines import run_deadlines


class Command(BaseCommand):
    help = "Run the deadline handlers of every app (idempotent; safe to run twice)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="Process as if today were this date (YYYY-MM-DD).")

    def handle(self, *args: Any, as_of: dt.date | None = None, **options: Any) -> None:
        run = run_deadlines(as_of=as_of)
        for name, moved in run.summary.items():
            self.stdout.write(f"  {name}: {moved}")
        if not run.ok:
            raise CommandError(f"Some deadline handlers failed:\n{run.error}")
        self.stdout.write(self.style.SUCCESS(f"Deadlines processed as of {run.as_of}."))
