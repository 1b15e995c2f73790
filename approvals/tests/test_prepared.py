"""The hot reads of a check run as SQL compiled once per process (`approvals.prepared`): they
must answer exactly what the ORM answers, with the same Python types, for any subject."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from approvals import prepared
from approvals.selectors import (
    _list_probes,
    effective_bad_records,
    effective_bad_records_for,
    gather_facts,
    probe_subject,
    subject_by_code,
    with_current_evaluation,
)
from common import clock
from subjects.models import Subject

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def _orm_subject(code: str) -> Subject:
    return with_current_evaluation(Subject.objects.filter(code=code)).get()


def test_subject_with_its_grade_is_the_orm_s(graded, good_subject, make_subject, make_record,
                                             blacklist):
    fined = make_subject("福州预编译物业有限公司")
    make_record(fined, "property_fee_violation", decided_on=MONDAY - dt.timedelta(days=9))
    ungraded = make_subject("福州未评价物业有限公司")
    graded(MONDAY)
    ungraded_after = make_subject("福州新设物业有限公司")  # no evaluation in the batch
    for subject in (good_subject, fined, ungraded, ungraded_after):
        fast = subject_by_code(code=subject.code.lower(), with_evaluation=True)
        slow = _orm_subject(subject.code)
        for field in Subject._meta.concrete_fields:
            assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
            assert type(getattr(fast, field.attname)) is type(getattr(slow, field.attname))
        for name in ("ev_batch", "ev_grade", "ev_score", "ev_as_of"):
            assert getattr(fast, name) == getattr(slow, name), name
            assert type(getattr(fast, name)) is type(getattr(slow, name)), name
        assert fast._state.adding is False and fast._state.db == "default"
    assert _orm_subject(good_subject.code).ev_grade == "AA"


def test_bad_records_and_probe_are_the_orm_s(graded, make_subject, make_record, blacklist):
    subject = make_subject("福州探测物业有限公司")
    day = MONDAY - dt.timedelta(days=30)
    for _n in range(3):
        make_record(subject, "property_fee_violation", decided_on=day)
    clean = make_subject("福州干净物业有限公司")
    graded(MONDAY)
    assert effective_bad_records(subject=subject) == effective_bad_records_for(
        subject_ids=[subject.pk])[subject.pk]
    assert len(effective_bad_records(subject=subject)) == 3
    assert effective_bad_records(subject=clean) == []
    with clock.frozen_at(MONDAY):
        before = probe_subject(subject=subject, as_of=MONDAY)
        blacklist(subject, since=day)
        after = probe_subject(subject=subject, as_of=MONDAY)  # same statement, new rows
        assert probe_subject(subject=clean, as_of=MONDAY) == set()
    assert "bad_record_in_force" in before and "~lists" not in before
    assert "~lists" in after
    with clock.frozen_at(MONDAY):  # PostgreSQL reads both with the subject, by its code
        for one in (subject, clean):
            found = subject_by_code(code=one.code, with_evaluation=True)
            expected = (MONDAY, effective_bad_records(subject=one),
                        probe_subject(subject=one, as_of=MONDAY))
            if connection.vendor == "postgresql":
                assert found._check_reads == expected
            else:
                assert not hasattr(found, "_check_reads")
            facts, records, probed = gather_facts(subject=found, as_of=MONDAY)
            assert (records, probed) == expected[1:]
    probes = _list_probes(subject)
    assert bool(list(probes[0].union(*probes[1:]))) is True


def test_a_batch_answers_what_each_read_answers(graded, make_subject, make_record,
                                               django_assert_num_queries):
    """`rows_batch` (one round trip on PostgreSQL) gives each read's own rows."""
    from django.db import connection

    from approvals.selectors import _bad_records_read, _probe_read

    subject = make_subject("福州批读物业有限公司")
    for _n in range(2):
        make_record(subject, "property_fee_violation", decided_on=MONDAY - dt.timedelta(days=5))
    graded(MONDAY)
    reads = [_bad_records_read(subject.pk), _probe_read(subject.pk, MONDAY)]
    one_by_one = [prepared.rows(*read) for read in reads]
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        batched = prepared.rows_batch(reads)
    assert batched == one_by_one and len(batched[0]) == 2 and batched[1]


def test_a_new_day_compiles_its_own_statement(graded, good_subject):
    """The probe's SQL holds dates derived from the check's day, so the day is in its key."""
    graded(MONDAY)
    prepared._compiled.clear()
    probe_subject(subject=good_subject, as_of=MONDAY)
    probe_subject(subject=good_subject, as_of=MONDAY + dt.timedelta(days=1))
    keys = [key for key in prepared._compiled._data if key[2][0] == "probe_subject"]
    assert len(keys) == 2


def test_the_sentinel_must_be_a_parameter(good_subject):
    with pytest.raises(ValueError, match="sentinel"):
        prepared.rows("no-sentinel", lambda _v: Subject.objects.filter(pk=1).values_list("pk"),
                      good_subject.pk)
