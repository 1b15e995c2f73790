"""`manage.py revoke_api_token PREFIX`: revoke a token at once (it answers 401 from then on)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.api_tokens import token_by_prefix, token_revoke
from common.errors import ServiceError


class Command(BaseCommand):
    help = "Revoke the API token with the given prefix (the part after 'hc_')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, prefix: str, **options: Any) -> None:
        # accept the whole plaintext too: whoever holds it can revoke it
        if prefix.startswith("hc_"):
            prefix = prefix.split("_")[1]
        try:
            token = token_revoke(actor=None, token=token_by_prefix(prefix=prefix))
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Revoked token {token.prefix} ({token.name}).")
