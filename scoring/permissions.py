"""Who may manage scoring models and run re-grades.

Names in this app for the permissions its role groups hold (`accounts.roles`); the same
`accounts.permissions.require` raises the refusal.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import allowed


def can_manage_models(user: Any) -> bool:
    """Upload, edit, simulate and publish models; run a full re-grade."""
    return allowed(user, "scoring.manage_models")


def can_view_grades(user: Any) -> bool:
    """Every staff role reads grades and their explanations (they drive supervision)."""
    return allowed(user, "scoring.view_grades")
