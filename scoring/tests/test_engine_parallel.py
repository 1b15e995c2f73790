"""The full re-grade split over several connections (PostgreSQL, outside any transaction).

Committed data (`transaction=True`): the other connections must see the subjects and records,
and what they build is committed on their own before the run's last transaction attaches it.
The split path must write exactly the rows of the one-connection path, leave no table behind
when it fails, and never run where it cannot be rolled back with the caller (SQLite, inside a
transaction: the ordinary tests).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from scoring import engine, sqlcompile
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.date(2026, 1, 15)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def population(shipped, make_subject, make_record):
    """Subjects of several categories spread over the id range, with records of all kinds."""
    est = dt.date(2015, 1, 1)
    subjects = []
    kinds = ["penalty_confiscation", "maintenance_fund_misuse", "commendation_county"]
    for n in range(24):
        category = ("property_service", "developer", "builder", "rental")[n % 4]
        subject = make_subject(category, established_on=est,
                               qualification="房地产开发企业一级资质"
                               if category == "developer" else "")
        for k in range(n % 4):
            make_record(subject, kinds[(n + k) % len(kinds)],
                        decided_on=RECENT - dt.timedelta(days=40 * k))
        subjects.append(subject)
    return subjects


def _rows(batches: list[EvaluationBatch]) -> dict[tuple[str, int], tuple[str, str, str]]:
    return {(b.category, e.subject_id): (str(e.score), e.grade, e.veto)
            for b in batches for e in Evaluation.objects.filter(batch=b)}


def _leftovers() -> list[str]:
    return [t for t in connection.introspection.table_names()
            if t.startswith("scoring_regrade_")]


def test_the_split_run_writes_the_rows_of_the_one_connection_run(population, settings,
                                                                  monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the re-grade is split over connections on PostgreSQL only")
    settings.SCORING_REGRADE_CONNECTIONS = 1
    assert engine.regrade_connections() == 1
    one = engine.regrade_in_effect(as_of=AS_OF)

    settings.SCORING_REGRADE_CONNECTIONS = 3
    assert engine.regrade_connections() == 3
    used = []
    real = sqlcompile.regrade_parallel_statements

    def spy(**kwargs):
        work = real(**kwargs)
        used.append(work)
        return work

    monkeypatch.setattr(engine, "regrade_parallel_statements", spy)
    split = engine.regrade_in_effect(as_of=AS_OF)
    assert len(used) == 1 and len(used[0].batches) == len(split)
    expected = _rows(one)
    assert len(expected) == len(population)
    assert {(c, s): row for (c, s), row in _rows(split).items()} == expected
    # some subjects carry points and vetoes, so equal rows are a real comparison
    assert len({row for row in expected.values()}) > 3
    for batch in split:
        batch.refresh_from_db()
        assert batch.status == BatchStatus.COMPLETE
        assert CurrentBatch.objects.get(category=batch.category).batch_id == batch.pk
        assert batch.subject_count == Evaluation.objects.filter(batch=batch).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM scoring_evaluation "
                       "WHERE batch_id = ANY(%s)", [[b.pk for b in split]])
        assert {name for (name,) in cursor.fetchall()} == {
            sqlcompile.partition_name(b.pk) for b in split if b.subject_count}
    assert _leftovers() == []


def test_a_failure_after_the_slices_committed_leaves_nothing(population, settings,
                                                              monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the re-grade is split over connections on PostgreSQL only")
    settings.SCORING_REGRADE_CONNECTIONS = 2
    first = engine.regrade_in_effect(as_of=AS_OF)
    real = sqlcompile.regrade_parallel_statements

    def failing(**kwargs):
        work = real(**kwargs)
        # the scratch tables and the other batches' tables are committed, then a batch fails
        broken = [*work.batches[:-1], [*work.batches[-1][:2], "INSERT INTO no_such_table "
                                       "VALUES (1)"]]
        return sqlcompile.ParallelRegrade(first=work.first, batches=broken,
                                          finish=work.finish, tables=work.tables)

    monkeypatch.setattr(engine, "regrade_parallel_statements", failing)
    with pytest.raises(Exception):  # noqa: B017 - whatever the database raises
        engine.regrade_in_effect(as_of=AS_OF)
    failed = list(EvaluationBatch.objects.filter(status=BatchStatus.FAILED))
    assert len(failed) == len(first) and all(b.error for b in failed)
    assert {p.category: p.batch_id for p in CurrentBatch.objects.all()} == {
        b.category: b.pk for b in first}
    assert not Evaluation.objects.filter(batch__in=failed).exists()
    names = connection.introspection.table_names()
    assert not [b for b in failed if sqlcompile.partition_name(b.pk) in names]
    assert _leftovers() == []


def test_a_killed_run_s_committed_tables_are_dropped_by_the_sweep(population, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the re-grade is split over connections on PostgreSQL only")
    batch = engine.regrade_in_effect(as_of=AS_OF, categories=["rental"])[0]
    EvaluationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.BUILDING)
    CurrentBatch.objects.filter(batch=batch).delete()
    prefix = sqlcompile.scratch_prefix(batch.pk)
    other = sqlcompile.scratch_prefix(int(f"{batch.pk}7"))  # another run's, same digits first
    with connection.cursor() as cursor:
        for name in (f"{prefix}_s1", f"{prefix}_s2", f"{other}_s1"):
            cursor.execute(f"CREATE UNLOGGED TABLE {name} (id integer)")
    assert engine.fail_unfinished_batches(batch_ids=[batch.pk]) == 1
    assert _leftovers() == [f"{other}_s1"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {other}_s1")


def test_never_split_inside_a_transaction(population, settings):
    """Inside the caller's transaction the other connections could not see its rows and the
    re-grade could not roll back with it: one connection then."""
    settings.SCORING_REGRADE_CONNECTIONS = 4
    with transaction.atomic():
        assert engine.regrade_connections() == 1
        batches = engine.regrade_in_effect(as_of=AS_OF, categories=["developer"])
        assert batches[0].subject_count == 6
    assert engine.regrade_connections() == (4 if connection.vendor == "postgresql" else 1)


@pytest.mark.parametrize("connections", [1, 2])
def test_summing_the_records_in_one_process_writes_the_rows_of_partial_sums(
        population, settings, connections):
    """`SCORING_RECORD_PASS`: the record pass summed by one process over the workers' per-record
    terms (the default) writes exactly the rows of the workers' partial sums merged by the
    leader, on one connection and shared between two."""
    if connection.vendor != "postgresql":
        pytest.skip("the record pass is compiled so on PostgreSQL only")
    settings.SCORING_REGRADE_CONNECTIONS = connections
    settings.SCORING_RECORD_PASS = "partial"
    partial = engine.regrade_in_effect(as_of=AS_OF)
    settings.SCORING_RECORD_PASS = "leader"
    leader = engine.regrade_in_effect(as_of=AS_OF)
    expected = _rows(partial)
    assert len(expected) == len(population)
    assert len({row for row in expected.values()}) > 3
    assert _rows(leader) == expected
    assert {b.pk for b in leader}.isdisjoint({b.pk for b in partial})
    assert _leftovers() == []


def test_an_unknown_record_pass_is_refused(settings):
    settings.SCORING_RECORD_PASS = "sideways"
    with pytest.raises(ImproperlyConfigured):
        engine.record_pass()
