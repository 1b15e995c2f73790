"""The dashboard's tables: one definition serves the page, its chart, the CSV/XLSX export and
the report, so a chart, its table, its download and the report can never disagree.

A `Table` holds translated headers, plain rows (numbers stay numbers for the spreadsheet), an
optional drill-down address per row and a small chart description that
`static/monitoring/dashboard.js` turns into an ECharts option.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from monitoring import drilldowns, selectors
from monitoring.selectors import Filters


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None
    links: list[str | None] = field(default_factory=list)
    note: str = ""
    # Per row, per cell after the first: the drill-down address of that number (or None).
    cell_links: list[list[str | None]] = field(default_factory=list)

    @property
    def linked_rows(self) -> list[tuple[list[Any], str | None]]:
        """Rows with their drill-down address (None where a row has none)."""
        links = self.links + [None] * (len(self.rows) - len(self.links))
        return list(zip(self.rows, links, strict=True))

    @property
    def display_rows(self) -> list[tuple[str, list[str], str | None]]:
        """(first cell, other cells, drill-down address), as text, for the page."""
        return [(cell_text(row[0]), [cell_text(v) for v in row[1:]], link)
                for row, link in self.linked_rows]

    @property
    def display_cells(self) -> list[tuple[str, list[tuple[str, str | None]], str | None]]:
        """(first cell, [(cell, its drill-down address)], row's address), as text, for the
        page: every number with a list behind it links to that list."""
        cell_links = self.cell_links + [[]] * (len(self.rows) - len(self.cell_links))
        out = []
        for (first, cells, link), hrefs in zip(self.display_rows, cell_links, strict=True):
            hrefs = list(hrefs) + [None] * (len(cells) - len(hrefs))
            out.append((first, list(zip(cells, hrefs, strict=True)), link))
        return out


def _no_category() -> str:
    return _("The category filter does not apply to this table.")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _query(filters: Filters, **extra: Any) -> str:
    params: dict[str, Any] = {}
    if filters.month_from:
        params["month_from"] = filters.month_from.strftime("%Y-%m")
    if filters.month_to:
        params["month_to"] = filters.month_to.strftime("%Y-%m")
    if filters.department_id:
        params["department"] = filters.department_id
    if filters.category:
        params["category"] = filters.category
    if filters.as_of:
        params["as_of"] = filters.as_of.isoformat()
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _drill(what: str, filters: Filters, **params: Any) -> str:
    return drilldowns.link(what, _query(filters), **params)


def _month(filters: Filters, month: dt.date) -> Filters:
    return Filters(**{**filters.__dict__, "month_from": month, "month_to": month})


def _records_link(filters: Filters, **extra: Any) -> str:
    return f"{reverse('monitoring:records')}?{_query(filters, **extra)}"


def _bar(x: list[str], series: list[tuple[str, list[Any]]], *, kind: str = "bar",
         stacked: bool = False, percent: bool = False, links: list[str | None] | None = None
         ) -> dict[str, Any]:
    return {"type": kind, "x": x, "stacked": stacked, "percent": percent,
            "series": [{"name": n, "data": d} for n, d in series], "links": links or []}


def grades(filters: Filters) -> Table:
    rows, links = [], []
    for r in selectors.grade_change_since_last_quarter(filters=filters):
        rows.append([selectors.category_label(r["category"]), r["grade"], r["count"],
                     _pct(r["share"]), _pct(r["share_before"]), _pct(r["change"])])
        query = urlencode({"category": r["category"], "grade": r["grade"],
                           **({"as_of": filters.as_of.isoformat()} if filters.as_of else {})})
        links.append(f"{reverse('monitoring:subjects')}?{query}")
    x = [f"{row[0]} {row[1]}" for row in rows]
    return Table(
        "grades", _("Subjects by category and grade"),
        [_("Category"), _("Grade"), _("Subjects"), _("Share (%)"),
         _("Share at the end of last quarter (%)"), _("Change (percentage points)")],
        rows, _bar(x, [(_("Subjects"), [row[2] for row in rows])], links=links), links,
        note=_("Grades belong to subjects: the department and period filters do not apply."))


def grade_history(filters: Filters) -> Table:
    points = selectors.grade_history(filters=filters)
    rows = [[selectors.category_label(p["category"]), p["as_of"], p["batch_id"], p["grade"],
             p["count"]] for p in points]
    dates = sorted({p["as_of"] for p in points})
    index = {d: i for i, d in enumerate(dates)}
    series: dict[str, list[Any]] = {}
    for p in points:
        name = f"{selectors.category_label(p['category'])} {p['grade']}"
        series.setdefault(name, [None] * len(dates))[index[p["as_of"]]] = p["count"]
    return Table(
        "grade_history", _("Grades over time (one point per published evaluation)"),
        [_("Category"), _("Evaluated as of"), _("Evaluation batch"), _("Grade"), _("Subjects")],
        rows, _bar([d.isoformat() for d in dates], list(series.items()), kind="line"))


RECORD_TITLES = {
    "department": lambda: _("Records by department"),
    "source": lambda: _("Records by source"),
    "record_type": lambda: _("Records by type"),
    "month": lambda: _("Records by month of decision"),
}


def records(dimension: str) -> Callable[[Filters], Table]:
    def build(filters: Filters) -> Table:
        data = selectors.records_by(dimension=dimension, filters=filters)
        rows, links = [], []
        for r in data:
            rows.append([r["label"], r["total"], r["effective"], r["pending"], r["rejected"],
                         r["late"], _pct(r["late_share"]), round(r["avg_workdays"], 1)])
            drill = filters
            extra: dict[str, Any] = {}
            if dimension == "department":
                drill = Filters(**{**filters.__dict__, "department_id": r["key"]})
            elif dimension == "month":
                drill = Filters(**{**filters.__dict__, "month_from": r["key"],
                                   "month_to": r["key"]})
            elif dimension == "source":
                extra["source"] = r["key"]
            elif dimension == "record_type":
                extra["record_type"] = r["key"]
            links.append(_records_link(drill, **extra))
        x = [row[0] for row in rows]
        chart = _bar(x, [(_("On time"), [row[1] - row[5] for row in rows]),
                         (_("Entered late"), [row[5] for row in rows])],
                     kind="line" if dimension == "month" else "bar", stacked=True, links=links)
        return Table(
            f"records_{dimension}", str(RECORD_TITLES[dimension]()),
            [str(_("Department") if dimension == "department" else _("Source")
                 if dimension == "source" else _("Record type") if dimension == "record_type"
                 else _("Month")),
             _("Records"), _("Effective"), _("Awaiting review"), _("Rejected"),
             _("Entered late"), _("Late (%)"), _("Average working days from decision to entry")],
            rows, chart, links,
            note=_("Late: entered more than 7 working days after the decision (双公示)."))
    return build


def review_queue(filters: Filters) -> Table:
    bands = selectors.queue_band_labels()
    data = selectors.review_queue(filters=filters)
    rows = [[r["label"], *r["bands"], r["total"], r["oldest_days"]] for r in data]
    links = [_records_link(Filters(**{**filters.__dict__, "department_id": r["key"],
                                      "month_from": None, "month_to": None}), pending=1)
             for r in data]
    chart = _bar([r[0] for r in rows],
                  [(band, [row[1 + i] for row in rows]) for i, band in enumerate(bands)],
                  stacked=True, links=links)
    return Table("review_queue", _("Review queue: records awaiting review by age"),
                 [_("Department"), *bands, _("Total"), _("Oldest (days)")], rows, chart, links,
                 note=_no_category())


def list_events(filters: Filters) -> Table:
    data = selectors.list_events_by_month(filters=filters)
    keys = selectors.LIST_SERIES
    names = [selectors.list_series_label(k, e) for k, e in keys]
    rows = [[m.strftime("%Y-%m"), *[data["series"][key][i] for key in keys]]
            for i, m in enumerate(data["months"])]
    cell_links = [[_drill("lists", _month(filters, m), kind=k, event=e) for k, e in keys]
                  for m in data["months"]]
    chart = _bar([r[0] for r in rows],
                 [(name, [row[1 + i] for row in rows]) for i, name in enumerate(names)])
    return Table("list_events", _("Lists: entries, exits, objections and repairs per month"),
                 [_("Month"), *names], rows, chart, note=_no_category(), cell_links=cell_links)


def list_outcomes(filters: Filters) -> Table:
    from lists.models import BlackState, KeyState, Objection, RedState, RepairRequest

    labels: dict[tuple[str, str], str] = {}
    for kind, choices in (("black", BlackState.choices), ("red", RedState.choices),
                          ("key", KeyState.choices), ("objection", Objection.State.choices),
                          ("repair", RepairRequest.State.choices)):
        for value, label in choices:
            labels[(kind, value)] = str(label)
    data = selectors.list_outcomes(filters=filters)
    rows = [[selectors.list_series_label(r["kind"], r["event"]),
             labels.get((r["kind"], r["outcome"]), r["outcome"]), r["n"]] for r in data]
    links = [_drill("lists", filters, kind=r["kind"], event=r["event"], outcome=r["outcome"])
             for r in data]
    chart = _bar([f"{r[0]} · {r[1]}" for r in rows], [(_("Count"), [r[2] for r in rows])],
                 links=links)
    return Table("list_outcomes", _("Exits, objections and repairs by outcome"),
                 [_("What"), _("Outcome"), _("Count")], rows, chart,
                 note=_("Expiries are the exits whose outcome is Expired."),
                 cell_links=[[None, link] for link in links])


def measures(filters: Filters) -> Table:
    data = selectors.measures_by_measure(filters=filters)
    kinds = {"incentive": _("Incentive"), "restriction": _("Restriction")}
    rows = [[r["name"], str(kinds.get(r["kind"], r["kind"])), r["returned"], r["applied"],
             r["not_applied"], r["overdue"], _pct(r["feedback_rate"]), _pct(r["applied_rate"])]
            for r in data]
    cell_links = [[None, *[_drill("measures", filters, code=r["code"], column=column)
                           for column in ("returned", "applied", "not_applied", "overdue")]]
                  for r in data]
    chart = _bar([r[0] for r in rows], [(_("Returned by checks"), [r[2] for r in rows]),
                                         (_("Fed back as applied"), [r[3] for r in rows])])
    return Table("measures", _("Measures: returned by credit checks and fed back as applied"),
                 [_("Measure"), pgettext("measure kind", "Kind"), _("Returned"), _("Applied"),
                  _("Not applied"),
                  _("Feedback overdue"), _("Feedback rate (%)"), _("Applied rate (%)")],
                 rows, chart, note=_no_category(), cell_links=cell_links)


def measures_departments(filters: Filters) -> Table:
    data = selectors.measures_by_department(filters=filters)
    rows = [[r["label"], r["returned"], r["answered"], r["applied"], r["overdue"],
             _pct(r["feedback_rate"]), _("never answered") if r["returned"] and not r["answered"]
             else ""] for r in data]
    cell_links = []
    for r in data:
        department = Filters(**{**filters.__dict__, "department_id": r["department_id"]})
        cell_links.append([_drill("measures", department, column=column) for column in
                           ("returned", "answered", "applied", "overdue")])
    chart = _bar([r[0] for r in rows], [(_("Feedback rate (%)"), [r[5] for r in rows])],
                 percent=True)
    return Table("measures_departments", _("Measure feedback per department"),
                 [_("Department"), _("Measures returned"), _("Answered"), _("Applied"),
                  _("Feedback overdue"), _("Feedback rate (%)"), _("Note")], rows, chart,
                 note=_no_category(), cell_links=cell_links)


def commitments(filters: Filters) -> Table:
    c = selectors.commitments(filters=filters)
    labels = [_("Signed"), _("Kept"), _("Broken"), _("Open"), _("Open past the deadline")]
    values = [c["signed"], c["kept"], c["broken"], c["open"], c["overdue"]]
    rows = [[label, value] for label, value in zip(labels, values, strict=True)]
    links = [_drill("commitments", filters, column=column)
             for column in ("signed", "kept", "broken", "open", "overdue")]
    return Table("commitments", _("Commitments (容缺受理)"), [_("Commitments"), _("Count")],
                 rows, _bar([str(x) for x in labels], [(_("Count"), values)], links=links),
                 note=_no_category(), cell_links=[[link] for link in links])


def inspections(filters: Filters) -> Table:
    data = selectors.inspections_by_grade(filters=filters)
    rows = [[selectors.category_label(r["category"]), r["grade"], r["subjects"], r["drawn"],
             _pct(r["coverage"]), r["with_result"], r["with_findings"], _pct(r["findings_share"])]
            for r in data]
    cell_links = []
    for r in data:
        category = Filters(**{**filters.__dict__, "category": r["category"]})
        subjects = urlencode({"category": r["category"], "grade": r["grade"],
                              **({"as_of": filters.as_of.isoformat()} if filters.as_of
                                 else {})})
        drilled = {c: _drill("inspections", category, grade=r["grade"], column=c)
                   for c in ("drawn", "with_result", "with_findings")}
        cell_links.append([None, f"{reverse('monitoring:subjects')}?{subjects}",
                           drilled["drawn"], None, drilled["with_result"],
                           drilled["with_findings"], None])
    chart = _bar([f"{r[0]} {r[1]}" for r in rows],
                 [(_("Share with findings (%)"), [r[7] for r in rows]),
                  (_("Coverage (%)"), [r[4] for r in rows])], percent=True)
    return Table(
        "inspections", _("Random inspections: coverage and findings per grade"),
        [_("Category"), _("Grade"), _("Subjects in grade"), _("Inspected"), _("Coverage (%)"),
         _("With a result"), _("With findings"), _("Share with findings (%)")], rows, chart,
        note=_("If the grade predicts what inspectors find, the share with findings rises "
               "as the grade falls."), cell_links=cell_links)


BUILDERS: dict[str, Callable[[Filters], Table]] = {
    "grades": grades,
    "grade_history": grade_history,
    "records_department": records("department"),
    "records_source": records("source"),
    "records_record_type": records("record_type"),
    "records_month": records("month"),
    "review_queue": review_queue,
    "list_events": list_events,
    "list_outcomes": list_outcomes,
    "measures": measures,
    "measures_departments": measures_departments,
    "commitments": commitments,
    "inspections": inspections,
}

SECTIONS: list[tuple[str, list[str]]] = [
    ("grades", ["grades", "grade_history"]),
    ("records", ["records_department", "records_source", "records_record_type",
                 "records_month", "review_queue"]),
    ("lists", ["list_events", "list_outcomes"]),
    ("measures", ["measures", "measures_departments"]),
    ("feedback", ["commitments", "inspections"]),
]


def all_tables(filters: Filters) -> list[Table]:
    filters = selectors.resolve(filters)
    return [build(filters) for build in BUILDERS.values()]


def sheet_title(position: int, title: str) -> str:
    """Excel refuses some characters in sheet names and more than 31 characters."""
    clean = "".join(" " if c in '\\/?*[]:' else c for c in title)
    return f"{position} {clean}"[:31]


def cell_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
