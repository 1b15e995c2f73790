"""Who may do what in classified supervision; asked by views before acting and by services again.

Kept beside the app (not in `accounts.permissions`) because only supervision asks these
questions; the lead may move them there. Drawing and publishing a random-inspection plan is a
decision of the lead department (admin and lead reviewers), like making a record effective.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts import permissions
from accounts.models import Role

if TYPE_CHECKING:
    from accounts.models import User

PLANNERS = {Role.ADMIN, Role.LEAD_REVIEWER}


def can_plan_inspections(user: User) -> bool:
    """Draw, publish plans and keep the inspector pool and avoidance rules."""
    return permissions.is_staff_member(user) and user.role in PLANNERS


def can_manage_measures(user: User) -> bool:
    """Change the supervision measures (data with legal weight): administrators only."""
    return permissions.is_staff_member(user) and user.role == Role.ADMIN


def can_record_results(user: User) -> bool:
    """Entering an inspection result is entering a credit record, so the same rule applies."""
    return permissions.can_submit_records(user)


def can_read(user: User) -> bool:
    return permissions.is_staff_member(user)
