"""`manage.py regrade [--as-of DATE] [--model CODE:VERSION] [--category C]`.

Without --model: each category's published model in effect at the date, all in one pass over
the records. Prints the batches and their grade distributions.
"""

from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from common.errors import ServiceError
from scoring import engine
from scoring.models import ModelStatus, ScoringModel
from scoring.selectors import grade_distribution


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ArgumentTypeError("expected a date as YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Re-grade subjects into a new evaluation batch and switch to it atomically."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="date (default today)")
        parser.add_argument("--model", default=None, help="CODE:VERSION of a published model")
        parser.add_argument("--category", default=None, help="only this category")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            if options["model"]:
                code, _sep, version = options["model"].partition(":")
                qs = ScoringModel.objects.filter(code=code).exclude(status=ModelStatus.DRAFT)
                model = (qs.filter(version=int(version)) if version else
                         qs.filter(status=ModelStatus.PUBLISHED)).first()
                if model is None:
                    raise CommandError(f"no published or retired model {options['model']}")
                if options["category"] and options["category"] != model.category:
                    raise CommandError("--category does not match the model's category")
                batches = [engine.regrade(model=model, as_of=options["as_of"])]
            else:
                batches = engine.regrade_in_effect(
                    as_of=options["as_of"],
                    categories=[options["category"]] if options["category"] else None)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        if not batches:
            self.stdout.write("no published model in effect; nothing graded")
            return
        for batch in batches:
            dist = ", ".join(f"{g} {n}" for g, n in grade_distribution(batch=batch))
            self.stdout.write(f"batch {batch.pk} {batch.category} {batch.model.label} "
                              f"as of {batch.as_of}: {batch.subject_count} subjects ({dist})")
        self.stdout.write(f"{time.perf_counter() - started:.2f} s")
