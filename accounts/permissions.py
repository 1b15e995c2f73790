"""What each role may see and do: the single place the server asks before acting.

Views and the API call these; services call them again (`require`) so that no door can skip a
check. Kept as plain functions over (user, object) so tests can read them as a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts.models import Department, Role
from common.errors import PermissionDeniedError

if TYPE_CHECKING:
    from accounts.models import User

STAFF_ROLES = set(Role.values) - {Role.ENTERPRISE}  # an enterprise sees /my/ only
WRITERS = {Role.ADMIN, Role.LEAD_REVIEWER, Role.CLERK}
REVIEWERS = {Role.ADMIN, Role.LEAD_REVIEWER}
UNMASK_ROLES = {Role.ADMIN, Role.LEAD_REVIEWER, Role.WINDOW_OFFICER, Role.AUDITOR}


def is_staff_member(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in STAFF_ROLES)


def can_edit_subjects(user: User) -> bool:
    return is_staff_member(user) and user.role in WRITERS


def can_submit_records(user: User, department: Department | None = None) -> bool:
    """Clerks submit for their own department; reviewers and administrators for any."""
    if not is_staff_member(user) or user.role not in WRITERS:
        return False
    if user.role == Role.CLERK:
        return department is None or department.pk == user.department_id
    return True


def can_review_records(user: User) -> bool:
    """Only the lead department's reviewers (and administrators) make records effective."""
    if not is_staff_member(user) or user.role not in REVIEWERS:
        return False
    return user.role == Role.ADMIN or (
        user.department is not None and user.department.kind == Department.Kind.LEAD
    )


def can_see_all_departments(user: User) -> bool:
    return is_staff_member(user) and user.role != Role.CLERK


def can_unmask_personal_data(user: User) -> bool:
    return is_staff_member(user) and user.role in UNMASK_ROLES


def can_read_audit(user: User) -> bool:
    return is_staff_member(user) and user.role in {Role.ADMIN, Role.AUDITOR}


def can_manage_accounts(user: User) -> bool:
    """Departments and staff accounts are the administrator's alone."""
    return is_staff_member(user) and user.role == Role.ADMIN


def require(allowed: bool, action: str) -> None:
    """Raise a translated 403 unless `allowed`; `action` names what was refused."""
    if not allowed:
        raise PermissionDeniedError(
            "permission_denied", _("You are not allowed to %(action)s.") % {"action": action}
        )
