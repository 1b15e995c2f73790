"""Writes on departments and staff accounts, each audited and reserved to administrators.

`actor=None` is the platform itself (the `bootstrap` command creating the first administrator);
every door that serves a person passes that person, whose role is checked here.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, Role, User
from audit.services import record_event, snapshot

USER_FIELDS = ["username", "first_name", "department_id", "role", "is_active", "is_superuser"]


def _require_admin(actor: Any) -> None:
    if actor is not None:
        permissions.require(permissions.can_manage_accounts(actor), _("manage staff accounts"))


@transaction.atomic
def department_create(*, actor: Any, code: str, name: str, kind: str) -> Department:
    _require_admin(actor)
    department = Department.objects.create(code=code, name=name, kind=kind)
    record_event(actor=actor, action="department.create", target=department,
                 after=snapshot(department))
    return department


@transaction.atomic
def user_create(
    *, actor: Any, username: str, role: str, department: Department | None,
    full_name: str = "", password: str | None = None,
) -> tuple[User, str]:
    """Create a staff account; returns it with its initial password (generated if not given).

    A generated password is one-time: the holder must change it at first login.
    """
    _require_admin(actor)
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    user = User(
        username=username, role=role, department=department, first_name=full_name,
        is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
        must_change_password=one_time,
    )
    user.set_password(password)
    user.save()
    record_event(actor=actor, action="user.create", target=user,
                 after=snapshot(user, USER_FIELDS))
    return user, password


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    """Set a person's own new password (already validated by the form) and end a one-time one.

    The audit event records that the password changed and whether it was forced, never the value.
    """
    forced = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record_event(actor=user, action="user.password_change", target=user, after={"forced": forced})
    return user
