"""`manage.py load_scoring_models`: install the shipped models (scoring/models_shipped/*.toml).

Idempotent: a document already stored with the same text is skipped, so it can run on every
deployment. Without --draft the models are published as "system" (a deployment step).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from common.errors import ServiceError
from scoring.services import install_shipped_models


class Command(BaseCommand):
    help = "Install the shipped scoring models (scoring/models_shipped/*.toml)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--draft", action="store_true",
                            help="store as drafts for four-eyes publication instead")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            models = install_shipped_models(publish=not options["draft"])
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        for model in models:
            self.stdout.write(f"{model.label}\t{model.category}\t{model.status}\t{model.name}")
