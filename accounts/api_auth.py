"""Bearer-token authentication for API v1, with one required scope per endpoint.

Each endpoint is given its own `TokenAuth(scope)` instance, so a missing scope is refused before
the request body is even parsed, and the OpenAPI document shows one bearer scheme for all.
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts.api_tokens import hash_token, split_token
from accounts.models import ApiToken
from common import clock
from common.errors import PermissionDeniedError

# Writing last_used_at on every call would turn each read into a write; once a minute is
# precise enough to tell an administrator whether a token is still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def find_token(plaintext: str) -> ApiToken | None:
    """The live token this plaintext belongs to, or None (unknown, wrong secret, revoked)."""
    parts = split_token(plaintext.strip())
    if parts is None:
        return None
    token = (
        ApiToken.objects.select_related("user", "department", "user__department")
        .filter(prefix=parts[0]).first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, hash_token(plaintext.strip())):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def touch(token: ApiToken) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION (a conditional UPDATE, no race).

    The in-memory check first spares the database a write (on SQLite, a write lock) on every
    request from a busy token.
    """
    now = clock.now()
    if token.last_used_at is not None and token.last_used_at >= now - LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hc_<prefix>_<secret>`; `request.auth` becomes the ApiToken."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = find_token(token)
        if found is None:
            return None  # ninja answers 401 through the AuthenticationError handler
        touch(found)
        if self.scope not in found.scopes:
            raise PermissionDeniedError(
                "missing_scope",
                _("This token lacks the scope %(scope)s needed here.") % {"scope": self.scope},
            )
        return found
