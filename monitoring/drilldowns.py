"""Drill-downs of the lists, measures, commitments and inspections tables: the entries behind one
number, read from the operational tables with the same rules the snapshot counted them by
(`monitoring.snapshots`), so the list is as long as the number a leader clicked.

Each drill-down is a `Drill`: a queryset built from the dashboard's filters (period, department,
category, as of) and the cell's own parameters, the columns of its page and of its CSV/XLSX
export. Only the snapshot's day bounds what is counted ("entered by the end of that day"); an
entry whose state changed after the snapshot is listed with its state of today.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.selectors import Filters, _next_month, list_series_label
from monitoring.snapshots import end_of_day

#: Rows an export carries at most (a page shows them all, 50 at a time).
EXPORT_MAX = 100_000


@dataclass(frozen=True)
class Drill:
    """One kind of drill-down: how to find the entries and how to show one."""

    title: Any  # a lazy translation
    header: Callable[[], list[str]]
    queryset: Callable[[Filters, dict[str, str]], QuerySet[Any]]
    row: Callable[[Any], list[Any]]
    subject_of: Callable[[Any], Any]
    describe: Callable[[dict[str, str]], str]


def _day(filters: Filters) -> dt.date:
    from common import clock

    return filters.snapshot or filters.as_of or clock.today()


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _months_q(filters: Filters, column: str) -> Q:
    """The period filter on a DATE column: from the first month's first day to the last
    month's last day."""
    q = Q()
    if filters.month_from:
        q &= Q(**{f"{column}__gte": filters.month_from})
    if filters.month_to:
        q &= Q(**{f"{column}__lt": _next_month(filters.month_to)})
    return q


def _months_q_local(filters: Filters, column: str) -> Q:
    """The same on a timestamp, by its local date (the snapshot's `_local_date`)."""
    q = Q()
    if filters.month_from:
        q &= Q(**{f"{column}__gte": _local_start(filters.month_from)})
    if filters.month_to:
        q &= Q(**{f"{column}__lt": _local_start(_next_month(filters.month_to))})
    return q


def _state_label(obj: Any) -> str:
    return str(obj.get_state_display())


# --- lists: entries, exits, objections, repairs ---------------------------------------------

#: (kind, event) → (model path, date column, has a department) as the snapshot counts them.
LIST_SOURCES: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("black", "entry"): ("BlackListEntry", "effective_from", True),
    ("black", "exit"): ("BlackListEntry", "ended_on", True),
    ("red", "entry"): ("RedListEntry", "effective_from", True),
    ("red", "exit"): ("RedListEntry", "ended_on", True),
    ("key", "entry"): ("KeySupervisionEntry", "entered_on", False),
    ("key", "exit"): ("KeySupervisionEntry", "ended_on", False),
    ("objection", "filed"): ("Objection", "filed_on", False),
    ("repair", "filed"): ("RepairRequest", "filed_on", False),
}


def _list_key(params: dict[str, str]) -> tuple[str, str]:
    key = (params.get("kind", ""), params.get("event", ""))
    if key not in LIST_SOURCES:
        raise LookupError(key)
    return key


def list_entries(filters: Filters, params: dict[str, str]) -> QuerySet[Any]:
    """The list entries (or objections, repair requests) counted in one cell of the lists
    tables: the event's date on or before the snapshot day and in the period, the proposing
    department's (black and red lists; the others have none, as in the snapshot), and the
    outcome (state) when the cell is one."""
    from lists import models as lists_models

    kind_event = _list_key(params)
    model_name, column, has_department = LIST_SOURCES[kind_event]
    model = getattr(lists_models, model_name)
    qs = model.objects.filter(**{f"{column}__isnull": False, f"{column}__lte": _day(filters)})
    qs = qs.filter(_months_q(filters, column))
    if has_department and filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if params.get("outcome"):
        qs = qs.filter(state=params["outcome"])
    related = {"Objection": ["black_entry__subject", "red_entry__subject"],
               "RepairRequest": ["entry__subject", "record__subject"]}.get(
        model_name, ["subject"] + (["department"] if has_department else []))
    return qs.select_related(*related).order_by(f"-{column}", "-pk")


