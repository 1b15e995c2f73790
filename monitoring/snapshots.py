"""Filling the daily statistics tables: set-based `INSERT … SELECT … GROUP BY` statements.

Each table gets one statement per day (a few for the lists), run by the database over the
operational tables; Python never loops over subjects or records. SQL is written per dialect
only where SQLite and PostgreSQL differ (month truncation, local date of a timestamp).
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from common import clock, workdays
from monitoring import rules
from monitoring.models import (
    CommitmentCount,
    GradeCount,
    InspectionCount,
    ListEventCount,
    MeasureCount,
    QueueCount,
    RecordCount,
    SnapshotRun,
    WorkdayOrdinal,
)
from records.models import CreditRecord

# Upper bounds (inclusive, calendar days since submission) of the review queue's age bands.
QUEUE_BANDS = (2, 7, 15)


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month(expr: str) -> str:
    """First day of the month of a DATE expression."""
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {expr}) AS date)"
    return f"date({expr}, 'start of month')"


def _local_date(expr: str) -> str:
    """The platform-local date of a timestamp column (stored in UTC)."""
    if connection.vendor == "postgresql":
        return f"CAST(({expr} AT TIME ZONE '{settings.TIME_ZONE}') AS date)"
    offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset() or dt.timedelta()
    return f"date({expr}, '{int(offset.total_seconds())} seconds')"


def _days_between(later: str, earlier: str) -> str:
    """Whole days from the DATE `earlier` to the DATE `later`."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day`, in the platform's time zone."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def refresh_workday_ordinals(*, until: dt.date) -> None:
    """Rebuild the working-day ordinals from the earliest decision date (at least 400 days
    back) to `until` (and a year on).

    A few thousand rows from `common.workdays` (the holiday calendar as data), rebuilt each run
    so that an edited calendar is taken into account.
    """
    bounds = CreditRecord.objects.aggregate(first=Min("decided_on"), last=Max("decided_on"))
    start = min(bounds["first"] or until, until - dt.timedelta(days=400))
    end = max(bounds["last"] or until, until) + dt.timedelta(days=366)
    rows, ordinal, current = [], 0, start
    while current <= end:
        if workdays.is_working_day(current):
            ordinal += 1
        rows.append(WorkdayOrdinal(day=current, ordinal=ordinal))
        current += dt.timedelta(days=1)
    WorkdayOrdinal.objects.all().delete()
    WorkdayOrdinal.objects.bulk_create(rows, batch_size=2000)


def _snapshot_grades(day: dt.date) -> int:
    """Count grades of every complete, non-simulation batch not counted yet, and recount the
    batches currently in force (the incremental re-grade rewrites their rows)."""
    from scoring.models import CurrentBatch, Evaluation, EvaluationBatch

    current = list(CurrentBatch.objects.values_list("batch_id", flat=True))
    GradeCount.objects.filter(batch_id__in=current).delete()
    counted = GradeCount.objects.values("batch_id")
    wanted = list(EvaluationBatch.objects.filter(status="complete", is_simulation=False,
                                                 as_of__lte=day)
                  .exclude(pk__in=counted).values_list("pk", flat=True))
    if not wanted:
        return 0
    placeholders = ", ".join(["%s"] * len(wanted))
    sql = (
        f"INSERT INTO {_table(GradeCount)} (batch_id, category, as_of, grade, count, counted_on) "
        f"SELECT b.id, b.category, b.as_of, e.grade, COUNT(*), %s "
        f"FROM {_table(Evaluation)} e JOIN {_table(EvaluationBatch)} b ON b.id = e.batch_id "
        f"WHERE b.id IN ({placeholders}) GROUP BY b.id, b.category, b.as_of, e.grade"
    )
    return _execute(sql, [day, *wanted])


