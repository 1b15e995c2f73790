"""Who may run credit checks, record commitments and feedback, and who oversees them all.

Window officers (窗口工作人员) are the main users; clerks of the units that handle applications
(and API service accounts, which are clerks of their department) may check too. The lead
department and the read-only roles see every department's checks; everyone else their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts import permissions
from accounts.models import Department, Role

if TYPE_CHECKING:
    from accounts.models import User

CHECK_ROLES = {Role.WINDOW_OFFICER, Role.CLERK, Role.LEAD_REVIEWER, Role.ADMIN}
OVERSIGHT_ROLES = {Role.ADMIN, Role.LEADER, Role.AUDITOR}


def can_run_checks(user: User) -> bool:
    return (permissions.is_staff_member(user) and user.role in CHECK_ROLES
            and user.department_id is not None)


def can_oversee(user: User) -> bool:
    """The lead department's staff and the read-only roles see every department."""
    if not permissions.is_staff_member(user):
        return False
    if user.role in OVERSIGHT_ROLES:
        return True
    department = user.department
    return department is not None and department.kind == Department.Kind.LEAD


def can_handle(user: User, department_id: Any) -> bool:
    """Record commitments, supplies and feedback for checks of `department_id`: staff of that
    department who may run checks, or an administrator."""
    if not can_run_checks(user):
        return False
    return user.role == Role.ADMIN or user.department_id == department_id


def can_see(user: User, department_id: Any) -> bool:
    if not permissions.is_staff_member(user):
        return False
    return can_oversee(user) or user.department_id == department_id
