"""Batch retention (`scoring.retention`): old batches give their rows back, kept ones stay.

A real credit check's batch (pruned: the check keeps its own copy of the grade) and the pruned
"as of" report are in `portal/tests/test_documents.py`, a plan's protected batch in
`supervision/tests/test_services.py` (scoring imports no app to its right, tests included); the
red-list look-back in `lists/tests/test_red_list.py`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from common.deadlines import registered
from scoring import engine, retention
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch

AS_OF = dt.date(2026, 6, 30)


def _day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _no_minimum_history(monkeypatch):
    """Only the setting decides here (`lists` registers the red-list look-back, whose seeded
    criteria ask for three batches; tested in `lists`)."""
    monkeypatch.setattr(retention, "_minimum_history", [])


@pytest.fixture
def two_subjects(shipped, make_subject, make_record):
    est = dt.date(2015, 1, 1)
    a = make_subject("property_service", established_on=est)
    b = make_subject("property_service", established_on=est)
    make_record(b, "penalty_warning", decided_on=dt.date(2026, 2, 1))
    return a, b


def _regrade(shipped, day: dt.date) -> EvaluationBatch:
    return engine.regrade(model=shipped["property_service"], as_of=day)


def _tables() -> set[str]:
    """PostgreSQL: every table, partitions included (Django's introspection leaves them out)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')")
        return {name for (name,) in cursor.fetchall()}