def _snapshot_records(day: dt.date) -> int:
    from accounts.models import ApiToken, Department
    from subjects.models import Subject

    entry = _local_date("r.created_at")
    gap = "(e.ordinal - d.ordinal)"
    source = ("CASE WHEN dep.kind = 'external' THEN 'third_party' "
              "WHEN t.id IS NOT NULL THEN 'api' ELSE 'form' END")
    month = _month("r.decided_on")
    sql = (
        f"INSERT INTO {_table(RecordCount)} (day, department_id, source, record_type_id, "
        f"category, month, total, effective, pending, rejected, late, entry_workdays) "
        f"SELECT %s, r.source_department_id, {source}, r.record_type_id, s.category, {month}, "
        f"COUNT(*), "
        f"SUM(CASE WHEN r.state = 'effective' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.state = 'submitted' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.state = 'rejected' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {gap} > %s THEN 1 ELSE 0 END), "
        f"COALESCE(SUM({gap}), 0) "
        f"FROM {_table(CreditRecord)} r "
        f"JOIN {_table(Subject)} s ON s.id = r.subject_id "
        f"JOIN {_table(Department)} dep ON dep.id = r.source_department_id "
        f"LEFT JOIN {_table(ApiToken)} t ON t.user_id = r.created_by_id "
        f"LEFT JOIN {_table(WorkdayOrdinal)} d ON d.day = r.decided_on "
        f"LEFT JOIN {_table(WorkdayOrdinal)} e ON e.day = {entry} "
        f"WHERE r.state <> 'draft' AND r.created_at < %s "
        f"GROUP BY r.source_department_id, {source}, r.record_type_id, s.category, {month}"
    )
    return _execute(sql, [day, rules.double_publicity_entry_working_days(), end_of_day(day)])


def _date_literal(day: dt.date) -> str:
    """A date as SQL literal (an ISO date, never user text), so grouped expressions that use
    it are textually identical in SELECT and GROUP BY, as PostgreSQL requires."""
    iso = day.isoformat()
    return f"DATE '{iso}'" if connection.vendor == "postgresql" else f"'{iso}'"


def _snapshot_queue(day: dt.date) -> int:
    age = _days_between(_date_literal(day), _local_date("r.submitted_at"))
    b1, b2, b3 = QUEUE_BANDS
    band = (f"CASE WHEN {age} <= {b1} THEN 0 WHEN {age} <= {b2} THEN 1 "
            f"WHEN {age} <= {b3} THEN 2 ELSE 3 END")
    sql = (
        f"INSERT INTO {_table(QueueCount)} (day, department_id, band, count, oldest_days) "
        f"SELECT %s, r.source_department_id, {band}, COUNT(*), MAX({age}) "
        f"FROM {_table(CreditRecord)} r "
        f"WHERE r.state = 'submitted' AND r.submitted_at IS NOT NULL AND r.submitted_at < %s "
        f"GROUP BY r.source_department_id, {band}"
    )
    return _execute(sql, [day, end_of_day(day)])


def _snapshot_lists(day: dt.date) -> int:
    from lists.models import (
        BlackListEntry,
        KeySupervisionEntry,
        Objection,
        RedListEntry,
        RepairRequest,
    )

    target = _table(ListEventCount)
    cols = "(day, kind, event, department_id, month, outcome, count)"
    statements = [
        ("black", "entry", BlackListEntry, "effective_from", "department_id"),
        ("black", "exit", BlackListEntry, "ended_on", "department_id"),
        ("red", "entry", RedListEntry, "effective_from", "department_id"),
        ("red", "exit", RedListEntry, "ended_on", "department_id"),
        ("key", "entry", KeySupervisionEntry, "entered_on", "NULL"),
        ("key", "exit", KeySupervisionEntry, "ended_on", "NULL"),
    ]
    written = 0
    for kind, event, model, date_col, dept in statements:
        month = _month(f"x.{date_col}")
        group_dept = f"{dept}, " if dept != "NULL" else ""
        state_col = "x.state"
        written += _execute(
            f"INSERT INTO {target} {cols} SELECT %s, %s, %s, {dept}, {month}, {state_col}, "
            f"COUNT(*) FROM {_table(model)} x WHERE x.{date_col} IS NOT NULL "
            f"AND x.{date_col} <= %s GROUP BY {group_dept}{month}, {state_col}",
            [day, kind, event, day])
    for kind, model in (("objection", Objection), ("repair", RepairRequest)):
        month = _month("x.filed_on")
        written += _execute(
            f"INSERT INTO {target} {cols} SELECT %s, %s, 'filed', NULL, {month}, x.state, "
            f"COUNT(*) FROM {_table(model)} x WHERE x.filed_on <= %s GROUP BY {month}, x.state",
            [day, kind, day])
    return written


