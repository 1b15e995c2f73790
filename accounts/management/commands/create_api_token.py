"""`manage.py create_api_token`: issue a bearer token for a department's system.

The plaintext is printed once and never stored; losing it means revoking and issuing a new one.
Without options the token belongs to the lead department and has every scope, which is what an
operator setting up the first integration needs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.api_tokens import token_issue
from accounts.models import Department, Scope
from common.errors import ServiceError


class Command(BaseCommand):
    help = "Issue an API token (printed once); default: the lead department, every scope."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", help="Department code (default: the lead department).")
        parser.add_argument("--name", help="What the token is for (default: '<department> API').")
        parser.add_argument(
            "--scopes", default="all",
            help="Comma-separated scopes, or 'all' (default). Scopes: " + ", ".join(Scope.values),
        )

    def handle(self, *args: Any, department: str | None = None, name: str | None = None,
               scopes: str = "all", **options: Any) -> None:
        dept = self._department(department)
        scope_list = Scope.values if scopes.strip() == "all" else scopes.split(",")
        try:
            token, plaintext = token_issue(actor=None, department=dept,
                                           name=name or f"{dept.name} API", scopes=scope_list)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Token for {dept.code} ({dept.name}), prefix {token.prefix}, scopes "
            f"{','.join(token.scopes)}.\nStore it now; it is not shown again:\n"
        )
        self.stdout.write(plaintext)

    def _department(self, code: str | None) -> Department:
        if code:
            dept = Department.objects.filter(code=code).first()
            if dept is None:
                known = ", ".join(Department.objects.values_list("code", flat=True)) or "none"
                raise CommandError(f"Unknown department {code!r}; known departments: {known}.")
            return dept
        dept = Department.objects.filter(kind=Department.Kind.LEAD).first()
        if dept is None:
            raise CommandError(
                "There is no lead department yet; run `manage.py bootstrap` first or pass "
                "--department CODE."
            )
        return dept
