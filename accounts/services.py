"""Writes on departments and staff accounts, each audited and reserved to administrators.

`actor=None` is the platform itself (the `bootstrap` command creating the first administrator);
every door that serves a person passes that person, whose role is checked here.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, Role, User
from audit.services import record_event, snapshot
from common.errors import ValidationFailed
from common.identifiers import validate_uscc

USER_FIELDS = ["username", "first_name", "department_id", "role", "is_active", "is_superuser"]


def _require_admin(actor: Any) -> None:
    if actor is not None:
        permissions.require(permissions.can_manage_accounts(actor), _("manage staff accounts"))


@transaction.atomic
def department_create(
    *, actor: Any, code: str, name: str, kind: str,
    source_kind: str = Department.SourceKind.GOVERNMENT, credit_code: str = "",
) -> Department:
    """Create a department or external source. A rating agency or an industry association is
    always an external department (the platform's own units are government departments)."""
    _require_admin(actor)
    credit_code = checked_credit_code(credit_code)
    if source_kind not in Department.SourceKind.values:
        raise ValidationFailed("unknown_source_kind", _("Unknown kind of source."),
                               field="source_kind")
    if source_kind != Department.SourceKind.GOVERNMENT and kind != Department.Kind.EXTERNAL:
        raise ValidationFailed(
            "third_party_not_external",
            _("A rating agency or an industry association can only be an external source."),
            field="source_kind")
    department = Department.objects.create(code=code, name=name, kind=kind,
                                           source_kind=source_kind, credit_code=credit_code)
    record_event(actor=actor, action="department.create", target=department,
                 after=snapshot(department))
    return department


def checked_credit_code(raw: str) -> str:
    """The department's 统一社会信用代码 normalised, or refused with GB 32100's reason."""
    if not (raw or "").strip():
        return ""
    try:
        return validate_uscc(raw).code
    except ValidationFailed as exc:
        raise ValidationFailed(exc.code, exc.message, field="credit_code") from None


@transaction.atomic
def department_set_credit_code(*, actor: Any, department: Department,
                               credit_code: str) -> Department:
    """Set (or clear) a department's own credit code, which the 双公示 export writes as the
    deciding authority's and the data source's code (CF_CFJGDM / CF_SJLYDM, XK_XKJGDM /
    XK_LYDWDM); audited with the code before and after."""
    _require_admin(actor)
    credit_code = checked_credit_code(credit_code)
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = department.credit_code
    department.credit_code = credit_code
    department.save(update_fields=["credit_code"])
    record_event(actor=actor, action="department.credit_code", target=department,
                 before={"credit_code": before}, after={"credit_code": credit_code})
    return department


def _enterprise_boundary() -> ValidationFailed:
    """An enterprise account belongs to one subject and is opened by the enterprise's own
    registration and the lead department's verification (`appeals.services.account_register`,
    `account_decide`); made here it had no subject, and a staff account turned into one (or
    back) kept the other side's links."""
    return ValidationFailed(
        "enterprise_role",
        _("Enterprise accounts are opened by the enterprise's registration and the lead "
          "department's verification; a staff account cannot be made one, nor one a staff "
          "account."), field="role")


@transaction.atomic
def user_create(
    *, actor: Any, username: str, role: str, department: Department | None,
    full_name: str = "", password: str | None = None,
) -> tuple[User, str]:
    """Create a staff account; returns it with its initial password (generated if not given).

    A generated password, or any password an administrator chooses for someone else, is
    one-time: the holder must change it at first sign-in. Only the platform itself (`actor=None`,
    e.g. a test fixture or the bootstrap) may set a lasting password.
    """
    _require_admin(actor)
    if role == Role.ENTERPRISE:
        raise _enterprise_boundary()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed("duplicate_username", _("This user name is already taken."),
                               field="username")
    one_time = password is None or actor is not None
    password = password or _one_time_password()
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


def service_account(*, department: Department, username: str, display_name: str) -> User:
    """A department's service account: the user a platform process acts as (a feed import, a
    commitment's outcome, an enterprise's filing), so the audit log names it.

    A clerk of `department` (clerks act for their own department only: least privilege), without
    a usable password so nobody can sign in as it, created once with its audit event; a
    concurrent first call gets the same account.
    """
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, first_name=display_name[:150], role=Role.CLERK,
                department=department)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            record_event(actor=None, action="user.create", target=user, after={
                "username": username, "department_id": department.pk, "role": Role.CLERK,
                "service_account": True})
    except IntegrityError:  # created concurrently
        return User.objects.get(username=username)
    return user


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


def _one_time_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_update(
    *, actor: Any, user: User, role: str, department: Department | None, full_name: str,
    is_active: bool,
) -> User:
    """Change a staff account's role, department, name or whether it may sign in.

    An administrator cannot disable or demote their own account (nobody could undo it), and the
    last active administrator stays one.
    """
    _require_admin(actor)
    if (user.role == Role.ENTERPRISE) != (role == Role.ENTERPRISE):
        raise _enterprise_boundary()
    if actor is not None and actor.pk == user.pk and (not is_active or role != Role.ADMIN):
        raise ValidationFailed(
            "own_account", _("You cannot disable or demote your own account."), field="role")
    if user.role == Role.ADMIN and (role != Role.ADMIN or not is_active):
        others = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
        if not others.exists():
            raise ValidationFailed(
                "last_admin", _("The platform must keep at least one active administrator."),
                field="role")
    before = snapshot(user, USER_FIELDS)
    user.role = role
    user.department = department
    user.first_name = full_name
    user.is_active = is_active
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save()
    record_event(actor=actor, action="user.update", target=user, before=before,
                 after=snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def password_reset(*, actor: Any, user: User, password: str | None = None) -> str:
    """Give a staff account a one-time password and return it (to be shown once).

    Any password an administrator sets, generated here or typed in the Django admin, is
    one-time: its holder must choose their own at the next sign-in, so no administrator knows a
    colleague's working password. The audit event records who reset whose password, never the
    value.
    """
    _require_admin(actor)
    password = password or _one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record_event(actor=actor, action="user.password_reset", target=user,
                 after={"one_time": True})
    return password


@transaction.atomic
def second_factor_confirm(*, user: User, device: Any, token: str) -> bool:
    """Confirm a new TOTP device with a code it produced; the second factor is then required at
    every sign-in of this account. Returns False (nothing changes) for a wrong code."""
    if not device.verify_token(token.strip()):
        return False
    user.totpdevice_set.exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(actor=user, action="user.second_factor_enable", target=user,
                 after={"device": device.name})
    return True


@transaction.atomic
def second_factor_remove(*, actor: Any, user: User) -> None:
    """Remove an account's second factor: by its holder (signed in with it) or an
    administrator, for a lost phone."""
    if actor.pk != user.pk:
        _require_admin(actor)
    removed, _count = user.totpdevice_set.all().delete()
    record_event(actor=actor, action="user.second_factor_remove", target=user,
                 after={"removed": removed})
