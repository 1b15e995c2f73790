"""Bearer-token authentication for API v1, with one required scope per endpoint.

Each endpoint is given its own `TokenAuth(scope)` instance, so a missing scope is refused before
the request body is even parsed, and the OpenAPI document shows one bearer scheme for all.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts.api_tokens import hash_token, split_token
from accounts.models import ApiToken, User
from common import clock
from common.errors import PermissionDeniedError

# Writing last_used_at on every call would turn each read into a write; once a minute is
# precise enough to tell an administrator whether a token is still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

#: How long a worker answers with a token it has already looked up, without reading it again.
#: This bounds how late a revocation (or a deactivated service account, or changed scopes) acts
#: in the *other* workers of a multi-process server: at most this many seconds. The worker that
#: revokes forgets every cached token at once (the `post_save` receivers below).
TOKEN_CACHE_SECONDS = 5.0
_TOKEN_CACHE_MAX = 1000
# SHA-256 of the plaintext -> (monotonic time it was read, the live token); never the plaintext.
_live: dict[str, tuple[float, ApiToken]] = {}


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


def forget_tokens(*_args: Any, **_kwargs: Any) -> None:
    """Drop every cached token of this process (a token or a user was saved or deleted here)."""
    _live.clear()


for _model in (ApiToken, User):
    post_save.connect(forget_tokens, sender=_model, weak=False,
                      dispatch_uid=f"accounts.api_auth:{_model.__name__}:save")
    post_delete.connect(forget_tokens, sender=_model, weak=False,
                        dispatch_uid=f"accounts.api_auth:{_model.__name__}:delete")


def live_token(plaintext: str) -> ApiToken | None:
    """`find_token`, remembered for `TOKEN_CACHE_SECONDS` per process.

    Why: the token lookup (a join over token, user and department) was one query of every API
    call, the same answer many times a second for a busy system. Unknown or refused plaintexts
    are never remembered, so a new token works at once; a revoked one is refused at once by the
    worker that revoked it and within `TOKEN_CACHE_SECONDS` by every other worker.
    """
    key = hash_token(plaintext.strip())
    now = time.monotonic()
    hit = _live.get(key)
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    token = find_token(plaintext)
    if token is None:
        _live.pop(key, None)
        return None
    if len(_live) >= _TOKEN_CACHE_MAX:
        _live.clear()
    _live[key] = (now, token)
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
    token.last_used_at = now  # a cached token then skips the write for the next minute too


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hc_<prefix>_<secret>`; `request.auth` becomes the ApiToken."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = live_token(token)
        if found is None:
            return None  # ninja answers 401 through the AuthenticationError handler
        touch(found)
        if self.scope not in found.scopes:
            raise PermissionDeniedError(
                "missing_scope",
                _("This token lacks the scope %(scope)s needed here.") % {"scope": self.scope},
            )
        return found