def test_a_full_regrade_keeps_the_current_batch_and_two_before_it(two_subjects, shipped,
                                                                 settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 2
    batches = [_regrade(shipped, _day(n)) for n in range(5)]
    statuses = [EvaluationBatch.objects.get(pk=b.pk).status for b in batches]
    assert statuses == [BatchStatus.PRUNED, BatchStatus.PRUNED, BatchStatus.COMPLETE,
                        BatchStatus.COMPLETE, BatchStatus.COMPLETE]
    assert CurrentBatch.objects.get(category="property_service").batch_id == batches[-1].pk
    for batch in batches[:2]:
        assert not Evaluation.objects.filter(batch=batch).exists()
        # the batch row stays for the record: model, date, how many subjects it graded
        assert EvaluationBatch.objects.get(pk=batch.pk).subject_count == 2
    for batch in batches[2:]:
        assert Evaluation.objects.filter(batch=batch).count() == 2
    if connection.vendor == "postgresql":
        assert f"scoring_evaluation_b{batches[0].pk}" not in _tables()
        assert f"scoring_evaluation_b{batches[1].pk}" not in _tables()
        assert f"scoring_evaluation_b{batches[2].pk}" in _tables()
    events = AuditEvent.objects.filter(action="scoring.prune_batches").order_by("id")
    # one event per re-grade that pruned something (the 4th and the 5th)
    assert [[b["batch"] for b in e.after["batches"]] for e in events] == [
        [batches[0].pk], [batches[1].pk]]
    assert events[0].after["batches"][0]["subjects"] == 2
    assert events[0].after["keep_previous"] == 2


def test_the_setting_and_the_argument_choose_how_many_are_kept(two_subjects, shipped, settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 10
    batches = [_regrade(shipped, _day(0))]
    with CaptureQueriesContext(connection) as few:
        assert retention.prune_old_batches() == 0
    batches += [_regrade(shipped, _day(n)) for n in range(1, 4)]
    assert not EvaluationBatch.objects.filter(status=BatchStatus.PRUNED).exists()
    # deciding costs the same few queries however many batches there are
    with CaptureQueriesContext(connection) as many:
        assert retention.prune_old_batches() == 0
    assert len(many) == len(few) < 10
    assert retention.prune_old_batches(keep_previous=0) == 3
    assert set(EvaluationBatch.objects.filter(status=BatchStatus.COMPLETE)
               .values_list("pk", flat=True)) == {batches[-1].pk}
    # running again prunes nothing more and writes no event
    before = AuditEvent.objects.filter(action="scoring.prune_batches").count()
    assert retention.prune_old_batches(keep_previous=0) == 0
    assert AuditEvent.objects.filter(action="scoring.prune_batches").count() == before


def test_kept_means_newest_as_of_first_and_never_a_building_or_other_category_batch(
        two_subjects, shipped, make_subject, settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 10
    make_subject("developer", established_on=dt.date(2015, 1, 1),
                 qualification="房地产开发企业一级资质")
    developer = engine.regrade(model=shipped["developer"], as_of=_day(0))
    late = _regrade(shipped, _day(9))
    early = _regrade(shipped, _day(1))   # a re-grade of an earlier date, run later: current
    building = EvaluationBatch.objects.create(
        model=shipped["property_service"], category="property_service", as_of=_day(2),
        started_at=late.started_at, status=BatchStatus.BUILDING)
    assert retention.prune_old_batches(keep_previous=1) == 0   # `late` is the newest previous
    assert CurrentBatch.objects.get(category="property_service").batch_id == early.pk
    older = _regrade(shipped, _day(0))
    # current: `older`; kept: `late` (newest as_of); pruned: `early`
    assert retention.prune_old_batches(keep_previous=1) == 1
    assert EvaluationBatch.objects.get(pk=early.pk).status == BatchStatus.PRUNED
    assert EvaluationBatch.objects.get(pk=late.pk).status == BatchStatus.COMPLETE
    assert EvaluationBatch.objects.get(pk=older.pk).status == BatchStatus.COMPLETE
    assert EvaluationBatch.objects.get(pk=building.pk).status == BatchStatus.BUILDING
    assert EvaluationBatch.objects.get(pk=developer.pk).status == BatchStatus.COMPLETE


def test_an_app_needing_more_history_keeps_more(two_subjects, shipped, settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 10
    [_regrade(shipped, _day(n)) for n in range(5)]
    retention.register_minimum_history(lambda: {"property_service": 4, "developer": 1})
    assert retention.keep_counts(keep_previous=1) == {"property_service": 3, "developer": 1}
    assert retention.prune_old_batches(keep_previous=1) == 1   # 5 batches, 4 needed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_not_granted_leaves_everything_for_the_next_run(two_subjects, shipped,
                                                              monkeypatch):
    """PostgreSQL: the drop gives up after LOCK_TIMEOUT rather than queue readers behind it
    (committed data: another connection holds a reader's lock on the evaluation table)."""
    if connection.vendor != "postgresql":
        pytest.skip("dropping a partition takes a table lock on PostgreSQL only")
    import threading

    import psycopg

    batches = [_regrade(shipped, _day(n)) for n in range(2)]
    monkeypatch.setattr(retention, "LOCK_TIMEOUT", "200ms")
    db = connection.settings_dict
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                             user=db["USER"], dbname=db["NAME"]) as other:
            other.execute("SET lock_timeout = '10s'")
            other.execute("LOCK TABLE scoring_evaluation IN ACCESS SHARE MODE")
            holding.set()
            release.wait(20)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        assert holding.wait(15)
        assert retention.prune_old_batches(keep_previous=0) == 0
    finally:
        release.set()
        thread.join(30)
    assert EvaluationBatch.objects.get(pk=batches[0].pk).status == BatchStatus.COMPLETE
    assert Evaluation.objects.filter(batch=batches[0]).count() == 2
    # the reader gone, the next run prunes it
    assert retention.prune_old_batches(keep_previous=0) == 1


def test_the_deadline_job_prunes(two_subjects, shipped, settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 10
    batches = [_regrade(shipped, _day(n)) for n in range(3)]
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 0
    assert registered()["scoring.prune_batches"](_day(3)) == 2
    assert EvaluationBatch.objects.get(pk=batches[0].pk).status == BatchStatus.PRUNED


def test_the_pages_of_a_pruned_batch_say_so(client, reviewer, two_subjects, shipped, settings):
    settings.SCORING_KEEP_PREVIOUS_BATCHES = 0
    first = _regrade(shipped, _day(0))
    second = _regrade(shipped, _day(1))
    assert EvaluationBatch.objects.get(pk=first.pk).status == BatchStatus.PRUNED
    client.force_login(reviewer)
    listing = client.get(reverse("scoring:batches")).content.decode()
    assert "已清理" in listing
    page = client.get(reverse("scoring:batch_detail", args=[first.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="pruned"' in html
    assert "2 个主体" in html and 'data-testid="distribution"' not in html
    page = client.get(reverse("scoring:batch_detail", args=[second.pk])).content.decode()
    assert f"上一批次 #{first.pk}" in page and 'data-testid="matrix"' not in page
