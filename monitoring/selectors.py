"""Reads behind the dashboards, the report and the statistics API.

Every figure is a GROUP BY over the daily snapshot tables (`monitoring.models`), filtered by
period (months), department and category; nothing here touches the operational tables except
the drill-down lists (paged) and the due-process steps (open cases only). The dashboard, the
report and `GET /api/v1/statistics/overview` call the same functions, so their numbers agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.models import Department
from common import clock
from monitoring.models import (
    CommitmentCount,
    GradeCount,
    InspectionCount,
    ListEventCount,
    MeasureCount,
    QueueCount,
    RecordCount,
    SnapshotRun,
)
from monitoring.snapshots import QUEUE_BANDS, end_of_day
from records.models import CreditRecord, RecordType
from subjects.models import Category


@dataclass(frozen=True)
class Filters:
    """What a leader narrowed the dashboard to. Months are first days of months, inclusive."""

    month_from: dt.date | None = None
    month_to: dt.date | None = None
    department_id: int | None = None
    category: str | None = None
    as_of: dt.date | None = None
    # The snapshot day these filters read, once resolved (`resolve`): spares a query per figure.
    snapshot: dt.date | None = None

    def months(self, prefix: str = "") -> Q:
        q = Q()
        if self.month_from:
            q &= Q(**{f"{prefix}month__gte": self.month_from})
        if self.month_to:
            q &= Q(**{f"{prefix}month__lte": self.month_to})
        return q

    def department(self) -> Q:
        return Q(department_id=self.department_id) if self.department_id else Q()

    def category_q(self) -> Q:
        return Q(category=self.category) if self.category else Q()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def snapshot_day(*, as_of: dt.date | None = None) -> dt.date | None:
    """The latest snapshot taken on or before `as_of` (default: the latest of all)."""
    runs = SnapshotRun.objects.all()
    if as_of is not None:
        runs = runs.filter(day__lte=as_of)
    return runs.aggregate(d=Max("day"))["d"]


def resolve(filters: Filters) -> Filters:
    """The same filters with the snapshot day they read fixed once for all figures."""
    return replace(filters, snapshot=snapshot_day(as_of=filters.as_of))


def _day(filters: Filters) -> dt.date | None:
    return filters.snapshot if filters.snapshot is not None else snapshot_day(
        as_of=filters.as_of)


def latest_run() -> SnapshotRun | None:
    return SnapshotRun.objects.order_by("-day").first()


def department_names() -> dict[int, str]:
    return dict(Department.objects.values_list("pk", "name"))


def category_label(value: str) -> str:
    return str(dict(Category.choices).get(value, value))


# --- grades ----------------------------------------------------------------------------------

def _grade_orders() -> dict[str, list[str]]:
    """Each category's grade names in its model in force, best first (veto grades last)."""
    from scoring.engine import spec_of
    from scoring.models import CurrentBatch

    return {c.category: list(spec_of(c.batch.model).all_grade_names)
            for c in CurrentBatch.objects.select_related("batch__model")}


def _sorted_grades(order: list[str], grades: set[str]) -> list[str]:
    return [g for g in order if g in grades] + sorted(g for g in grades if g not in order)


def _batches_as_of(day: dt.date) -> dict[str, int]:
    """Per category, the evaluation batch in force on `day`: the latest counted one by date."""
    chosen: dict[str, tuple[dt.date, int]] = {}
    rows = (GradeCount.objects.filter(as_of__lte=day, counted_on__lte=day)
            .values_list("category", "as_of", "batch_id").distinct())
    for category, as_of, batch_id in rows:
        if category not in chosen or (as_of, batch_id) > chosen[category]:
            chosen[category] = (as_of, batch_id)
    return {category: batch_id for category, (_as_of, batch_id) in chosen.items()}


def batch_as_of(*, category: str, day: dt.date) -> int | None:
    """The evaluation batch in force for `category` on `day`."""
    return _batches_as_of(day).get(category)


