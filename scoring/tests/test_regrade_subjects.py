"""The set-based re-grade of many subjects (`engine.regrade_subjects`, the nightly job) against
the one-subject re-grade (`engine.regrade_subject`) it replaces: the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from scoring import engine, sqlcompile
from scoring.models import CurrentBatch, Evaluation
from subjects.models import Subject

AS_OF = dt.date(2026, 6, 30)
LATER = dt.date(2027, 3, 1)   # some records' publicity or windows have ended by then


class _Rollback(Exception):
    pass


@pytest.fixture
def county(shipped, make_subject, make_record):
    est = dt.date(2015, 1, 1)
    subjects = {
        "clean": make_subject("property_service", established_on=est),
        "fined": make_subject("property_service", established_on=est),
        "black": make_subject("property_service", established_on=est),
        "praised": make_subject("property_service", established_on=est),
        "developer": make_subject("developer", established_on=est,
                                  qualification="房地产开发企业一级资质"),
        "builder": make_subject("builder", established_on=est),   # category never graded
    }
    make_record(subjects["fined"], "penalty_confiscation", decided_on=dt.date(2026, 1, 15))
    make_record(subjects["fined"], "penalty_warning", decided_on=dt.date(2025, 3, 1))
    make_record(subjects["black"], "maintenance_fund_misuse", decided_on=dt.date(2026, 1, 15))
    make_record(subjects["praised"], "commendation_national", decided_on=dt.date(2025, 8, 1))
    make_record(subjects["developer"], "penalty_warning", decided_on=dt.date(2026, 2, 1))
    engine.regrade_many(models=[shipped["property_service"], shipped["developer"]], as_of=AS_OF)
    # a subject registered after the batch was built: it has no row yet
    subjects["late"] = make_subject("property_service", established_on=est)
    make_record(subjects["late"], "penalty_warning", decided_on=dt.date(2026, 9, 1))
    return subjects


def _rows() -> dict[tuple[int, int], tuple]:
    batches = list(CurrentBatch.objects.values_list("batch_id", flat=True))
    return {(e.batch_id, e.subject_id): (e.score, e.grade, e.veto, e.as_of)
            for e in Evaluation.objects.filter(batch_id__in=batches)}


def _one_by_one(ids: list[int], as_of: dt.date) -> tuple[int, dict]:
    """The per-subject path's result, rolled back."""
    try:
        with transaction.atomic():
            done = sum(engine.regrade_subject(subject=s, as_of=as_of) is not None
                       for s in Subject.objects.filter(pk__in=ids))
            rows = _rows()
            raise _Rollback
    except _Rollback:
        pass
    return done, rows


def test_the_set_based_regrade_writes_what_the_one_subject_regrade_writes(county):
    ids = [s.pk for s in county.values()]
    before = _rows()
    expected_done, expected = _one_by_one(ids, LATER)
    assert _rows() == before            # rolled back
    assert expected != before           # something did change by LATER
    with CaptureQueriesContext(connection) as queries:
        done = engine.regrade_subjects(subject_ids=ids, as_of=LATER)
    assert (done, _rows()) == (expected_done, expected)
    assert done == 6                    # everyone but the builder (category not graded)
    late = county["late"]
    assert any(sid == late.pk and row[3] == LATER for (_b, sid), row in expected.items())
    # one statement over the records for all of them, one audit event
    scans = [q["sql"] for q in queries if "records_creditrecord r" in q["sql"]]
    assert len(scans) == 1 and "INSERT INTO scoring_evaluation" in scans[0]
    event = AuditEvent.objects.get(action="scoring.regrade_subjects")
    assert event.after["regraded"] == 6 and event.after["subjects"] == sorted(ids)
    assert event.after["as_of"] == LATER.isoformat()
    # idempotent: a second run writes the same rows
    assert engine.regrade_subjects(subject_ids=ids, as_of=LATER) == 6
    assert _rows() == expected


def test_many_subjects_go_in_chunks_in_one_transaction(county, monkeypatch):
    ids = [s.pk for s in county.values()]
    _done, expected = _one_by_one(ids, LATER)
    monkeypatch.setattr(engine, "SUBJECTS_PER_STATEMENT", 2)
    with CaptureQueriesContext(connection) as queries:
        assert engine.regrade_subjects(subject_ids=ids, as_of=LATER) == 6
    assert len([q for q in queries if "INSERT INTO scoring_evaluation" in q["sql"]]) == 4
    assert _rows() == expected
    assert AuditEvent.objects.filter(action="scoring.regrade_subjects").count() == 1


def test_a_failing_statement_falls_back_to_one_subject_at_a_time(county, monkeypatch):
    ids = [s.pk for s in county.values()]
    expected_done, expected = _one_by_one(ids, LATER)

    def broken(**_kwargs: object) -> str:
        raise ValueError("a damaged model")

    monkeypatch.setattr(engine, "upsert_sql", broken)
    assert engine.regrade_subjects(subject_ids=ids, as_of=LATER) == expected_done
    assert _rows() == expected
    assert sqlcompile.upsert_sql is not broken
