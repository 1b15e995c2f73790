"""Who may manage scoring models and run re-grades.

Kept in the scoring app (accounts.permissions is the foundation's table for subjects and
records); the same `accounts.permissions.require` raises the refusal.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import is_staff_member

MODEL_MANAGERS = {Role.ADMIN, Role.LEAD_REVIEWER}


def can_manage_models(user: Any) -> bool:
    """Upload, edit, simulate and publish models; run a full re-grade."""
    return is_staff_member(user) and user.role in MODEL_MANAGERS


def can_view_grades(user: Any) -> bool:
    """Every staff role reads grades and their explanations (they drive supervision)."""
    return is_staff_member(user)
