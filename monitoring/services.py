"""Writes of the monitoring app: taking the daily snapshot, issuing a numbered report."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import permissions
from audit.services import record_event
from common import clock
from common.errors import ValidationFailed
from common.pdf import render_pdf
from common.spreadsheets import Sheet, xlsx_bytes
from monitoring import access, selectors, snapshots, svg, tables
from monitoring.models import Report
from monitoring.selectors import Filters, month_start

if TYPE_CHECKING:
    from accounts.models import User


def snapshot_take(*, day: dt.date | None = None, actor: Any = None) -> snapshots.SnapshotResult:
    """Take (or retake) the statistics snapshot of `day`, with its audit event.

    Idempotent per day; run daily by the scheduler or by hand (`manage.py snapshot_statistics`).
    """
    with transaction.atomic():
        result = snapshots.take_snapshot(day=day)
        record_event(actor=actor, action="monitoring.snapshot", target_type="monitoring.snapshot",
                     target_id=result.day.isoformat(),
                     after={"rows": result.rows, "duration_ms": result.duration_ms})
    return result


def report_period(*, kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month or quarter containing `day`: first and last day."""
    start = month_start(day) if kind == Report.Kind.MONTHLY else selectors.quarter_start(day)
    months = 1 if kind == Report.Kind.MONTHLY else 3
    end = start
    for _i in range(months):
        end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, end - dt.timedelta(days=1)


def _number(kind: str, start: dt.date) -> str:
    """TJJC-2026-11 (monthly) or TJJC-2026-Q4 (quarterly); a re-issue gets -2, -3…"""
    base = (f"TJJC-{start.year}-{start.month:02d}" if kind == Report.Kind.MONTHLY
            else f"TJJC-{start.year}-Q{(start.month - 1) // 3 + 1}")
    taken = set(Report.objects.filter(number__startswith=base).values_list("number", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _json_ready(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def report_check(*, actor: User, kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """Whether `actor` may issue this report now: the period's first and last day, or refused.

    Asked when the report is requested (so the page answers at once) and again by the job."""
    permissions.require(access.can_generate_reports(actor), _("issue statistics reports"))
    if kind not in Report.Kind.values:
        raise ValidationFailed("invalid", _("Unknown kind of report."), field="kind")
    start, end = report_period(kind=kind, day=day)
    if start > clock.today():
        raise ValidationFailed("future_period", _("This period has not begun yet."),
                               field="period")
    return start, end


def report_generate(*, actor: User, kind: str, day: dt.date,
                    progress: Callable[[int], None] | None = None) -> Report:
    """Issue the 统计监测报告 of the month or quarter containing `day`, as PDF (Chinese) and XLSX.

    The figures are those of the latest snapshot on or before the period's end (or today, for a
    running period); they are kept with the report, so it reads the same however the data
    change later, and the snapshot it used is named in it.

    Run as a background job (`monitoring.tasks`): the figures, charts, PDF and XLSX are built
    outside any transaction (reads only; a missing snapshot is taken in its own), reporting
    `progress` (0–100) as they go so the page's bar advances; the report and its audit event are
    then written in one transaction.
    """
    step = progress or (lambda _pct: None)
    start, end = report_check(actor=actor, kind=kind, day=day)
    today = clock.today()
    as_of = min(end, today)
    snapshot_day = selectors.snapshot_day(as_of=as_of)
    if snapshot_day is None or (as_of == today and snapshot_day < today):
        snapshot_day = snapshots.take_snapshot(day=as_of).day
    step(15)
    filters = Filters(month_from=start, month_to=month_start(end), as_of=snapshot_day)
    with translation.override("zh-hans"):
        built = tables.all_tables(filters)
        step(35)
        number = _number(kind, start)
        title = (_("Statistics and monitoring report, %(y)s-%(m)02d") % {"y": start.year,
                                                                         "m": start.month}
                 if kind == Report.Kind.MONTHLY else
                 _("Statistics and monitoring report, %(y)s Q%(q)s")
                 % {"y": start.year, "q": (start.month - 1) // 3 + 1})
        charts = {t.key: svg.bar_chart(t.chart["x"], [(s["name"], s["data"]) for s in
                                                      t.chart["series"]])
                  for t in built if t.chart and t.chart["x"] and t.chart["type"] == "bar"}
        step(45)
        now = clock.now()
        context = {"title": title, "number": number, "start": start, "end": end,
                   "as_of": snapshot_day, "issued_at": now, "tables": built, "charts": charts,
                   "totals": selectors.records_totals(filters=filters),
                   "feedback": selectors.feedback_totals(filters=filters),
                   "cell": tables.cell_text}
        pdf = render_pdf("monitoring/report_pdf.html", context)
        step(80)
        preface = [title, f"{_('Number')}: {number}",
                   f"{_('Period')}: {start.isoformat()} – {end.isoformat()}",
                   f"{_('Statistics as of')}: {snapshot_day.isoformat()}"]
        sheets = [Sheet(tables.sheet_title(i, t.title), t.header, t.rows, preface=preface)
                  for i, t in enumerate(built, start=1)]
        xlsx = xlsx_bytes(*sheets)
        step(95)
    data = {t.key: {"title": t.title, "header": t.header, "rows": _json_ready(t.rows)}
            for t in built}
    with transaction.atomic():
        report = Report.objects.create(
            number=number, kind=kind, period_start=start, period_end=end, as_of=as_of,
            snapshot_day=snapshot_day, data=data, pdf=pdf, xlsx=xlsx,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(), created_by=actor, created_at=now)
        record_event(actor=actor, action="monitoring.report_generate", target=report,
                     after={"number": number, "kind": kind, "period_start": start.isoformat(),
                            "period_end": end.isoformat(),
                            "snapshot_day": snapshot_day.isoformat(),
                            "pdf_sha256": report.pdf_sha256})
    return report
