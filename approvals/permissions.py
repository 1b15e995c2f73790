"""Who may run credit checks, record commitments and feedback, and who oversees them all.

Window officers (窗口工作人员) are the main users; clerks of the units that handle applications
(and API service accounts, which are clerks of their department) may check too. The lead
department and the read-only roles see every department's checks; everyone else their own.
The roles and the rules are kept in `accounts.roles` and `accounts.permissions`; these are their
names in this app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.permissions import allowed

if TYPE_CHECKING:
    from accounts.models import User


def can_run_checks(user: User) -> bool:
    return allowed(user, "approvals.run_checks")


def can_oversee(user: User) -> bool:
    """The lead department's staff and the read-only roles see every department."""
    return allowed(user, "approvals.oversee_checks")


def can_handle(user: User, department_id: Any) -> bool:
    """Record commitments, supplies and feedback for checks of `department_id`: staff of that
    department who may run checks, or an administrator."""
    return allowed(user, "approvals.handle_checks", department_id)


def can_see(user: User, department_id: Any) -> bool:
    return allowed(user, "approvals.see_checks", department_id)
