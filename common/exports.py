"""Every staff list page exports what it shows: the same filtered rows, as XLSX or CSV.

Why the page's own view answers the export (`?export=xlsx` / `?export=csv` on the page's own URL,
or the same field in its POSTed search form) rather than a separate endpoint: the rows then come
from the very queryset the page filtered, with the page's own permission check in front of it,
so an export can never hold more (or other) rows than the page would, and a filter added to a
page later is exported without anyone remembering to. Only the pager is ignored: the export is
every row that matches, not the current page.

Columns are declared once per page (`Column`: a Chinese header through the translation system,
and how a row gives its value). Values are what the page shows (a subject's `display_code`, so an
individual's ID number is masked exactly as on screen); every cell is written by the one
spreadsheet writer, `common.spreadsheets`, which neutralises formula-like text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from common import clock, limits
from common.spreadsheets import Sheet, csv_response, xlsx_response

#: The formats a page offers, by the value of its `export` parameter.
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    """One exported column: its header (a lazy translation) and the value a row gives.

    With `choices` (a model field's choices), the value is the stored code and the cell its
    label, translated once per export: `get_FOO_display()` per row re-hashes every lazy label
    and costs more than the rest of the row together (measured by `bench/bench_review.py`).
    """

    header: Any
    value: Callable[[Any], Any]
    width: int = 18
    choices: Sequence[tuple[Any, Any]] | None = None


def requested_format(request: HttpRequest) -> str | None:
    """`xlsx` or `csv` when the request asks the page for its export, else None."""
    data = request.POST if request.method == "POST" else request.GET
    fmt = data.get("export", "")
    return fmt if fmt in FORMATS else None


def _cell(value: Any) -> Any:
    """Aware datetimes in the county's local time, as the page shows them; lists joined."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return value


def _getter(column: Column) -> Callable[[Any], Any]:
    """The column's value, or its choice label from a table translated once for this export."""
    if column.choices is None:
        return column.value
    labels = {value: str(label) for value, label in column.choices}
    return lambda row: labels.get(column.value(row), column.value(row))


def _count(rows: Iterable[Any]) -> int | None:
    if isinstance(rows, QuerySet):
        return rows.count()
    if isinstance(rows, Sequence):
        return len(rows)
    return None


def export_response(request: HttpRequest, *, fmt: str, rows: Iterable[Any],
                    columns: Sequence[Column], title: str, name: str) -> HttpResponse:
    """The download of `rows` (all of them, not one page) under `columns`.

    Above `limits.EXPORT_ROWS` rows the export is refused with a message asking for a narrower
    filter, and the page is shown again: a file of that size is a data extract, which goes
    through the data-exchange exports, not a list page.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    total = _count(rows)
    if total is not None and total > limits.EXPORT_ROWS:
        messages.error(request, _(
            "The export would hold %(n)s rows, more than the %(max)s a list page may export; "
            "narrow the filters and export again.") % {"n": total, "max": limits.EXPORT_ROWS})
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(request.path + (f"?{query.urlencode()}" if query else ""))
    header = [str(c.header) for c in columns]
    getters = [_getter(c) for c in columns]
    iterator = rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else rows
    data = ([_cell(get(row)) for get in getters] for row in iterator)
    filename = f"{name}-{clock.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, data)
    return xlsx_response(filename, Sheet(str(title), header, data,
                                         widths=[c.width for c in columns]))
