"""Who may issue and revoke verifiable documents (the public pages need no permission)."""

from __future__ import annotations

from accounts import permissions
from accounts.models import Role, User
from appeals.permissions import enterprise_subject
from subjects.models import Subject

# Issuing a report is a write (a document is issued in the platform's name and audited):
# the roles that serve subjects, not the read-only leaders and auditors.
ISSUERS = {Role.ADMIN, Role.LEAD_REVIEWER, Role.CLERK, Role.WINDOW_OFFICER}


def can_issue_reports(user: User, subject: Subject | None = None) -> bool:
    """Staff who serve subjects, for any subject; a verified enterprise user, for its own."""
    if subject is not None and enterprise_subject(user) == subject:
        return True
    return permissions.is_staff_member(user) and user.role in ISSUERS


def can_revoke_documents(user: User) -> bool:
    """Revoking what the platform certified is the lead department's reviewers' decision."""
    return permissions.can_review_records(user)
