"""Signal receivers: the scoring app reacts to record changes without records importing it.

DESIGN.md: an app imports only from apps to its left in the flow; `records` sends
`record_state_changed` (records/signals.py) and this module, connected in
`ScoringConfig.ready`, re-grades the subject in the same request and transaction (issue 3:
"when a record becomes effective, corrected or revoked, that subject is re-graded at once").
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from common import clock
from records.models import CreditRecord

logger = logging.getLogger(__name__)


def regrade_on_record_change(sender: Any, record: CreditRecord, **kwargs: Any) -> None:
    """Re-grade the record's subject now.

    A fault in grading (say, a model row damaged by hand) must not undo the reviewer's
    decision on the record: it is logged, its savepoint rolled back, and the next full
    re-grade recomputes the subject.
    """
    from scoring.engine import regrade_subject

    try:
        with transaction.atomic():
            regrade_subject(subject=record.subject)
    except Exception:
        logger.exception("incremental re-grade failed for subject %s", record.subject_id)


def note_record_change(sender: Any, record: CreditRecord, **kwargs: Any) -> None:
    """Add the change to scoring's change feed (`RecordChange`), in the same transaction.

    A full re-grade building its batch from an older snapshot reads the feed at its switch and
    re-grades these subjects, so no change made meanwhile is lost.
    """
    from scoring.models import RecordChange

    RecordChange.objects.create(subject_id=record.subject_id, record_id=record.pk,
                                changed_at=clock.now())
