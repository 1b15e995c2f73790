"""The one spreadsheet writer: every XLSX and CSV the platform hands out is written here.

Why one place: a cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel, WPS and LibreOffice as a formula (CSV/formula injection, OWASP). A subject may
name itself `=HYPERLINK(...)`, so every text cell is neutralised by prefixing an apostrophe
(the convention spreadsheet programs show as plain text), whatever page or job writes the file.
Numbers and dates stay typed; only text is touched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return `value` safe for a spreadsheet cell: text that would start a formula gets a `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal, dt.date, dt.datetime)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class Sheet:
    """One worksheet to write: a title, optional lines above the header, header, rows."""

    def __init__(self, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                 *, preface: Sequence[str] = (), widths: Sequence[int] = ()) -> None:
        self.title = title
        self.header = list(header)
        self.rows = rows
        self.preface = list(preface)
        self.widths = list(widths)


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """Write sheets to an XLSX workbook (write-only mode: memory stays flat for large exports)."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=neutralise(sheet.title)[:31].lstrip("'") or "Sheet")
        for n, width in enumerate(sheet.widths):
            ws.column_dimensions[get_column_letter(n + 1)].width = width
        for line in sheet.preface:
            ws.append([neutralise(line)])
        if sheet.preface:
            ws.append([])
        bold = Font(bold=True)
        header_cells = []
        for title in sheet.header:
            cell = WriteOnlyCell(ws, value=neutralise(title))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in sheet.rows:
            ws.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              encoding: str = "utf-8-sig") -> bytes:
    """Write a CSV (UTF-8 with BOM by default, so Excel opens Chinese correctly; or "gbk")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_response(filename: str, *sheets: Sheet) -> HttpResponse:
    """An HTTP download of `sheets` as `filename` (.xlsx)."""
    return _download(xlsx_bytes(*sheets), XLSX_CONTENT_TYPE, filename)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                 encoding: str = "utf-8-sig") -> HttpResponse:
    """An HTTP download of a CSV file."""
    charset = "gbk" if encoding.lower() in {"gbk", "gb18030"} else "utf-8"
    return _download(csv_bytes(header, rows, encoding=encoding),
                     f"text/csv; charset={charset}", filename)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _xlsx_value(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, str) and len(value) > 32767:  # Excel's cell limit
        return value[:32767]
    return value


def _csv_value(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