def _list_subject(obj: Any) -> Any:
    for path in ("subject", "black_entry", "red_entry", "entry", "record"):
        target = getattr(obj, path, None)
        if target is None:
            continue
        return target if path == "subject" else target.subject
    return None


def _list_date(obj: Any) -> dt.date | None:
    for column in ("filed_on", "ended_on", "effective_from", "entered_on"):
        if getattr(obj, column, None):
            return getattr(obj, column)
    return None


def _list_row(obj: Any) -> list[Any]:
    subject = _list_subject(obj)
    department = getattr(obj, "department", None)
    return [subject.name if subject else "", subject.display_code if subject else "",
            _list_date(obj), department.name if department else "", _state_label(obj)]


def _list_describe(params: dict[str, str]) -> str:
    from lists import models as lists_models

    try:
        key = _list_key(params)
    except LookupError:
        return ""
    label = list_series_label(*key)
    if not params.get("outcome"):
        return label
    model = getattr(lists_models, LIST_SOURCES[key][0])
    outcomes = {value: str(name) for value, name in model._meta.get_field("state").choices}
    return f"{label} · {outcomes.get(params['outcome'], params['outcome'])}"


# --- measures: returned by checks, fed back ------------------------------------------------

MEASURE_COLUMNS = ("returned", "applied", "not_applied", "answered", "overdue")


def measures_returned(filters: Filters, params: dict[str, str]) -> QuerySet[Any]:
    """The measures a credit check returned, counted in one cell of the measures tables: checks
    made by the end of the snapshot day, in the period (the check's local date), by the
    department asking; narrowed to one measure and to applied / not applied / answered /
    feedback overdue (as of the snapshot day) by the cell's column."""
    from approvals.models import CheckMeasure

    day = _day(filters)
    qs = CheckMeasure.objects.filter(credit_check__checked_at__lt=end_of_day(day)).filter(
        _months_q_local(filters, "credit_check__checked_at"))
    if filters.department_id:
        qs = qs.filter(credit_check__department_id=filters.department_id)
    if params.get("code"):
        qs = qs.filter(code=params["code"])
    column = params.get("column", "returned")
    if column == "applied":
        qs = qs.filter(applied=True)
    elif column == "not_applied":
        qs = qs.filter(applied=False)
    elif column == "answered":
        qs = qs.filter(applied__isnull=False)
    elif column == "overdue":
        qs = qs.filter(applied__isnull=True, credit_check__needs_feedback=True,
                       credit_check__feedback_due_on__lt=day)
    return (qs.select_related("credit_check__subject", "credit_check__department")
            .order_by("-credit_check__checked_at", "-pk"))


def _applied_label(value: bool | None) -> str:
    if value is None:
        return str(_("no feedback yet"))
    return str(_("applied") if value else _("not applied"))


def _measure_row(m: Any) -> list[Any]:
    check = m.credit_check
    return [check.subject.name, check.subject.display_code, check.number,
            timezone_local_date(check.checked_at), check.department.name, m.name,
            _applied_label(m.applied), check.feedback_due_on]


def timezone_local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def _measure_describe(params: dict[str, str]) -> str:
    names = {"returned": _("Returned"), "applied": _("Applied"), "not_applied": _("Not applied"),
             "answered": _("Answered"), "overdue": _("Feedback overdue")}
    label = str(names.get(params.get("column", "returned"), _("Returned")))
    return f"{params['code']} · {label}" if params.get("code") else label


# --- commitments ---------------------------------------------------------------------------

COMMITMENT_COLUMNS = ("signed", "kept", "broken", "open", "overdue")


def commitments(filters: Filters, params: dict[str, str]) -> QuerySet[Any]:
    """The commitments (容缺受理) counted in one row of the commitments table: accepted on or
    before the snapshot day, in the period and department; kept, broken, open, or open past
    their deadline on the snapshot day."""
    from approvals.models import Commitment

    day = _day(filters)
    qs = Commitment.objects.filter(accepted_on__lte=day).filter(
        _months_q(filters, "accepted_on"))
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    column = params.get("column", "signed")
    if column == "kept":
        qs = qs.filter(state="fulfilled")
    elif column == "broken":
        qs = qs.filter(state="breached")
    elif column == "open":
        qs = qs.filter(state="open")
    elif column == "overdue":
        qs = qs.filter(state="open", deadline__lt=day)
    return (qs.select_related("subject", "department", "credit_check")
            .order_by("-accepted_on", "-pk"))


