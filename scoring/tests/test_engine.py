"""Full re-grade: batches, the atomic pointer switch, failure, catch-up; incremental re-grade."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from common import clock
from records import services as record_services
from records.models import RecordType
from scoring import engine
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch
from scoring.selectors import current_evaluation
from subjects.models import Category

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.date(2026, 1, 15)


@pytest.fixture
def graded(shipped, make_subject, make_record):
    """Three property companies and a developer, graded once as of AS_OF."""
    est = dt.date(2015, 1, 1)
    clean = make_subject("property_service", established_on=est, name="清白物业")
    fined = make_subject("property_service", established_on=est, name="受罚物业")
    make_record(fined, "penalty_confiscation", decided_on=RECENT)
    black = make_subject("property_service", established_on=est, name="黑名单物业")
    make_record(black, "maintenance_fund_misuse", decided_on=RECENT)
    developer = make_subject("developer", established_on=est,
                             qualification="房地产开发企业一级资质")
    batches = engine.regrade_in_effect(as_of=AS_OF)
    return {"clean": clean, "fined": fined, "black": black, "developer": developer,
            "batches": {b.category: b for b in batches}}


def grades(batch: EvaluationBatch) -> dict[str, tuple[str, str, str]]:
    return {e.subject.name: (str(e.score), e.grade, e.veto)
            for e in Evaluation.objects.filter(batch=batch).select_related("subject")}


def test_regrade_writes_a_complete_batch_and_switches_the_pointer(graded):
    batch = graded["batches"]["property_service"]
    assert batch.status == BatchStatus.COMPLETE and batch.subject_count == 3
    assert batch.finished_at is not None and not batch.is_simulation
    assert grades(batch) == {"清白物业": ("80.00", "AA", ""), "受罚物业": ("70.00", "A", ""),
                             "黑名单物业": ("60.00", "D", "severe-blacklist")}
    assert CurrentBatch.objects.get(category="property_service").batch == batch
    # every category with a published model, in one run; brokerage has no subjects: empty batch
    assert set(graded["batches"]) == set(Category.values)  # every category has a model
    assert graded["batches"]["brokerage"].subject_count == 0
    event = AuditEvent.objects.filter(action="scoring.regrade", target_id=str(batch.pk)).get()
    assert event.after["subjects"] == 3 and event.after["model"] == "property-composite:1"


def test_the_full_regrade_is_one_statement_over_the_records(graded, shipped):
    """No per-subject queries: the count does not grow with the number of subjects."""
    with CaptureQueriesContext(connection) as queries:
        engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    scans = [q["sql"] for q in queries if "records_creditrecord r" in q["sql"]]
    assert len(scans) == 1
    if connection.vendor == "postgresql":
        # the record pass runs in parallel into a scratch table; the batch's rows are built
        # from that table into a table of their own, attached as the batch's partition
        assert scans[0].startswith("CREATE UNLOGGED TABLE scoring_regrade_")
        builds = [q["sql"] for q in queries
                  if q["sql"].startswith("CREATE TABLE scoring_evaluation_b")]
        assert len(builds) == 1 and "records_creditrecord" not in builds[0]
        assert any(q["sql"].startswith("ALTER TABLE scoring_evaluation ATTACH PARTITION")
                   for q in queries)
    else:
        inserts = [q["sql"] for q in queries if "INSERT INTO scoring_evaluation" in q["sql"]]
        assert scans == inserts
    # a constant: PostgreSQL adds the scratch and partition DDL; the departments' kinds of
    # source are read once for the models' `[sources]` weights; the retention rule that
    # follows adds six reads (`test_retention` checks they do not grow with the batches).
    # Measured: 32 on SQLite, 43 on PostgreSQL.
    assert len(queries) < 48


def test_a_failed_build_leaves_the_old_batch_current(graded, shipped, monkeypatch):
    old = CurrentBatch.objects.get(category="property_service").batch
    monkeypatch.setattr(engine, "regrade_statements",
                        lambda **kw: ["INSERT INTO no_such_table VALUES (1)"])
    with pytest.raises(Exception):  # noqa: B017 - whatever the database raises
        engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    failed = EvaluationBatch.objects.latest("id")
    assert failed.status == BatchStatus.FAILED and failed.error
    assert CurrentBatch.objects.get(category="property_service").batch == old
    assert Evaluation.objects.filter(batch=failed).count() == 0
    assert current_evaluation(subject=graded["clean"])[1] == old


def _scratch_tables() -> list[str]:
    return [t for t in connection.introspection.table_names()
            if t.startswith("scoring_regrade_")]


def test_no_scratch_table_is_left_behind(graded, shipped, monkeypatch):
    """PostgreSQL's scratch table lives inside the re-grade's transaction: dropped at the end,
    rolled back with everything else when the insert fails."""
    engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    assert _scratch_tables() == []
    real = engine.regrade_statements

    def failing_insert(**kwargs):
        statements = real(**kwargs)
        return [*statements[:-2], "INSERT INTO no_such_table VALUES (1)"]

    monkeypatch.setattr(engine, "regrade_statements", failing_insert)
    with pytest.raises(Exception):  # noqa: B017 - whatever the database raises
        engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    assert _scratch_tables() == []


def test_readers_see_the_old_batch_until_the_switch(graded, shipped, monkeypatch):
    """While the new batch is building (rows inserted, pointer not moved), readers see old."""
    old = CurrentBatch.objects.get(category="property_service").batch
    seen = {}
    real_switch = engine._switch

    def spy(*, batch, actor, since_seq):
        seen["during"] = current_evaluation(subject=graded["clean"])[1]
        seen["rows"] = Evaluation.objects.filter(batch=batch).count()
        real_switch(batch=batch, actor=actor, since_seq=since_seq)

    monkeypatch.setattr(engine, "_switch", spy)
    new = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    assert seen == {"during": old, "rows": 3}
    assert current_evaluation(subject=graded["clean"])[1] == new


def test_changes_made_while_building_are_caught_up_at_the_switch(
        graded, shipped, clerk, reviewer, monkeypatch):
    real_switch = engine._switch

    def late_approval(*, batch, actor, since_seq):
        # a record approved after the INSERT read its snapshot, before the switch: its
        # receiver re-grades the subject in the (still) current batch, not the new one
        record = record_services.record_create(
            actor=clerk, subject=graded["clean"], submit=True, decided_on=RECENT,
            occurred_on=RECENT, record_type=RecordType.objects.get(code="penalty_warning"),
            document_number="武房物罚〔2026〕9号")
        record_services.record_approve(actor=reviewer, record=record)
        assert Evaluation.objects.get(batch=batch, subject=graded["clean"]).grade == "AA"
        real_switch(batch=batch, actor=actor, since_seq=since_seq)

    monkeypatch.setattr(engine, "_switch", late_approval)
    with clock.frozen_at(AS_OF):
        new = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    row = Evaluation.objects.get(batch=new, subject=graded["clean"])
    assert (row.score, row.grade, row.as_of) == (Decimal("75.00"), "A", AS_OF)


def test_approving_or_revoking_a_record_regrades_the_subject_at_once(
        graded, clerk, reviewer):
    subject = graded["clean"]
    with clock.frozen_at(AS_OF):
        record = record_services.record_create(
            actor=clerk, subject=subject, submit=True, decided_on=RECENT, occurred_on=RECENT,
            record_type=RecordType.objects.get(code="penalty_confiscation"),
            document_number="武房物罚〔2026〕7号")
        evaluation, batch, _model = current_evaluation(subject=subject)
        assert (evaluation.grade, evaluation.score) == ("AA", Decimal("80.00"))  # submitted only
        record_services.record_approve(actor=reviewer, record=record)
        evaluation, same_batch, _model = current_evaluation(subject=subject)
        assert same_batch == batch
        assert (evaluation.grade, evaluation.score, evaluation.as_of) == (
            "A", Decimal("70.00"), AS_OF)
        record_services.record_revoke(actor=reviewer, record=record, reason="决定已撤销")
        evaluation, _batch, _model = current_evaluation(subject=subject)
        assert (evaluation.grade, evaluation.score) == ("AA", Decimal("80.00"))


def test_incremental_regrade_touches_only_the_subject(graded):
    subject = graded["fined"]
    with CaptureQueriesContext(connection) as queries, clock.frozen_at(AS_OF):
        evaluation = engine.regrade_subject(subject=subject)
    assert evaluation.grade == "A"
    scan = next(q["sql"] for q in queries if "records_creditrecord r" in q["sql"])
    assert f"r.subject_id = {subject.pk}" in scan and f"s.id = {subject.pk}" in scan
    assert len(queries) <= 8


def test_incremental_regrade_without_a_current_batch_does_nothing(shipped, make_subject):
    assert engine.regrade_subject(subject=make_subject("brokerage")) is None


def test_drafts_cannot_grade_for_real(shipped, reviewer):
    from common.errors import Conflict
    from scoring.services import model_upload_draft

    source = shipped["brokerage"].source
    draft = model_upload_draft(actor=reviewer, source=source)
    with pytest.raises(Conflict):
        engine.regrade(model=draft, as_of=AS_OF)


def test_model_in_effect_follows_effective_from(shipped, reviewer, second_reviewer):
    from scoring.services import model_publish, model_upload_draft

    source = shipped["developer"].source.replace("effective_from = 2025-01-01",
                                                 "effective_from = 2027-01-01")
    later = model_publish(actor=second_reviewer,
                          model=model_upload_draft(actor=reviewer, source=source))
    # publishing version 2 of the same code retired version 1
    assert engine.model_in_effect(category="developer", as_of=dt.date(2027, 1, 1)) == later
    assert engine.model_in_effect(category="developer", as_of=dt.date(2026, 12, 31)) is None


def test_management_commands(record_types, make_subject):
    out = io.StringIO()
    call_command("load_scoring_models", stdout=out)
    assert "property-composite:1\tproperty_service\tpublished" in out.getvalue()
    call_command("load_scoring_models", stdout=io.StringIO())  # idempotent
    make_subject("property_service", established_on=dt.date(2015, 1, 1))
    out = io.StringIO()
    call_command("regrade", "--as-of", "2026-06-30", "--category", "property_service",
                 stdout=out)
    assert "property-composite:1 as of 2026-06-30: 1 subjects (AA 1)" in out.getvalue()
    out = io.StringIO()
    call_command("regrade", "--as-of", "2026-06-30", "--model", "developer-composite:1",
                 stdout=out)
    assert "developer-composite:1 as of 2026-06-30: 0 subjects" in out.getvalue()


def _partitions() -> dict[str, int]:
    """PostgreSQL: the evaluation table's partitions and how many rows each holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, COUNT(*) FROM scoring_evaluation "
                       "GROUP BY 1")
        return dict(cursor.fetchall())


def test_each_batch_lives_in_its_own_partition_on_postgresql(graded, shipped):
    """A full re-grade attaches the batch's rows as its partition (`docs/performance.md`);
    the one-subject re-grade writes into it; a batch failed after its build loses it."""
    if connection.vendor != "postgresql":
        pytest.skip("the evaluation table is partitioned by batch on PostgreSQL only")
    batch = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    name = f"scoring_evaluation_b{batch.pk}"
    assert _partitions()[name] == Evaluation.objects.filter(batch=batch).count() == 3
    row = Evaluation.objects.get(batch=batch, subject=graded["fined"])
    assert row.pk == batch.pk * 2**32 + graded["fined"].pk  # derived from the unique key
    with clock.frozen_at(AS_OF):
        again = engine.regrade_subject(subject=graded["fined"])
    assert (again.pk, again.batch_id, again.as_of) == (row.pk, batch.pk, AS_OF)
    assert _partitions()[name] == 3
    # a batch left building by a killed run: its rows and its partition go
    EvaluationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.BUILDING)
    CurrentBatch.objects.filter(batch=batch).delete()
    assert engine.fail_unfinished_batches(batch_ids=[batch.pk]) == 1
    assert name not in _partitions()
    assert name not in connection.introspection.table_names()
