"""`manage.py supervision_defaults`: add the shipped supervision measures that are missing.

Idempotent and never overwrites a measure an administrator changed (unlike `loaddata`), so
`bootstrap` can call it on every start and after upgrades that ship measures for new grades.
"""

from typing import Any

from django.core.management.base import BaseCommand

from supervision.services import measures_install_defaults


class Command(BaseCommand):
    help = "Install the default supervision measures (REFERENCE §4) that are not yet present."

    def handle(self, *args: Any, **options: Any) -> None:
        created = measures_install_defaults(actor=None)
        self.stdout.write(f"Supervision measures added: {len(created)}.")
