"""Who may read the statistics and reports (asked by the views and again by the services).

Kept beside the app, like `supervision.access`: leaders read the dashboards and reports, and so
may the lead department's reviewers, administrators and auditors, all read-only. Clerks,
window officers and cooperating units do not: the figures cover every department.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts import permissions
from accounts.models import Department, Role

if TYPE_CHECKING:
    from accounts.models import User

READERS = {Role.LEADER, Role.ADMIN, Role.AUDITOR}


def can_read_statistics(user: User) -> bool:
    if not permissions.is_staff_member(user):
        return False
    if user.role in READERS:
        return True
    return (user.role == Role.LEAD_REVIEWER and user.department is not None
            and user.department.kind == Department.Kind.LEAD)


def can_generate_reports(user: User) -> bool:
    """Issuing a numbered report is an act of the centre: leaders and administrators."""
    return permissions.is_staff_member(user) and user.role in {Role.LEADER, Role.ADMIN}
