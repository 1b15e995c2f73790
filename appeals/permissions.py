"""Who may do what in self-service: an enterprise for its own subject only, the lead
department's reviewers for verification and answers. The rules are `accounts.permissions`'s
(permissions `appeals.*`, held by the role groups); the `can_…` here are names for them, and
`enterprise_subject` is the one lookup of the subject an enterprise account acts for (registered
with `accounts.permissions` so that its object rules can ask it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts import permissions as account_permissions
from accounts.models import Role

if TYPE_CHECKING:
    from accounts.models import User
    from subjects.models import Subject


def enterprise_subject(user: User | None) -> Subject | None:
    """The one subject a signed-in enterprise user acts for, once its account is verified."""
    if user is None or not user.is_authenticated or not user.is_active \
            or user.role != Role.ENTERPRISE:
        return None
    from appeals.models import EnterpriseAccount

    account = (EnterpriseAccount.objects.select_related("subject")
               .filter(user=user, state=EnterpriseAccount.State.VERIFIED).first())
    return account.subject if account else None


def is_enterprise(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.ENTERPRISE)


def can_verify_accounts(user: User) -> bool:
    """The lead department verifies who acts for an enterprise (its reviewers, administrators)."""
    return account_permissions.allowed(user, "appeals.verify_accounts")


def can_answer(user: User) -> bool:
    """Objections are answered by the lead department's reviewers, as records are reviewed."""
    return account_permissions.allowed(user, "appeals.answer_objections")


def can_view_queue(user: User) -> bool:
    """Every staff role but the clerk, who works for its own department only."""
    return account_permissions.allowed(user, "appeals.view_queue")
