"""API tokens: issuing, revoking and finding the credential other departments' systems use.

A token is a credential for a department's system, not for a person; it therefore acts through a
dedicated service account so that everything it submits passes the same services, permission
checks and four-eyes rule as a clerk's entry, and the audit log names an accountable actor.
(Moved from `exchange`, which sits right of every app that serves an API.)
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import ApiToken, Department, Role, Scope, User
from audit.services import record_event, snapshot
from common import clock
from common.errors import Conflict, NotFound, ValidationFailed

TOKEN_PREFIX = "hc"
TOKEN_FIELDS = ["name", "department_id", "user_id", "prefix", "scopes", "created_at",
                "revoked_at"]  # never key_hash: the audit log is readable by auditors


def hash_token(plaintext: str) -> str:
    """SHA-256 of the whole plaintext: the secret has 256 bits, so a slow hash adds nothing."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def split_token(plaintext: str) -> tuple[str, str] | None:
    """`hc_<prefix>_<secret>` → (prefix, secret), or None when the shape is wrong."""
    head, sep, rest = plaintext.partition("_")
    if head != TOKEN_PREFIX or not sep:
        return None
    prefix, sep, secret = rest.partition("_")
    if not prefix or not sep or not secret:
        return None
    return prefix, secret


def _require_token_admin(actor: User | None) -> None:
    """Only administrators (or the server operator, actor None) hand out API credentials."""
    allowed = actor is None or (
        permissions.is_staff_member(actor) and actor.role == Role.ADMIN
    )
    permissions.require(allowed, _("manage API tokens"))


def parse_scopes(raw: Iterable[str]) -> list[str]:
    """Validate and de-duplicate scopes, keeping the catalogue's order."""
    wanted = {s.strip() for s in raw if s and s.strip()}
    unknown = sorted(wanted - set(Scope.values))
    if unknown:
        raise ValidationFailed(
            "unknown_scope",
            _("Unknown scope %(s)s; valid scopes are %(valid)s.")
            % {"s": ", ".join(unknown), "valid": ", ".join(Scope.values)},
            field="scopes",
        )
    if not wanted:
        raise ValidationFailed("required", _("Give the token at least one scope."),
                               field="scopes")
    return [s for s in Scope.values if s in wanted]


@transaction.atomic
def token_issue(
    *, actor: User | None, department: Department, name: str, scopes: Iterable[str],
) -> tuple[ApiToken, str]:
    """Create a token and its service account; returns the token and its plaintext (shown once).

    The service account is always a clerk of the token's department, even for the lead
    department: a system may submit records, but a human reviewer must still approve them.
    Only the SHA-256 of the plaintext is stored.
    """
    _require_token_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed("required", _("The token name is required."), field="name")
    if not department.is_active:
        raise ValidationFailed("inactive_department",
                               _("Department %(d)s is not active.") % {"d": department.name},
                               field="department")
    scope_list = parse_scopes(scopes)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists() or User.objects.filter(
        username=f"api-{prefix}"
    ).exists():  # 2**32 prefixes: a collision is rare, but must not become a 500
        prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    user = User(username=f"api-{prefix}", first_name=name[:150], role=Role.CLERK,
                department=department)
    user.set_unusable_password()
    user.save()
    record_event(actor=actor, action="user.create", target=user,
                 after={**snapshot(user, ["username", "first_name", "department_id", "role"]),
                        "service_account": True})
    token = ApiToken.objects.create(name=name, department=department, user=user, prefix=prefix,
                                    key_hash=hash_token(plaintext), scopes=scope_list)
    record_event(actor=actor, action="api_token.issue", target=token,
                 after=snapshot(token, TOKEN_FIELDS))
    return token, plaintext


@transaction.atomic
def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token for good and deactivate its service account; the rows are kept for audit."""
    _require_token_admin(actor)
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise Conflict("already_revoked", _("This token is already revoked."))
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    User.objects.filter(pk=token.user_id).update(is_active=False)
    record_event(actor=actor, action="api_token.revoke", target=token,
                 before={"revoked_at": None}, after={"revoked_at": token.revoked_at})
    return token


def token_by_prefix(*, prefix: str) -> ApiToken:
    """For the revoke command: a token by the prefix printed when it was issued."""
    token = ApiToken.objects.select_related("department", "user").filter(
        prefix=prefix.strip()
    ).first()
    if token is None:
        raise NotFound("token_not_found", _("No API token has the prefix %(p)s.")
                       % {"p": prefix}, field="prefix")
    return token
