"""Snapshot and selector correctness against a county whose figures are known."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from common import clock
from monitoring import selectors, snapshots
from monitoring.models import GradeCount, RecordCount, SnapshotRun
from monitoring.rules import is_entered_late
from monitoring.selectors import Filters
from monitoring.tests.conftest import SNAPSHOT_DAY
from scoring.models import CurrentBatch, Evaluation

pytestmark = pytest.mark.django_db


def test_late_rule_counts_working_days_strictly_over_seven():
    assert not is_entered_late(working_days_from_decision=7)
    assert is_entered_late(working_days_from_decision=8)


def test_records_counted_by_department_with_late_entries(snapshot, county):
    rows = {r["key"]: r for r in selectors.records_by(dimension="department",
                                                      filters=Filters())}
    lead, other = rows[county["lead"].pk], rows[county["other"].pk]
    # Entered on the 7th working day: on time; on the 8th: late. The draft is not counted.
    assert (lead["total"], lead["late"], lead["effective"]) == (2, 1, 2)
    assert (other["total"], other["pending"], other["late"]) == (1, 1, 0)
    assert lead["avg_workdays"] == pytest.approx((7 + 8) / 2)


def test_records_by_source_month_and_type_add_up(snapshot):
    for dimension in ("source", "month", "record_type", "category"):
        rows = selectors.records_by(dimension=dimension, filters=Filters())
        assert sum(r["total"] for r in rows) == 3, dimension
    assert [r["key"] for r in selectors.records_by(dimension="source", filters=Filters())] == [
        "form"]


def test_department_filter_narrows_every_record_figure(snapshot, county):
    only_other = Filters(department_id=county["other"].pk)
    assert selectors.records_totals(filters=only_other) == {
        "total": 1, "late": 0, "pending": 1, "effective": 0}
    assert [r["key"] for r in selectors.review_queue(filters=only_other)] == [county["other"].pk]


def test_review_queue_age(snapshot, county):
    (row,) = selectors.review_queue(filters=Filters())
    # Submitted on 4 March, snapshot on 20 March: 16 days, the oldest band.
    assert row["total"] == 1 and row["oldest_days"] == 16 and row["bands"][-1] == 1


def test_grade_distribution_equals_the_batch_in_force(snapshot):
    current = CurrentBatch.objects.get(category="property_service")
    expected = dict(Evaluation.objects.filter(batch_id=current.batch_id)
                    .values_list("grade").annotate(n=Count("id")).values_list("grade", "n"))
    rows = selectors.grade_distribution(filters=Filters(category="property_service"))
    assert {r["grade"]: r["count"] for r in rows} == expected
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)


def test_measures_feedback_and_silent_departments(snapshot, county):
    totals = selectors.feedback_totals(filters=Filters())
    assert (totals["returned"], totals["applied"], totals["answered"]) == (3, 1, 1)
    assert totals["feedback_rate"] == pytest.approx(1 / 3)
    # Feedback was due 5 days after each check: all unanswered ones are overdue on 20 March.
    assert totals["overdue"] == 2
    silent = selectors.silent_departments(filters=Filters())
    assert [d["department_id"] for d in silent] == [county["other"].pk]


def test_snapshot_is_idempotent_per_day(snapshot):
    before = list(RecordCount.objects.order_by("department_id", "record_type_id")
                  .values_list("department_id", "total", "late"))
    with clock.frozen_at(SNAPSHOT_DAY):
        again = snapshots.take_snapshot(day=SNAPSHOT_DAY)
    after = list(RecordCount.objects.order_by("department_id", "record_type_id")
                 .values_list("department_id", "total", "late"))
    assert before == after and again.rows == snapshot.rows - GradeCount.objects.exclude(
        batch_id__in=CurrentBatch.objects.values("batch_id")).count()
    assert SnapshotRun.objects.count() == 1


def test_a_past_day_counts_only_what_existed_then(county):
    with clock.frozen_at(SNAPSHOT_DAY):
        snapshots.take_snapshot(day=dt.date(2026, 3, 11))
    totals = selectors.records_totals(filters=Filters(as_of=dt.date(2026, 3, 11)))
    # On 11 March the late record (entered the 12th) did not exist yet.
    assert totals["total"] == 2 and totals["late"] == 0


def test_drill_down_lists_the_records_behind_the_late_count(snapshot, county):
    late = selectors.records_behind(filters=Filters(department_id=county["lead"].pk),
                                    late=True)
    assert list(late) == [county["late"]]
    pending = selectors.records_behind(filters=Filters(), pending=True)
    assert list(pending) == [county["pending"]]


def test_working_day_ordinals_agree_with_the_holiday_calendar():
    """Across the 2026 National Day holiday and its adjusted working weekend, the ordinal
    difference is exactly `common.workdays.working_days_between`."""
    from common.models import CalendarDay
    from common.workdays import working_days_between
    from monitoring.models import WorkdayOrdinal

    if not CalendarDay.objects.filter(date__year=2026).exists():
        pytest.skip("holiday calendar not loaded")
    snapshots.refresh_workday_ordinals(until=dt.date(2026, 10, 31))
    ordinal = dict(WorkdayOrdinal.objects.values_list("day", "ordinal"))
    start = dt.date(2026, 9, 20)
    for offset in range(0, 35):
        end = start + dt.timedelta(days=offset)
        assert ordinal[end] - ordinal[start] == working_days_between(start, end), end
