"""`manage.py bootstrap`: make a fresh data directory usable, as `make run` does on each start.

It also creates what settings never write on import: the data directory and its secret key
file (kept, so sessions survive restarts; ignored when SECRET_KEY is set).

Idempotent: migrations apply only once, the catalogue and demo county are loaded only into an
empty database, and an administrator is created (with a printed one-time password) only when
there is none, so restarting the platform never duplicates or resets anything.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import Department, Role, User
from accounts.services import department_create, user_create
from records.models import RecordType
from subjects.models import Subject


class Command(BaseCommand):
    help = "Migrate, load the catalogue and demo data on first start, ensure an administrator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Do not seed the demo county.")

    def handle(self, *args: Any, no_demo: bool = False, **options: Any) -> None:
        ensure_data_dir()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not RecordType.objects.exists():
            call_command("loaddata", "record_types", verbosity=0)
            self.stdout.write("Loaded the record catalogue.")
        call_command("load_scoring_models", verbosity=0)  # shipped schemes; never overwrites
        call_command("supervision_defaults", verbosity=0)  # measures per grade; keeps edits
        if not no_demo and not Subject.objects.exists():
            self.stdout.write("Seeding the demo county (first start)…")
            call_command("seed_demo", no_progress=True)
            call_command("regrade")
            call_command("process_deadlines")  # key-supervision entries for the demo county
            self._demo_cases_and_passwords()
        lead = Department.objects.filter(kind=Department.Kind.LEAD).first()
        if lead is None:
            lead = department_create(actor=None, code="lead", name="住房保障中心",
                                     kind=Department.Kind.LEAD)
        if not User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            user, password = user_create(actor=None, username="admin", role=Role.ADMIN,
                                         department=lead, full_name="系统管理员")
            self.stdout.write(self.style.WARNING(
                "\n  Administrator created.\n"
                f"    user:     {user.username}\n"
                f"    password: {password}   (one-time: you must change it at first login)\n"
            ))

    def _demo_cases_and_passwords(self) -> None:
        """List cases, enterprise self-service cases, and the demo accounts' one-time passwords
        (printed once, on the first start; each must be changed at first sign-in)."""
        from common import clock
        from workbench.demo import demo_staff_passwords, seed_self_service

        self.stdout.write("Seeding list cases, enterprise accounts, objections and repairs…")
        enterprises = seed_self_service(as_of=clock.today())
        staff = demo_staff_passwords()
        accounts = {**staff, **enterprises}
        lines = [f"    {name:<14} {password}" for name, password in accounts.items()]
        if lines:
            self.stdout.write(self.style.WARNING(
                "\n  Demo accounts (one-time passwords, shown only now; staff sign in at /login/,"
                " enterprises at /my/login/):\n" + "\n".join(lines) + "\n"))


def ensure_data_dir() -> None:
    """Create the data directory and, once, its secret key file (owner-readable only)."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = settings.SECRET_KEY_FILE
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
