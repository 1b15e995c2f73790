"""`manage.py seed_demo`: fill an empty database with a synthetic, reproducible demo county.

The work is in `workbench.demo.seed`, so tests and benchmarks call the same code without a shell.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from common.errors import ServiceError
from workbench import demo


def _non_negative(raw: str) -> int:
    """argparse type: a count; negative sizes are a typo, not a request for nothing."""
    value = int(raw)
    if value < 0:
        raise ArgumentTypeError(_("must not be negative"))
    return value


def _date(raw: str) -> dt.date:
    """argparse type: ISO date, so --as-of is unambiguous whatever the locale."""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ArgumentTypeError(_("expected a date as YYYY-MM-DD")) from exc


class Command(BaseCommand):
    help = ("Generate a deterministic synthetic county (departments, demo staff, enterprises, "
            "practitioners, credit records) for demonstrations and load tests.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--subjects", type=_non_negative, default=demo.DEFAULTS["subjects"],
                            help="enterprises to generate (default %(default)s)")
        parser.add_argument("--practitioners", type=_non_negative,
                            default=demo.DEFAULTS["practitioners"],
                            help="practitioners to generate (default %(default)s)")
        parser.add_argument("--records", type=_non_negative, default=demo.DEFAULTS["records"],
                            help="credit records to generate (default %(default)s)")
        parser.add_argument("--seed", type=int, default=1,
                            help="random seed; the same seed gives the same county (default 1)")
        parser.add_argument("--as-of", type=_date, default=demo.AS_OF,
                            help="reference 'today' for generated dates (default %(default)s)")
        parser.add_argument("--append", action="store_true",
                            help="add to a database that already has subjects")
        parser.add_argument("--chunk-size", type=_non_negative, default=demo.CHUNK_SIZE,
                            help="rows per insert transaction (default %(default)s)")
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress bar (it is also off when stderr is not a terminal)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            counts = demo.seed(
                subjects=options["subjects"], practitioners=options["practitioners"],
                records=options["records"], seed=options["seed"], as_of=options["as_of"],
                append=options["append"], chunk_size=options["chunk_size"] or demo.CHUNK_SIZE,
                progress=not options["no_progress"] and sys.stderr.isatty(),
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        elapsed = time.perf_counter() - started
        rows = counts["enterprises"] + counts["practitioners"] + counts["records"]
        self.stdout.write(self.style.SUCCESS(
            _("Seeded %(enterprises)d enterprises, %(practitioners)d practitioners and "
              "%(records)d credit records (seed %(seed)d) in %(seconds).1f s, "
              "%(rate)d rows/s.") % {
                "enterprises": counts["enterprises"], "practitioners": counts["practitioners"],
                "records": counts["records"], "seed": counts["seed"], "seconds": elapsed,
                "rate": rows / elapsed if elapsed else 0,
            }
        ))
