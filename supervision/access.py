"""Who may do what in classified supervision; asked by views before acting and by services again.

Names in this app for the permissions its role groups hold (`accounts.roles`, checked by
`accounts.permissions`). Drawing and publishing a random-inspection plan is a
decision of the lead department (admin and lead reviewers), like making a record effective.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.permissions import allowed

if TYPE_CHECKING:
    from accounts.models import User

def can_plan_inspections(user: User) -> bool:
    """Draw, publish plans and keep the inspector pool and avoidance rules."""
    return allowed(user, "supervision.plan_inspections")


def can_manage_measures(user: User) -> bool:
    """Change the supervision measures (data with legal weight): administrators only."""
    return allowed(user, "supervision.manage_measures")


def can_record_results(user: User) -> bool:
    """Entering an inspection result is entering a credit record, so the same rule applies."""
    return allowed(user, "supervision.record_results")


def can_read(user: User) -> bool:
    return allowed(user, "supervision.read_supervision")
