"""`manage.py export_feed --user NAME [--kind CF|XK] [--encoding utf-8|gbk] [--resend NUMBER]
[--out DIR]`.

Prepares an export batch of the platform's own penalty decisions (the 双公示 CF set, the default)
or of its licences granted with credit measures (the XK set) and writes its file
(`<number>-<kind>-<encoding>.csv`) into DIR; the batch is kept in the database with
its checksum and rows. Marking it sent, acknowledged or rejected is done on the exchange page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from accounts.models import User
from common.errors import ServiceError
from exchange.exports import export_prepare
from exchange.feed_models import ExportBatch


class Command(BaseCommand):
    help = ("Export pending penalty (CF) or licence (XK) decisions as a numbered 双公示 batch "
            "(CSV, UTF-8 or GBK).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True,
                            help="Username of the reviewer or administrator exporting.")
        parser.add_argument("--kind", choices=["CF", "XK"], default="CF",
                            help="CF: penalties (default); XK: licences. A re-send keeps the "
                                 "kind of the batch it re-sends.")
        parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8")
        parser.add_argument("--resend", help="Number of a batch whose failed rows to re-send.")
        parser.add_argument("--out", default=".", help="Directory for the file (default: .)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Unknown user {options['user']!r}")
        resend = None
        if options["resend"]:
            resend = ExportBatch.objects.filter(number=options["resend"]).first()
            if resend is None:
                raise CommandError(f"Unknown batch {options['resend']!r}")
        with translation.override("zh-hans"):
            try:
                batch = export_prepare(actor=user, encoding=options["encoding"],
                                       kind=options["kind"], resend_of=resend)
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from exc
        if batch is None:
            self.stdout.write("Nothing to export.")
            return
        path = Path(options["out"]) / batch.file_name
        path.write_bytes(bytes(batch.content))
        self.stdout.write(f"{batch.number}: {batch.row_count} rows, sha256 {batch.file_sha256}"
                          f" → {path}")