def _commitment_row(c: Any) -> list[Any]:
    return [c.subject.name, c.subject.display_code, c.credit_check.number, c.accepted_on,
            c.deadline, c.department.name, _state_label(c)]


def _commitment_describe(params: dict[str, str]) -> str:
    names = {"signed": _("Signed"), "kept": _("Kept"), "broken": _("Broken"), "open": _("Open"),
             "overdue": _("Open past the deadline")}
    return str(names.get(params.get("column", "signed"), _("Signed")))


# --- random inspections --------------------------------------------------------------------

INSPECTION_COLUMNS = ("drawn", "with_result", "with_findings")


def inspections(filters: Filters, params: dict[str, str]) -> QuerySet[Any]:
    """The subjects drawn for inspection counted in one row of the inspections table: items of
    published plans starting on or before the snapshot day, in the period (the plan's first
    day), of the category and drawn grade; with a result (a live record) or with findings."""
    from supervision.models import PlanItem

    qs = PlanItem.objects.filter(plan__status="published",
                                 plan__date_from__lte=_day(filters)).filter(
        _months_q(filters, "plan__date_from"))
    category = params.get("category") or filters.category
    if category:
        qs = qs.filter(plan__category=category)
    if params.get("grade"):
        qs = qs.filter(grade=params["grade"])
    column = params.get("column", "drawn")
    live = Q(result_record__isnull=False) & ~Q(result_record__state="rejected")
    if column == "with_result":
        qs = qs.filter(live)
    elif column == "with_findings":
        qs = qs.filter(live, result_record__record_type__code="inspection_failed")
    return (qs.select_related("plan", "subject", "result_record__record_type")
            .order_by("-plan__date_from", "plan_id", "position"))


def _inspection_row(item: Any) -> list[Any]:
    record = item.result_record
    return [item.subject.name, item.subject.display_code, item.plan.name, item.plan.date_from,
            item.grade, record.record_type.name if record else "",
            record.get_state_display() if record else ""]


def _inspection_describe(params: dict[str, str]) -> str:
    names = {"drawn": _("Inspected"), "with_result": _("With a result"),
             "with_findings": _("With findings")}
    label = str(names.get(params.get("column", "drawn"), _("Inspected")))
    return f"{params['grade']} · {label}" if params.get("grade") else label


DRILLS: dict[str, Drill] = {
    "lists": Drill(
        gettext_lazy("List entries behind a count"),
        lambda: [_("Subject"), _("Code"), _("Date"), _("Department"), _("State")],
        list_entries, _list_row, _list_subject, _list_describe),
    "measures": Drill(
        gettext_lazy("Measures returned behind a count"),
        lambda: [_("Subject"), _("Code"), _("Credit check"), _("Checked on"), _("Department"),
                 _("Measure"), _("Feedback"), _("Feedback due on")],
        measures_returned, _measure_row, lambda m: m.credit_check.subject, _measure_describe),
    "commitments": Drill(
        gettext_lazy("Commitments behind a count"),
        lambda: [_("Subject"), _("Code"), _("Credit check"), _("Accepted on"),
                 _("Supply materials by"), _("Department"), _("State")],
        commitments, _commitment_row, lambda c: c.subject, _commitment_describe),
    "inspections": Drill(
        gettext_lazy("Inspected subjects behind a count"),
        lambda: [_("Subject"), _("Code"), _("Inspection plan"), _("Inspection from"),
                 _("Grade"), _("Result"), _("State")],
        inspections, _inspection_row, lambda i: i.subject, _inspection_describe),
}

#: The parameters a drill-down link may carry besides the dashboard's filters.
PARAMS = ("kind", "event", "outcome", "code", "column", "grade", "category")


def link(what: str, query: str, **params: Any) -> str:
    """The address of a drill-down: the dashboard's filter query plus the cell's parameters."""
    from urllib.parse import urlencode

    extra = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    joined = "&".join(p for p in (query, extra) if p)
    return f"{reverse('monitoring:entries', args=[what])}?{joined}"
