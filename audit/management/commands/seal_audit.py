"""`manage.py seal_audit`: link the events appended since the last seal into the seal chain."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.services import seal


class Command(BaseCommand):
    help = "Seal the audit events not sealed yet (one seal event with their Merkle root)."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = seal()
        if sealed is None:
            self.stdout.write("Nothing to seal.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Sealed {sealed.after['count']} events (seal #{sealed.stream_seq}, "
            f"root {sealed.after['root']})."))
