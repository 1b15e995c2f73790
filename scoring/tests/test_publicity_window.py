"""A grade never counts a record whose publicity has ended, whatever the rule's window.

The brokerage and rental models count a record for 12 months after its decision; a record
disclosed for less (here six months) must stop counting the day after its publicity ends, in
the plain evaluator (which explains a grade) and in the SQL engine (which grades everyone), both
for one subject and for the whole set (PostgreSQL's weights-table path).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scoring import dates
from scoring.engine import compute_rows, spec_of

from .helpers import evaluate_both

DECIDED = dt.date(2026, 1, 15)
ENDS = dt.date(2026, 7, 14)  # six months of publicity, shorter than the 12-month window


def _whole_set(spec, subject_pk: int, as_of: dt.date):
    [row] = [r for r in compute_rows(specs=[spec], as_of=as_of) if r.subject_id == subject_pk]
    return row


@pytest.mark.parametrize("category", ["brokerage", "rental"])
def test_month_window_ends_with_the_publicity(shipped, make_subject, make_record, category):
    spec = spec_of(shipped[category])
    assert dates.add_months(DECIDED, 12) > ENDS
    subject = make_subject(category)
    clean = evaluate_both(spec, subject, ENDS)
    record = make_record(subject, "complaint_verified", decided_on=DECIDED,
                         publicity_ends_on=ENDS)

    day_before = ENDS - dt.timedelta(days=1)
    for as_of in (day_before, ENDS):
        counted = evaluate_both(spec, subject, as_of)
        assert counted.score < clean.score, as_of
        assert record.pk in {c.record_id for c in counted.contributions}
        assert counted.has_bad_record
        row = _whole_set(spec, subject.pk, as_of)
        assert (row.score, row.grade) == (counted.score, counted.grade)

    day_after = ENDS + dt.timedelta(days=1)
    ended = evaluate_both(spec, subject, day_after)
    assert ended.score == clean.score
    assert record.pk not in {c.record_id for c in ended.contributions}
    assert not ended.has_bad_record and ended.counted_records == 0
    row = _whole_set(spec, subject.pk, day_after)
    assert (row.score, row.grade) == (ended.score, ended.grade)


@pytest.mark.parametrize("state", ["revoked", "repaired"])
def test_revoked_or_repaired_record_never_counts(shipped, make_subject, make_record, state):
    spec = spec_of(shipped["brokerage"])
    subject = make_subject("brokerage")
    clean = evaluate_both(spec, subject, DECIDED)
    make_record(subject, "complaint_verified", decided_on=DECIDED, publicity_ends_on=ENDS,
                state=state)
    for as_of in (DECIDED, ENDS - dt.timedelta(days=1)):
        result = evaluate_both(spec, subject, as_of)
        assert result.score == clean.score and result.counted_records == 0
        assert _whole_set(spec, subject.pk, as_of).score == clean.score


def test_good_record_with_month_window_ends_with_publicity(shipped, make_subject, make_record):
    """A commendation (+points for 12 months) also stops counting when its publicity ends."""
    spec = spec_of(shipped["brokerage"])
    subject = make_subject("brokerage")
    clean = evaluate_both(spec, subject, ENDS)
    make_record(subject, "commendation_city", decided_on=DECIDED, publicity_ends_on=ENDS)
    assert evaluate_both(spec, subject, ENDS).score == clean.score + Decimal(5)
    after = evaluate_both(spec, subject, ENDS + dt.timedelta(days=1))
    assert after.score == clean.score
    assert _whole_set(spec, subject.pk, ENDS + dt.timedelta(days=1)).score == clean.score
