"""XLSX export of an inspection plan (openpyxl): the internal working list and the public part.

The public workbook is built only from `selectors.public_plan_rows`, the same function that
defines what is published, so the file cannot carry more than the public page (no grade, no
internal note, no individual's ID number).
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from common.spreadsheets import neutralise
from supervision.models import InspectionPlan
from supervision.selectors import plan_items, public_plan_rows


def _append(ws: Worksheet, values: list[object]) -> None:
    """Every cell through the platform's one rule for spreadsheet text (`common.spreadsheets`):
    a subject named `=HYPERLINK(…)` is written as text, never as a live formula."""
    ws.append([neutralise(value) for value in values])


def _header(ws: Worksheet, titles: list[str]) -> None:
    _append(ws, titles)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = f"A{ws.max_row + 1}"


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for n, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + n)].width = width


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def public_workbook(*, plan: InspectionPlan) -> bytes:
    """The published part: subject, code (enterprises), period, inspectors' names."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Public plan")[:31]
    _append(ws, [plan.name])
    ws["A1"].font = Font(bold=True, size=13)
    if plan.public_note:
        _append(ws, [plan.public_note])
    _append(ws, [])
    _header(ws, [_("No."), _("Subject"), _("Unified social credit code"), _("Inspection from"),
                 _("Inspection until"), _("Inspectors")])
    for row in public_plan_rows(plan=plan):
        _append(ws, [row.position, row.subject_name, row.subject_code, row.date_from, row.date_to,
                   row.inspectors])
    for cells in ws.iter_rows(min_col=4, max_col=5):
        for cell in cells:
            cell.number_format = "yyyy-mm-dd"
    _widths(ws, [6, 40, 22, 14, 14, 30])
    return _save(wb)


def internal_workbook(*, plan: InspectionPlan) -> bytes:
    """The working list for inspectors and the lead department, plus how it was drawn.

    Individuals' ID numbers appear masked: the list travels by e-mail and on paper, and the
    subject page (audited) is where a full number is looked up.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _("Plan items")[:31]
    _header(ws, [_("No."), _("Subject"), _("Code"), _("Grade"), _("Inspectors"), _("Units"),
                 _("Result"), _("Result record"), _("Record state")])
    for item in plan_items(plan=plan):
        people = [a.inspector for a in item.assignments.all()]
        record = item.result_record
        result = ""
        if record is not None:
            result = (_("Passed") if record.record_type.code == "inspection_good"
                      else pgettext("inspection result", "Failed"))
        _append(ws, [
            item.position, item.subject.name, item.subject.display_code, item.grade,
            "、".join(p.name for p in people), "、".join(p.unit_name for p in people), result,
            record.document_number if record else "",
            record.get_state_display() if record else "",
        ])
    _widths(ws, [6, 40, 22, 12, 24, 30, 10, 24, 14])

    info = wb.create_sheet(_("How it was drawn")[:31])
    facts = [
        (_("Plan"), plan.name),
        (_("Category"), plan.get_category_display()),
        (_("Inspection from"), plan.date_from),
        (_("Inspection until"), plan.date_to),
        (_("Status"), plan.get_status_display()),
        (_("Random seed"), str(plan.seed)),
        (_("Draw algorithm"), plan.algorithm),
        (_("Grade batch"), str(plan.batch_id or "")),
        (_("Grades as of"), plan.as_of),
        (_("Inspectors per subject"), plan.inspectors_per_subject),
        (_("Candidate list digest"), plan.candidates_digest),
        (_("Draw input digest"), plan.input_digest),
        (_("Internal note"), plan.internal_note),
    ]
    for label, value in facts:
        _append(info, [label, value])
    _append(info, [])
    _header(info, [_("Grade"), pgettext("count column", "Subjects"), _("Sampling ratio"),
                   _("Drawn")])
    for row in plan.summary:
        _append(info, [row["grade"], row["population"], float(row["ratio"]), row["drawn"]])
    _widths(info, [24, 70, 16, 10])
    return _save(wb)
