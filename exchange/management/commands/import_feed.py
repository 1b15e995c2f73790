"""`manage.py import_feed FILE [--dry-run] [--source DEPT] [--json]`: import a 双公示 file.

Runs synchronously in the terminal, whatever the file's size (the upload page hands files above
`EXCHANGE_SYNC_MAX_ROWS` rows to the background job `exchange.import` instead), through the
same set-based path (`records.bulk`) as the page. The import acts as the source department's
service account (`feed-<code>`), so every record enters review like a clerk's entry and the
audit log names who entered it. Exit status 1 when any row was rejected, 2 when the file as a
whole could not be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from accounts.models import Department
from common.errors import ServiceError
from exchange.feed_services import default_source, feed_account, import_feed


class Command(BaseCommand):
    help = "Import a 双公示 file (CF_/XK_ columns; CSV in UTF-8 or GBK, or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate and count everything, write nothing.")
        parser.add_argument("--source", help="Code of the source department (default: the "
                                             "public credit platform, created if missing).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["source"]:
            source = Department.objects.filter(code=options["source"]).first()
            if source is None:
                raise CommandError(f"Unknown department code {options['source']!r}")
        else:
            source = default_source()
        with translation.override("zh-hans"):
            try:
                result = import_feed(actor=feed_account(source=source), source=source,
                                     data=path.read_bytes(), file_name=path.name,
                                     dry_run=options["dry_run"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from exc
        summary = result.summary
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            what = "dry run" if options["dry_run"] else (result.batch.number if result.batch
                                                         else "not imported")
            self.stdout.write(
                f"{path.name}: {result.kind} {result.field_set} {result.file_format} "
                f"{result.encoding} ({what}) — rows {summary['rows']}, created "
                f"{summary['created']}, duplicates {summary['duplicates']}, corrections "
                f"{summary['corrections']}, revocations {summary['revocations']}, rejected "
                f"{len(summary['rejected'])}")
            for entry in summary["rejected"]:
                self.stdout.write(f"  row {entry['row']} {entry['field']}: {entry['reason']}")
        if not result.kind:  # the file as a whole could not be read
            raise SystemExit(2)
        if summary["rejected"]:
            raise SystemExit(1)
