"""Deadline handlers of the approvals app, registered in `ApprovalsConfig.ready`.

`manage.py process_deadlines` (and the embedded scheduler) run them for a date; each is
idempotent (see `approvals.services.breach_overdue_commitments`).
"""

from __future__ import annotations

import datetime as dt

from approvals import services


def breach_overdue_commitments(as_of: dt.date) -> int:
    """Open commitments past their deadline → breached, with a `commitment_breach` record sent
    for review (REFERENCE.md §3). Returns how many commitments were breached."""
    return services.breach_overdue_commitments(as_of=as_of)
