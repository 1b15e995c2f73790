"""Date rules the monitoring counts against (one function per rule, with its source)."""

from __future__ import annotations

ENTRY_WORKING_DAYS = 7


def double_publicity_entry_working_days() -> int:
    """Working days allowed from an administrative decision to its entry on the platform.

    《国家发展改革委办公厅关于进一步做好“双公示”工作的通知》（发改办财金〔2016〕1349号）:
    administrative licensing and penalty information is to be disclosed within 7 working days of
    the decision (自作出行政决定之日起7个工作日内). A record entered later counts as late.
    """
    return ENTRY_WORKING_DAYS


def is_entered_late(*, working_days_from_decision: int) -> bool:
    """Late when more working days than the 双公示 allowance passed between decision and entry."""
    return working_days_from_decision > double_publicity_entry_working_days()
