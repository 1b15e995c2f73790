"""The subject page's archive: the subject's records, grouped by polarity and state, and as a
timeline. `subjects` sits left of `records` in the flow, so records adds this to the subject
page through `subjects.panels.register_context` (from RecordsConfig.ready()).

A subject may carry a thousand records (issue 14: the page under 300 ms): the counts come from
one aggregate query, and only the latest ARCHIVE_SHOWN records are read and drawn; the records
list (linked from the page, filtered to the subject) pages through and exports all of them.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.db.models import Count

from records.models import Polarity, RecordState
from records.selectors import records_for_subject

# Order of record groups on the subject page: what is in force first.
STATE_ORDER = [RecordState.EFFECTIVE, RecordState.SUBMITTED, RecordState.DRAFT,
               RecordState.REJECTED, RecordState.CORRECTED, RecordState.REVOKED]
#: records drawn on the page (the latest decisions); the counts cover every record
ARCHIVE_SHOWN = 50


def archive(*, subject: Any, user: Any) -> dict[str, Any]:
    """The subject's records as this user may see them: counted by polarity and state, the
    latest ARCHIVE_SHOWN of them grouped the same way and as a timeline. Two queries however
    many records the subject has."""
    visible = records_for_subject(subject=subject, user=user)
    counts = {(row["record_type__polarity"], row["state"]): row["n"] for row in
              visible.order_by().values("record_type__polarity", "state").annotate(n=Count("pk"))}
    records = list(visible[:ARCHIVE_SHOWN])  # newest decision first
    groups = []
    for polarity in (Polarity.BAD, Polarity.GOOD):
        mine = [r for r in records if r.record_type.polarity == polarity]
        by_state = {state: list(rs) for state, rs in groupby(
            sorted(mine, key=lambda r: STATE_ORDER.index(r.state)), key=lambda r: r.state)}
        states = sorted((s for (p, s) in counts if p == polarity), key=STATE_ORDER.index)
        groups.append({
            "polarity": polarity, "label": polarity.label,
            "count": sum(n for (p, _s), n in counts.items() if p == polarity),
            "states": [
                {"state": state, "label": RecordState(state).label,
                 "count": counts[(polarity, state)], "records": by_state.get(state, [])}
                for state in states
            ],
        })
    timeline = sorted(records, key=lambda r: (r.decided_on, r.pk))
    total = sum(counts.values())
    return {"groups": groups, "timeline": timeline, "record_count": total,
            "records_shown": len(records), "records_cut": total > len(records)}
