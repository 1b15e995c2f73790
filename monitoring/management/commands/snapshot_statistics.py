"""`manage.py snapshot_statistics [--as-of DATE]`: fill the dashboards' daily statistics."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from monitoring.services import snapshot_take


class Command(BaseCommand):
    help = ("Count grades, records, review queue, lists, measures, commitments and inspections "
            "into the daily statistics tables (idempotent per day; default: today).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", dest="as_of", default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, as_of: str | None = None, **options: Any) -> None:
        day = None
        if as_of:
            day = parse_date(as_of)
            if day is None:
                raise CommandError(f"Not a date: {as_of!r} (use YYYY-MM-DD)")
        result = snapshot_take(day=day)
        self.stdout.write(f"Statistics snapshot of {result.day}: {result.rows} rows "
                          f"in {result.duration_ms} ms.")