def grade_distribution(*, filters: Filters) -> list[dict[str, Any]]:
    """Subjects per category and grade in the batches in force as of the filters' day, with
    each grade's share of its category (0–1). Department and period do not apply: a grade is
    the subject's, not a department's. Three small queries whatever the number of subjects."""
    day = filters.as_of or clock.today()
    batches = _batches_as_of(day)
    categories = [c for c in Category.values if c in batches
                  and (not filters.category or c == filters.category)]
    counts: dict[str, dict[str, int]] = {c: {} for c in categories}
    category_of = {batches[c]: c for c in categories}
    for batch_id, grade, count in GradeCount.objects.filter(
            batch_id__in=list(category_of)).values_list("batch_id", "grade", "count"):
        counts[category_of[batch_id]][grade] = count
    orders = _grade_orders()
    rows: list[dict[str, Any]] = []
    for category in categories:
        total = sum(counts[category].values()) or 1
        for grade in _sorted_grades(orders.get(category, []), set(counts[category])):
            n = counts[category][grade]
            rows.append({"category": category, "grade": grade, "count": n, "share": n / total,
                         "batch_id": batches[category]})
    return rows


def grade_change_since_last_quarter(*, filters: Filters) -> list[dict[str, Any]]:
    """Each grade's share now and in the batch in force at the end of the previous quarter."""
    day = filters.as_of or clock.today()
    previous_end = quarter_start(day) - dt.timedelta(days=1)
    before = {(r["category"], r["grade"]): r["share"] for r in
              grade_distribution(filters=Filters(category=filters.category, as_of=previous_end))}
    rows = []
    for r in grade_distribution(filters=filters):
        then = before.get((r["category"], r["grade"]))
        rows.append({**r, "share_before": then,
                     "change": None if then is None else r["share"] - then})
    return rows


def grade_history(*, filters: Filters) -> list[dict[str, Any]]:
    """One point per published (complete, non-simulation) batch: counts per grade."""
    day = filters.as_of or clock.today()
    qs = GradeCount.objects.filter(as_of__lte=day, counted_on__lte=day).filter(
        filters.category_q())
    if filters.month_from:
        qs = qs.filter(as_of__gte=filters.month_from)
    if filters.month_to:
        qs = qs.filter(as_of__lt=_next_month(filters.month_to))
    return list(qs.order_by("category", "as_of", "batch_id")
                .values("category", "batch_id", "as_of", "grade", "count"))


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- records ---------------------------------------------------------------------------------

RECORD_DIMENSIONS = {
    "department": "department_id",
    "source": "source",
    "record_type": "record_type_id",
    "month": "month",
    "category": "category",
}


def _records(filters: Filters, day: dt.date | None) -> QuerySet[RecordCount]:
    return RecordCount.objects.filter(day=day).filter(
        filters.months(), filters.department(), filters.category_q())


