"""Deadline handlers registered with `common.deadlines` (run by `manage.py process_deadlines`).

Each handler moves only entries whose stored last day lies before `as_of` and which are still
in the state the deadline moves them from, each under a row lock re-checked in its own
transaction; so running twice, or once after a gap of days, moves every entry exactly once.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from common.deadlines import previous_run_as_of
from lists import services
from lists.models import BlackListEntry, KeySupervisionEntry, RedListEntry
from records.models import CreditRecord
from scoring.engine import regrade_subjects


def black_list_deadlines(as_of: dt.date) -> int:
    """Statement period over → review; publicity over → in force; period over → expired."""
    return sum(services.black_list_deadlines(as_of).values())


def red_list_deadlines(as_of: dt.date) -> int:
    """Publicity over → awaiting decision; validity over → expired; nominations by rule."""
    return sum(services.red_list_deadlines(as_of).values())


def key_supervision_recheck(as_of: dt.date) -> int:
    """Re-check every key-supervision rule for everyone: records whose publicity ended, grades
    of a new batch, black-list entries that expired. Returns entries opened plus ended."""
    entered, ended = services.key_supervision_sync(subject_ids=None, as_of=as_of)
    return entered + ended


def basis_changed_subject_ids(*, since: dt.date, as_of: dt.date) -> set[int]:
    """Subjects whose grading basis changed on a day in (since, as_of]: a record's publicity
    ended (its last day was the day before), a record was repaired, a black-list, red-list or
    key-supervision entry ended."""
    ended = Q(publicity_ends_on__gte=since, publicity_ends_on__lt=as_of)
    repaired = Q(repaired_on__gt=since, repaired_on__lte=as_of)
    ids: set[int] = set()
    # two queries, not one OR, and no DISTINCT (the set removes repeats): SQLite then reads
    # the publicity-end index and scans once for repairs; the OR with DISTINCT made it walk
    # every record in subject order (22 s at 2,000,000 records, `docs/performance.md`)
    for condition in (ended, repaired):
        ids.update(CreditRecord.objects.filter(condition).order_by()
                   .values_list("subject_id", flat=True))
    for model in (BlackListEntry, RedListEntry, KeySupervisionEntry):
        ids.update(model.objects.filter(ended_on__gt=since, ended_on__lte=as_of).order_by()
                   .values_list("subject_id", flat=True).distinct())
    return ids


def regrade_changed_basis(as_of: dt.date) -> int:
    """Re-grade, incrementally, every subject whose basis changed since the last run (or on
    `as_of` itself on the first run): no grade counts a record past its publicity, an expired
    listing or a repaired record from the day it happens (发改委令第36号: the evaluation is
    updated; 建市〔2017〕241号 第十三条). Idempotent: re-grading twice gives the same grade.
    A gap of days is covered once (at most 400 days back)."""
    previous = previous_run_as_of(before=as_of)
    floor = as_of - dt.timedelta(days=400)
    since = max(previous, floor) if previous else as_of - dt.timedelta(days=1)
    ids = basis_changed_subject_ids(since=since, as_of=as_of)
    if not ids:
        return 0
    # key supervision follows the new grades (lowest grade rule) the same day
    count = regrade_subjects(subject_ids=sorted(ids), as_of=as_of)
    services.key_supervision_sync(subject_ids=sorted(ids), as_of=as_of)
    return count
