"""The subject page's archive: the subject's records, grouped by polarity and state, and as a
timeline. `subjects` sits left of `records` in the flow, so records adds this to the subject
page through `subjects.panels.register_context` (from RecordsConfig.ready()).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from records.models import Polarity, RecordState
from records.selectors import records_for_subject

# Order of record groups on the subject page: what is in force first.
STATE_ORDER = [RecordState.EFFECTIVE, RecordState.SUBMITTED, RecordState.DRAFT,
               RecordState.REJECTED, RecordState.CORRECTED, RecordState.REVOKED]


def archive(*, subject: Any, user: Any) -> dict[str, Any]:
    """The subject's records as this user may see them: grouped, and as a timeline."""
    records = list(records_for_subject(subject=subject, user=user))
    groups = []
    for polarity in (Polarity.BAD, Polarity.GOOD):
        mine = [r for r in records if r.record_type.polarity == polarity]
        by_state = sorted(mine, key=lambda r: STATE_ORDER.index(r.state))
        groups.append({
            "polarity": polarity, "label": polarity.label, "count": len(mine),
            "states": [
                {"state": state, "label": RecordState(state).label, "records": list(rs)}
                for state, rs in groupby(by_state, key=lambda r: r.state)
            ],
        })
    timeline = sorted(records, key=lambda r: (r.decided_on, r.pk))
    return {"groups": groups, "timeline": timeline, "record_count": len(records)}