def records_by(*, dimension: str, filters: Filters) -> list[dict[str, Any]]:
    """Records per department, source, type, month or category, with how many were entered
    late (more than the 双公示 allowance of working days after the decision) and the average
    working days from decision to entry."""
    column = RECORD_DIMENSIONS[dimension]
    day = _day(filters)
    rows = list(
        _records(filters, day).values(column).annotate(
            total=Sum("total"), effective=Sum("effective"), pending=Sum("pending"),
            rejected=Sum("rejected"), late=Sum("late"), workdays=Sum("entry_workdays"))
        .order_by(column)
    )
    labels = _labels(dimension, [r[column] for r in rows])
    out = []
    for r in rows:
        total = r["total"] or 0
        out.append({
            "key": r[column], "label": labels.get(r[column], str(r[column])),
            "total": total, "effective": r["effective"], "pending": r["pending"],
            "rejected": r["rejected"], "late": r["late"],
            "late_share": (r["late"] / total) if total else 0.0,
            "avg_workdays": (r["workdays"] / total) if total else 0.0,
        })
    return out


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    if dimension == "department":
        return {k: v for k, v in department_names().items() if k in set(keys)}
    if dimension == "record_type":
        return dict(RecordType.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "source":
        return {k: str(v) for k, v in RecordCount.Source.choices}
    if dimension == "category":
        return {k: category_label(k) for k in keys}
    if dimension == "month":
        return {k: k.strftime("%Y-%m") for k in keys}
    return {}


def records_totals(*, filters: Filters) -> dict[str, int]:
    day = _day(filters)
    sums = _records(filters, day).aggregate(
        total=Sum("total"), late=Sum("late"), pending=Sum("pending"), effective=Sum("effective"))
    return {k: v or 0 for k, v in sums.items()}


def review_queue(*, filters: Filters) -> list[dict[str, Any]]:
    """Records awaiting review per department: count per age band and the oldest's age."""
    day = _day(filters)
    qs = QueueCount.objects.filter(day=day).filter(filters.department())
    names = department_names()
    rows: dict[int, dict[str, Any]] = {}
    for r in qs.values("department_id", "band", "count", "oldest_days"):
        row = rows.setdefault(r["department_id"], {
            "key": r["department_id"], "label": names.get(r["department_id"], "?"),
            "bands": [0] * (len(QUEUE_BANDS) + 1), "total": 0, "oldest_days": 0})
        row["bands"][r["band"]] += r["count"]
        row["total"] += r["count"]
        row["oldest_days"] = max(row["oldest_days"], r["oldest_days"])
    return sorted(rows.values(), key=lambda r: -r["total"])


def queue_band_labels() -> list[str]:
    labels, low = [], 0
    for high in QUEUE_BANDS:
        labels.append(_("%(a)s–%(b)s days") % {"a": low, "b": high})
        low = high + 1
    labels.append(_("over %(n)s days") % {"n": QUEUE_BANDS[-1]})
    return labels


# --- lists -----------------------------------------------------------------------------------

LIST_SERIES = [
    ("black", "entry"), ("black", "exit"), ("red", "entry"), ("red", "exit"),
    ("key", "entry"), ("key", "exit"), ("objection", "filed"), ("repair", "filed"),
]


def list_series_label(kind: str, event: str) -> str:
    names = {
        ("black", "entry"): _("Black list: entries"), ("black", "exit"): _("Black list: exits"),
        ("red", "entry"): _("Red list: entries"), ("red", "exit"): _("Red list: exits"),
        ("key", "entry"): _("Key supervision: entries"),
        ("key", "exit"): _("Key supervision: exits"),
        ("objection", "filed"): _("Objections"), ("repair", "filed"): _("Credit repairs"),
    }
    return str(names[(kind, event)])


def list_events_by_month(*, filters: Filters) -> dict[str, Any]:
    """Entries, exits (expiries among them), objections and repairs per month."""
    day = _day(filters)
    qs = ListEventCount.objects.filter(day=day).filter(filters.months())
    if filters.department_id:
        qs = qs.filter(Q(department_id=filters.department_id) | Q(department_id__isnull=True))
    rows = list(qs.values("kind", "event", "month").annotate(n=Sum("count")))
    months = sorted({r["month"] for r in rows})
    series = {key: [0] * len(months) for key in LIST_SERIES}
    index = {m: i for i, m in enumerate(months)}
    for r in rows:
        series[(r["kind"], r["event"])][index[r["month"]]] += r["n"]
    return {"months": months, "series": series}


def list_outcomes(*, filters: Filters) -> list[dict[str, Any]]:
    """Exits, objections and repairs by outcome (state), e.g. expired / repaired / upheld."""
    day = _day(filters)
    qs = ListEventCount.objects.filter(day=day).filter(filters.months()).exclude(event="entry")
    if filters.department_id:
        qs = qs.filter(Q(department_id=filters.department_id) | Q(department_id__isnull=True))
    return list(qs.values("kind", "event", "outcome").annotate(n=Sum("count"))
                .order_by("kind", "event", "outcome"))


def due_steps(*, user: Any, within_days: int = 7) -> dict[str, list[Any]]:
    """Due-process steps waiting for staff: overdue, and due within the next `within_days`."""
    from lists.selectors import staff_steps_due

    today = clock.today()
    shown, _later = staff_steps_due(user=user, until=today + dt.timedelta(days=within_days))
    return {"overdue": [s for s in shown if s.due < today],
            "due_soon": [s for s in shown if s.due >= today]}


# --- measures --------------------------------------------------------------------------------

def _measures(filters: Filters) -> QuerySet[MeasureCount]:
    day = _day(filters)
    return MeasureCount.objects.filter(day=day).filter(filters.months(), filters.department())


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    returned = row["returned"] or 0
    answered = (row["applied"] or 0) + (row["not_applied"] or 0)
    return {**row, "answered": answered,
            "feedback_rate": answered / returned if returned else 0.0,
            "applied_rate": (row["applied"] or 0) / returned if returned else 0.0}


def measures_by_measure(*, filters: Filters) -> list[dict[str, Any]]:
    """For each incentive and restriction: how often checks returned it, how often the asking
    department fed back, and how often it said the measure was applied."""
    rows = (_measures(filters).values("code", "kind")
            .annotate(name=Max("name"), returned=Sum("returned"), applied=Sum("applied"),
                      not_applied=Sum("not_applied"), overdue=Sum("overdue"))
            .order_by("kind", "code"))
    return [_rates(r) for r in rows]


def measures_by_department(*, filters: Filters) -> list[dict[str, Any]]:
    names = department_names()
    rows = (_measures(filters).values("department_id")
            .annotate(returned=Sum("returned"), applied=Sum("applied"),
                      not_applied=Sum("not_applied"), overdue=Sum("overdue"))
            .order_by("department_id"))
    return [{**_rates(r), "label": names.get(r["department_id"], "?")} for r in rows]


def silent_departments(*, filters: Filters) -> list[dict[str, Any]]:
    """Departments that were returned measures and never answered a single one (the plan's
    联合奖惩 落实 feedback): named so that leaders can follow up."""
    return [r for r in measures_by_department(filters=filters)
            if r["returned"] and r["answered"] == 0]


def feedback_totals(*, filters: Filters) -> dict[str, Any]:
    sums = _measures(filters).aggregate(returned=Sum("returned"), applied=Sum("applied"),
                                        not_applied=Sum("not_applied"), overdue=Sum("overdue"))
    return _rates({k: v or 0 for k, v in sums.items()})


# --- commitments and inspections -------------------------------------------------------------

def commitments(*, filters: Filters) -> dict[str, int]:
    """Commitments signed, kept (materials supplied), broken (deadline missed), still open, and
    open past their deadline."""
    day = _day(filters)
    qs = CommitmentCount.objects.filter(day=day).filter(filters.months(), filters.department())
    by_state = dict(qs.values("state").annotate(n=Sum("count")).values_list("state", "n"))
    overdue = qs.aggregate(n=Sum("overdue"))["n"] or 0
    return {"signed": sum(by_state.values()), "kept": by_state.get("fulfilled", 0),
            "broken": by_state.get("breached", 0), "open": by_state.get("open", 0),
            "overdue": overdue}


def inspections_by_grade(*, filters: Filters) -> list[dict[str, Any]]:
    """Per category and drawn grade: drawn, with a result, with findings, the share with
    findings among those with a result, and coverage (drawn ÷ subjects in that grade now).

    If the grade predicts what inspectors find, the share with findings rises as the grade
    falls: the evaluation of the grading itself.
    """
    day = _day(filters)
    qs = (InspectionCount.objects.filter(day=day).filter(filters.months(), filters.category_q())
          .values("category", "grade")
          .annotate(drawn=Sum("drawn"), with_result=Sum("with_result"),
                    with_findings=Sum("with_findings")))
    population = {(r["category"], r["grade"]): r["count"]
                  for r in grade_distribution(filters=filters)}
    orders = _grade_orders()
    by_category: dict[str, list[dict[str, Any]]] = {}
    for r in qs:
        by_category.setdefault(r["category"], []).append(r)
    out = []
    for category, rows in sorted(by_category.items()):
        order = _sorted_grades(orders.get(category, []), {r["grade"] for r in rows})
        for r in sorted(rows, key=lambda r: order.index(r["grade"])):
            subjects = population.get((category, r["grade"]), 0)
            out.append({**r, "subjects": subjects,
                        "coverage": r["drawn"] / subjects if subjects else None,
                        "findings_share": (r["with_findings"] / r["with_result"]
                                           if r["with_result"] else None)})
    return out


# --- report jobs ---------------------------------------------------------------------------

def report_runs(*, failed_within: dt.timedelta = dt.timedelta(days=7)) -> list[Any]:
    """The report jobs a reports page shows: those queued or running (with their progress bar)
    and those that failed lately (with their error), newest first."""
    from common.models import LIVE_STATES, JobRun, JobStatus

    since = clock.now() - failed_within
    return list(JobRun.objects.filter(job="monitoring.report")
                .filter(Q(status__in=LIVE_STATES)
                        | Q(status=JobStatus.FAILED, enqueued_at__gte=since))
                .select_related("triggered_by").order_by("-pk")[:10])


# --- drill-down ------------------------------------------------------------------------------

def subjects_behind(*, category: str, grade: str, day: dt.date | None = None) -> QuerySet[Any]:
    """The subjects counted in one (category, grade) cell of the grade chart."""
    from scoring.models import Evaluation

    batch_id = batch_as_of(category=category, day=day or clock.today())
    # In subject order: the (batch, subject) index serves the page without sorting a grade's
    # hundreds of thousands of rows by name.
    return (Evaluation.objects.filter(batch_id=batch_id, grade=grade)
            .select_related("subject").order_by("subject_id"))


def subjects_count_behind(*, category: str, grade: str, day: dt.date | None = None) -> int:
    """The number the drill-down lists, as the snapshot counted it (no COUNT over a batch)."""
    batch_id = batch_as_of(category=category, day=day or clock.today())
    row = GradeCount.objects.filter(batch_id=batch_id, grade=grade).values("count").first()
    return row["count"] if row else 0


def records_count_behind(*, filters: Filters, source: str | None = None,
                         record_type_id: int | None = None, late: bool = False,
                         pending: bool = False) -> int:
    """The number a records drill-down lists, from the snapshot it was counted in."""
    qs = _records(filters, _day(filters))
    if source:
        qs = qs.filter(source=source)
    if record_type_id:
        qs = qs.filter(record_type_id=record_type_id)
    column = "late" if late else "pending" if pending else "total"
    return qs.aggregate(n=Sum(column))["n"] or 0


def records_behind(*, filters: Filters, source: str | None = None,
                   record_type_id: int | None = None, late: bool = False,
                   pending: bool = False) -> QuerySet[CreditRecord]:
    """The records counted in one cell of the records charts (same filters as the counts)."""
    qs = CreditRecord.objects.exclude(state="draft").select_related(
        "subject", "record_type", "source_department")
    day = _day(filters)
    if day is not None:  # the records the snapshot counted: entered by the end of its day
        qs = qs.filter(created_at__lt=end_of_day(day))
    if filters.department_id:
        qs = qs.filter(source_department_id=filters.department_id)
    if filters.category:
        qs = qs.filter(subject__category=filters.category)
    if filters.month_from:
        qs = qs.filter(decided_on__gte=filters.month_from)
    if filters.month_to:
        qs = qs.filter(decided_on__lt=_next_month(filters.month_to))
    if record_type_id:
        qs = qs.filter(record_type_id=record_type_id)
    if source == "third_party":
        qs = qs.filter(source_department__kind=Department.Kind.EXTERNAL)
    elif source == "api":
        qs = qs.exclude(source_department__kind=Department.Kind.EXTERNAL).filter(
            created_by__api_token__isnull=False)
    elif source == "form":
        qs = qs.exclude(source_department__kind=Department.Kind.EXTERNAL).filter(
            created_by__api_token__isnull=True)
    if pending:
        qs = qs.filter(state="submitted")
    if late:
        # Late is decided per record by the same working-day rule the snapshot counts with.
        from monitoring.models import WorkdayOrdinal
        from monitoring.rules import double_publicity_entry_working_days

        ids = _late_record_ids(qs, WorkdayOrdinal, double_publicity_entry_working_days())
        qs = qs.filter(pk__in=ids)
    # Newest entry first: the primary key's index serves the page at ten million records.
    return qs.order_by("-id")


def _late_record_ids(qs: QuerySet[CreditRecord], ordinals: Any, allowed: int) -> QuerySet[Any]:
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import TruncDate

    decided = Subquery(ordinals.objects.filter(day=OuterRef("decided_on")).values("ordinal")[:1])
    entered = Subquery(ordinals.objects.filter(day=OuterRef("entered_day"))
                       .values("ordinal")[:1])
    return (qs.annotate(entered_day=TruncDate("created_at"))
            .annotate(gap=entered - decided).filter(gap__gt=allowed)
            .order_by().values("pk"))

