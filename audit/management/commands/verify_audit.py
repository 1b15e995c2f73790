"""`manage.py verify_audit`: prove the audit log has not been altered since it was written."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import verify_chain
from audit.services import seal


class Command(BaseCommand):
    help = ("Verify every stream of the audit log and every seal, report the first broken "
            "event, then seal the verified events not sealed yet (--no-seal to skip).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-seal", action="store_true",
                            help="only verify; do not seal the verified tail")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event #{broken.seq}: {broken.reason} "
                f"({checked} events before it verified)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
        if not options["no_seal"]:
            sealed = seal()
            if sealed is not None:
                self.stdout.write(f"Sealed {sealed.after['count']} events "
                                  f"(seal #{sealed.stream_seq}, root {sealed.after['root']}).")