def _snapshot_measures(day: dt.date) -> int:
    from approvals.models import CheckMeasure, CreditCheck

    checked = _local_date("c.checked_at")
    month = _month(checked)
    sql = (
        f"INSERT INTO {_table(MeasureCount)} (day, department_id, month, code, name, kind, "
        f"returned, applied, not_applied, overdue) "
        f"SELECT %s, c.department_id, {month}, m.code, MAX(m.name), m.kind, COUNT(*), "
        f"SUM(CASE WHEN m.applied = %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.applied = %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.applied IS NULL AND c.needs_feedback = %s AND c.feedback_due_on < %s "
        f"THEN 1 ELSE 0 END) "
        f"FROM {_table(CheckMeasure)} m JOIN {_table(CreditCheck)} c ON c.id = m.credit_check_id "
        f"WHERE c.checked_at < %s "
        f"GROUP BY c.department_id, {month}, m.code, m.kind"
    )
    return _execute(sql, [day, True, False, True, day, end_of_day(day)])


def _snapshot_commitments(day: dt.date) -> int:
    from approvals.models import Commitment

    month = _month("x.accepted_on")
    sql = (
        f"INSERT INTO {_table(CommitmentCount)} (day, department_id, month, state, count, "
        f"overdue) SELECT %s, x.department_id, {month}, x.state, COUNT(*), "
        f"SUM(CASE WHEN x.state = 'open' AND x.deadline < %s THEN 1 ELSE 0 END) "
        f"FROM {_table(Commitment)} x WHERE x.accepted_on <= %s "
        f"GROUP BY x.department_id, {month}, x.state"
    )
    return _execute(sql, [day, day, day])


def _snapshot_inspections(day: dt.date) -> int:
    from records.models import RecordType
    from supervision.models import InspectionPlan, PlanItem

    month = _month("p.date_from")
    live = "r.id IS NOT NULL AND r.state <> 'rejected'"
    sql = (
        f"INSERT INTO {_table(InspectionCount)} (day, category, grade, month, drawn, "
        f"with_result, with_findings) SELECT %s, p.category, i.grade, {month}, COUNT(*), "
        f"SUM(CASE WHEN {live} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {live} AND rt.code = 'inspection_failed' THEN 1 ELSE 0 END) "
        f"FROM {_table(PlanItem)} i JOIN {_table(InspectionPlan)} p ON p.id = i.plan_id "
        f"LEFT JOIN {_table(CreditRecord)} r ON r.id = i.result_record_id "
        f"LEFT JOIN {_table(RecordType)} rt ON rt.id = r.record_type_id "
        f"WHERE p.status = 'published' AND p.date_from <= %s "
        f"GROUP BY p.category, i.grade, {month}"
    )
    return _execute(sql, [day, day])


DAILY_TABLES = (RecordCount, QueueCount, ListEventCount, MeasureCount, CommitmentCount,
                InspectionCount)


@dataclass(frozen=True)
class SnapshotResult:
    day: dt.date
    rows: int
    duration_ms: int


def take_snapshot(*, day: dt.date | None = None) -> SnapshotResult:
    """Replace the statistics of `day` (default: today) by fresh counts, in one transaction.

    Idempotent per day: the day's rows are deleted and written again, so a second run gives the
    same figures (or newer ones, if the data changed in between).
    """
    day = day or clock.today()
    started = time.monotonic()
    with transaction.atomic():
        refresh_workday_ordinals(until=day)
        for model in DAILY_TABLES:
            model.objects.filter(day=day).delete()
        rows = _snapshot_grades(day)
        rows += _snapshot_records(day)
        rows += _snapshot_queue(day)
        rows += _snapshot_lists(day)
        rows += _snapshot_measures(day)
        rows += _snapshot_commitments(day)
        rows += _snapshot_inspections(day)
        duration = int((time.monotonic() - started) * 1000)
        SnapshotRun.objects.update_or_create(
            day=day, defaults={"taken_at": clock.now(), "duration_ms": duration, "rows": rows})
    return SnapshotResult(day=day, rows=rows, duration_ms=duration)
