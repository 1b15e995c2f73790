"""Reading 双公示 files: encoding, format, kind and field set from the file itself, then each row
turned into plain values or into errors that name the row, the column and the reason.

Nothing here touches the database: `exchange.feed_services` applies what this module parsed
through the same subject and record services as a form entry. The field codes are the ones local
platforms exchange with 信用中国 (current sets, and the 2016 sets older systems still send); both
sets of a kind map to the same canonical names, so the rest of the platform sees one shape.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from common import clock
from common.forms import EARLIEST_DATE, LATEST_DATE, parse_date
from common.text import clean_line, strip_invisible

CURRENT = "current"
LEGACY_2016 = "legacy2016"

#: canonical name → column code, per (kind, field set). Columns not listed are read and ignored.
FIELD_SETS: dict[tuple[str, str], dict[str, str]] = {
    ("CF", CURRENT): {
        "name": "CF_XDR_MC", "subject_class": "CF_XDR_LB", "uscc": "CF_XDR_SHXYM",
        "id_type": "CF_XDR_ZJLX", "id_number": "CF_XDR_ZJHM", "legal_rep": "CF_FRDB",
        "document_number": "CF_WSH", "act": "CF_WFXW", "facts": "CF_SY", "basis": "CF_YJ",
        "category": "CF_CFLB", "content": "CF_NR", "fine": "CF_NR_FK",
        "confiscated": "CF_NR_WFFF", "licence_affected": "CF_NR_ZKDX", "decided_on": "CF_JDRQ",
        "valid_until": "CF_YXQ", "publicity_until": "CF_GSJZQ", "authority": "CF_CFJG",
        "authority_code": "CF_CFJGDM", "data_source": "CF_SJLY",
        "data_source_code": "CF_SJLYDM", "status": "CF_ZT", "remark": "BZ",
    },
    ("CF", LEGACY_2016): {
        "document_number": "CF_WSH", "act": "CF_CFMC", "category": "CF_CFLB1",
        "category2": "CF_CFLB2", "facts": "CF_SY", "basis": "CF_YJ", "name": "CF_XDR_MC",
        "uscc": "CF_XDR_SHXYM", "id_number": "CF_XDR_SFZ", "legal_rep": "CF_FR",
        "content": "CF_JG", "decided_on": "CF_JDRQ", "authority": "CF_XZJG", "status": "CF_ZT",
        "region": "DFBM", "timestamp": "SJC", "remark": "BZ",
    },
    ("XK", CURRENT): {
        "name": "XK_XDR_MC", "subject_class": "XK_XDR_LB", "uscc": "XK_XDR_SHXYM",
        "id_type": "XK_XDR_ZJLX", "id_number": "XK_XDR_ZJHM", "legal_rep": "XK_FRDB",
        "act": "XK_XKWS", "document_number": "XK_WSH", "category": "XK_XKLB",
        "licence_name": "XK_XKZS", "licence_number": "XK_XKBH", "content": "XK_NR",
        "decided_on": "XK_JDRQ", "valid_from": "XK_YXQZ", "valid_until": "XK_YXQZI",
        "authority": "XK_XKJG", "authority_code": "XK_XKJGDM", "status": "XK_ZT",
        "data_source": "XK_LYDW", "data_source_code": "XK_LYDWDM", "remark": "BZ",
    },
    ("XK", LEGACY_2016): {
        "document_number": "XK_WSH", "act": "XK_XMMC", "category": "XK_SPLB",
        "content": "XK_NR", "name": "XK_XDR", "uscc": "XK_XDR_SHXYM", "id_number": "XK_XDR_SFZ",
        "legal_rep": "XK_FR", "decided_on": "XK_JDRQ", "valid_until": "XK_JZQ",
        "authority": "XK_XZJG", "status": "XK_ZT", "region": "DFBM", "timestamp": "SJC",
        "remark": "BZ",
    },
}

#: Columns only one field set has: the header's vote decides which set a file uses.
SET_MARKERS: dict[str, dict[str, set[str]]] = {
    "CF": {
        CURRENT: {"CF_CFLB", "CF_NR", "CF_CFJG", "CF_XDR_LB", "CF_FRDB", "CF_XDR_ZJHM",
                  "CF_WFXW", "CF_NR_FK", "CF_GSJZQ"},
        LEGACY_2016: {"CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_JG", "CF_XZJG", "CF_XDR_SFZ",
                      "CF_FR", "DFBM", "SJC"},
    },
    "XK": {
        CURRENT: {"XK_XDR_MC", "XK_XKLB", "XK_XKJG", "XK_XDR_LB", "XK_FRDB", "XK_XDR_ZJHM",
                  "XK_XKWS", "XK_YXQZI"},
        LEGACY_2016: {"XK_XDR", "XK_XMMC", "XK_SPLB", "XK_XZJG", "XK_XDR_SFZ", "XK_FR",
                      "XK_JZQ", "DFBM", "SJC"},
    },
}

#: Every column code some field set reads.
KNOWN_COLUMNS = frozenset(code for fields in FIELD_SETS.values() for code in fields.values())

REQUIRED = ("document_number", "name", "decided_on")
#: CF_ZT / XK_ZT values that mean "revoked" (撤销), in the current and the 2016 sets alike
#: (REFERENCE.md §5.1: 1 = 有效, 2 = 撤销): 2 as the feeds write it (also as 2.0 from XLSX).
REVOKED = {"2", "2.0"}
MAX_TEXT = 2000


#: `json.dumps(..., sort_keys=True, ensure_ascii=False, default=str)` built once (json.dumps
#: builds a new encoder for every call with non-default options).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


class FeedFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, unknown header, no document number)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason

    def as_row(self) -> dict[str, Any]:
        return {"row": 1, "field": self.field, "reason": self.reason}


@dataclass
class Table:
    """A file's header and rows as read, before any meaning is given to them."""

    file_format: str  # "csv" or "xlsx"
    encoding: str  # "utf-8", "utf-8-sig", "gbk", "gb18030", or "" for XLSX
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)
    #: A CSV file's decoded text (the rows are read from it lazily; `csv_chunks` reads it in a
    #: parser process); "" for XLSX.
    text: str = ""
    header_number: int = 1  # the header's row number


@dataclass
class FeedRow:
    """A data row in canonical names; `errors` holds (column, reason) for each fault found."""

    row_number: int
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def document_number(self) -> str:
        return self.values.get("document_number") or ""

    def canonical_json(self) -> str:
        """The row's canonical values as JSON (keys sorted, dates and amounts as text): what
        the ledger stores and `content_hash` hashes (`json.dumps(values, sort_keys=True,
        ensure_ascii=False, default=str)`, by one reused encoder)."""
        return _CANONICAL.encode(self.values)

    def content_hash(self) -> str:
        """SHA-256 over the row's canonical values: the same decision hashes the same whichever
        encoding, format or field set it arrived in."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @property
    def is_revocation(self) -> bool:
        """A row whose status (CF_ZT / XK_ZT) is 2: the decision was revoked (撤销); it
        revokes what it names (`exchange.revocations`) and never creates a record."""
        return str(self.values.get("status") or "").strip() in REVOKED


# --- reading the file -------------------------------------------------------------------------

def detect_encoding(data: bytes) -> str:
    """UTF-8 with BOM, UTF-8, GBK, else GB18030 (its superset): the first that decodes."""
    return decode(data)[0]


def decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) by `detect_encoding`'s order; the text is the decode that succeeded, so
    a file is decoded once, not once to detect and again to read."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data.decode("utf-8-sig")
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FeedFileError("", _("The file is neither UTF-8 nor GBK/GB18030 text nor an XLSX "
                              "workbook."))


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _blank_csv(cells: list[str]) -> bool:
    """`_blank` for a CSV row (every cell a string): one C-level join and strip instead of a
    test per cell (a concatenation is blank exactly when each of its parts is)."""
    return not "".join(cells).strip()


def read_table(data: bytes) -> Table:
    """Read CSV (any of the encodings) or XLSX (recognised by its ZIP signature).

    A CSV file is decoded once; its header is read from the text's first lines, and its rows
    by a reader made only when they are first asked for (`Table.rows`), so a file whose rows
    are parsed elsewhere (`csv_chunks`, in a parser process) is not also copied into a reader
    here."""
    if not data.strip():
        raise FeedFileError("", _("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    encoding, text = decode(data)
    lines = _records(csv.reader(_text_lines(text)))
    try:
        (number, header), _rest = _find_header(lines)
    except csv.Error as exc:
        raise FeedFileError("", _("The file is not valid CSV: %(e)s") % {"e": exc}) from exc
    return Table("csv", encoding.replace("-sig", "") if encoding == "utf-8-sig" else encoding,
                 [str(h) for h in header], _csv_body(text, number), text, number)


def _records(reader: Iterator[list[str]], start: int = 1) -> Iterator[tuple[int, list[str]]]:
    """A CSV reader's records with their row numbers, blank ones left out."""
    return ((n, row) for n, row in enumerate(reader, start=start) if not _blank_csv(row))


#: One line as `io.StringIO(text, newline="")` yields it: up to and with its CR LF, LF or CR.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _text_lines(text: str) -> Iterator[str]:
    """The text's lines as `io.StringIO(text, newline="")` yields them, found one at a time
    (for the header: no copy of the whole text)."""
    return (m.group() for m in _LINE.finditer(text))


def _csv_rows(lines: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from lines
    except csv.Error as exc:
        raise FeedFileError("", _("The file is not valid CSV: %(e)s") % {"e": exc}) from exc


def _csv_body(text: str, header_number: int) -> Iterator[tuple[int, list[Any]]]:
    """The data rows after the header, read when first asked for."""
    lines = _records(csv.reader(io.StringIO(text, newline="")))
    for number, row in _csv_rows(lines):
        if number > header_number:
            yield number, row


def _read_xlsx(data: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FeedFileError("", _("The workbook cannot be opened: it is damaged or not an XLSX "
                                  "workbook.")) from exc
    sheet = workbook.worksheets[0]
    lines = ((n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
             if not _blank(list(row)))
    (number, header), rest = _find_header(lines)
    return Table("xlsx", "", ["" if h is None else str(h) for h in header], rest,
                 header_number=number)


#: How far down a file its header may start: offices put a title (某县行政处罚信息公示（2026年
#: 11月）) and a note above the column codes.
HEADER_SEARCH_ROWS = 10


def _find_header(lines: Iterator[tuple[int, list[Any]]]
                 ) -> tuple[tuple[int, list[Any]], Iterator[tuple[int, list[Any]]]]:
    """The header row and the rows after it: the first of the first `HEADER_SEARCH_ROWS`
    non-empty rows that has a 双公示 column (CF_…, XK_…), else the first row (a spreadsheet
    template's Chinese header, or a file `detect_kind_and_set` then refuses)."""
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in lines:
        seen.append((number, cells))
        if any(normalise_header(str(c)).startswith(("CF_", "XK_")) for c in cells
               if c is not None):
            return seen[-1], lines
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise FeedFileError("", _("The file is empty."))
    return seen[0], itertools.chain(seen[1:], lines)


def estimate_rows(data: bytes) -> int:
    """About how many data rows a file has, without parsing it (decides whether an upload is
    imported in the request or in the background): line breaks in a CSV (a quoted line break
    inside a cell counts too, so the estimate errs upwards), the sheet's recorded dimension in an
    XLSX (or the rows themselves when the workbook records none)."""
    if data.startswith(b"PK\x03\x04"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        except Exception:  # noqa: BLE001 — read_table reports the damaged file properly
            return 0
        rows = sheet.max_row
        if rows is None:
            rows = sum(1 for _row in sheet.iter_rows(values_only=True))
        return max(0, rows - 1)
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))


def csv_row_bound(data: bytes) -> int:
    """At least as many data rows as a CSV file has, from its line breaks alone (no CSV pass):
    each record but the last ends with CR LF, LF or a lone CR, so records are at most the line
    breaks plus one; less the header. A quoted line break inside a cell, or a blank line, makes
    the bound larger than the rows, never smaller. (No encoding the importer reads has CR or LF
    bytes inside a multi-byte character.)"""
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return max(0, breaks + (0 if data.endswith((b"\n", b"\r")) else 1) - 1)


def normalise_header(name: str) -> str:
    return strip_invisible(name).strip().upper()


def detect_kind_and_set(header: list[str]) -> tuple[str, str]:
    """XK or CF from the columns' prefixes; current or 2016 from the columns only one set has."""
    names = [normalise_header(h) for h in header]
    columns = set(names)
    twice = sorted(c for c in columns & KNOWN_COLUMNS if names.count(c) > 1)
    if twice:  # which of the two would a row's value be? Neither silently.
        raise FeedFileError(twice[0], _("The header has the column %(c)s more than once; keep "
                                        "one.") % {"c": twice[0]})
    penalty = sum(1 for c in columns if c.startswith("CF_"))
    licence = sum(1 for c in columns if c.startswith("XK_"))
    if not penalty and not licence:
        raise FeedFileError("", _("The header has no 双公示 columns (CF_… for penalties, XK_… "
                                  "for licences)."))
    if penalty and licence:
        raise FeedFileError("", _("The header mixes penalty (CF_…) and licence (XK_…) columns; "
                                  "send them as two files."))
    kind = "CF" if penalty else "XK"
    markers = SET_MARKERS[kind]
    current = len(columns & markers[CURRENT])
    legacy = len(columns & markers[LEGACY_2016])
    field_set = LEGACY_2016 if legacy > current else CURRENT
    fields = FIELD_SETS[(kind, field_set)]
    for name in ("document_number", "name", "decided_on"):
        if fields[name] not in columns:
            raise FeedFileError(fields[name], _("The header lacks the required column %(c)s.")
                                % {"c": fields[name]})
    if fields["uscc"] not in columns and fields["id_number"] not in columns:
        raise FeedFileError(fields["uscc"], _("The header lacks the column of the subject's "
                                              "code (%(c)s).") % {"c": fields["uscc"]})
    return kind, field_set


# --- values -----------------------------------------------------------------------------------

_DAY_LIKE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def parse_feed_date(value: Any) -> dt.date | None:
    """A date as feeds carry it: an Excel date cell, an Excel serial number (also as five
    digits in a CSV), ISO, slashes,
    dots, 年月日, or a date-time (the time is dropped: the decision date is the day).

    Returns None for an empty cell; raises ValueError with the translated reason otherwise.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's serial range (1900-01-01 … 9999-12-31)
            raise ValueError(_("%(v)s is not a date.") % {"v": value})
        day = from_excel(value).date()
    else:
        text = clean_line(str(value))
        if re.fullmatch(r"\d{5}(\.0+)?", text):  # a date cell saved to CSV as its serial number
            return parse_feed_date(float(text))
        head = re.split(r"[T\s](?=\d{1,2}:)", text, maxsplit=1)[0].strip()
        day = parse_date(head)
        if day is None:
            if _DAY_LIKE.match(head):
                raise ValueError(_("%(v)s is not a real calendar day.") % {"v": text})
            raise ValueError(_("%(v)s is not a date; write it as 2026-12-02 or 2026/12/02.")
                             % {"v": text})
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(_("The date must lie between %(start)s and %(end)s.")
                         % {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()})
    return day


def parse_wan_yuan(value: Any) -> Decimal | None:
    """An amount in 万元 (the 双公示 unit) as yuan with two decimals; None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("%(v)s is not a number.") % {"v": value})
    text = clean_line(str(value)).replace(",", "").replace("，", "")
    try:
        wan = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(v)s is not a number (amounts are in 万元, e.g. 2.5).")
                         % {"v": text}) from None
    if not wan.is_finite():
        raise ValueError(_("%(v)s is not a number.") % {"v": text})
    if wan < 0:
        raise ValueError(_("The amount cannot be negative."))
    yuan = (wan * 10000).quantize(Decimal("0.01"))
    if yuan >= Decimal("1e12"):
        raise ValueError(_("%(v)s 万元 is implausibly large.") % {"v": text})
    return yuan


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column (licence number 12345.0)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return strip_invisible(str(value)).strip()[:MAX_TEXT]


DATE_FIELDS = ("decided_on", "valid_from", "valid_until", "publicity_until")
AMOUNT_FIELDS = ("fine", "confiscated")
#: Distinct cell values remembered per column while a file is parsed (then the memo restarts):
#: a feed repeats its names, categories, acts, bases, authorities and dates on many rows.
MEMO_CELLS = 50_000


#: What a validity column says for a licence or a decision without an end (the export writes
#: an empty XK_YXQZI for it; other systems write the word): read as an empty cell.
OPEN_ENDED = frozenset({"长期", "长期有效", "永久", "永久有效", "无期限", "无固定期限",
                        "—", "-", "/"})


def _parse_validity_end(value: Any) -> dt.date | None:
    """`parse_feed_date` for "valid until": 长期 (or a synonym) is no end, like an empty cell."""
    if isinstance(value, str) and clean_line(value) in OPEN_ENDED:
        return None
    return parse_feed_date(value)


def _converter(name: str) -> Any:
    """The function that turns a cell of this canonical field into (value, error or None)."""
    if name == "valid_until":
        parse = _parse_validity_end
    elif name in DATE_FIELDS:
        parse = parse_feed_date
    elif name in AMOUNT_FIELDS:
        parse = parse_wan_yuan
    else:
        return lambda value: (cell_text(value), None)

    def convert(value: Any) -> tuple[Any, str | None]:
        try:
            return parse(value), None
        except ValueError as exc:
            return None, str(exc)

    return convert


class _Memo(dict):
    """A column's cells (CSV text) → their parsed answer, parsed on first sight: a hit is one
    C-level dict lookup. At most `MEMO_CELLS` entries (then it starts again), so a column of
    unique cells (document numbers, facts) does not grow it without end."""

    def __init__(self, convert: Any) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, cell: str) -> Any:
        if len(self) >= MEMO_CELLS:
            self.clear()
        answer = self[cell] = self.convert(cell)
        return answer


def parse_rows(table: Table, kind: str, field_set: str) -> Iterator[FeedRow]:
    """Each data row as a `FeedRow` in canonical names, with every fault it has.

    With a memo per column (a value met before is not parsed again: a feed repeats its names,
    categories, acts, bases, authorities and dates on many rows), so a 1,000,000-row feed is
    read at tens of thousands of rows per second; the answer for each cell is exactly
    `cell_text` / `parse_feed_date` / `parse_wan_yuan`'s. A CSV file's cells are all text, so
    its rows take a shorter loop (`_parse_csv_rows`) with the same answers.
    """
    fields = FIELD_SETS[(kind, field_set)]
    today = clock.today()
    positions = {normalise_header(h): n for n, h in enumerate(table.header)}
    plan = [(name, code, positions[code], _converter(name), {})
            for name, code in fields.items() if code in positions]
    merge_categories = kind == "CF" and any(p[0] == "category2" for p in plan)
    if table.file_format == "csv":
        yield from _parse_csv_rows(table, kind, fields, plan, merge_categories, today)
        return
    for number, cells in table.rows:
        row = FeedRow(row_number=number, kind=kind)
        values, errors, width = row.values, row.errors, len(cells)
        for name, code, pos, convert, memo in plan:
            value = cells[pos] if pos < width else None
            if type(value) is str:
                answer = memo.get(value)
                if answer is None:
                    if len(memo) >= MEMO_CELLS:
                        memo.clear()
                    answer = memo[value] = convert(value)
            else:
                answer = convert(value)
            if answer[1] is None:
                values[name] = answer[0]
            else:
                errors.append((code, answer[1]))
        _finish_row(row, fields, merge_categories, today)
        yield row


def _parse_csv_rows(table: Table, kind: str, fields: dict[str, str], plan: list[Any],
                    merge_categories: bool, today: dt.date) -> Iterator[FeedRow]:
    """`parse_rows` for CSV: every cell is a string (a short row is read as if padded with
    empty cells, which every converter reads like a missing one), so the text columns, which
    cannot fail, are one dict comprehension of memo lookups; the dates and amounts keep their
    (value, error) answers. Errors come only from those, in the plan's order, as before."""
    texts = [(name, pos, _Memo(cell_text)) for name, _code, pos, convert, _m in plan
             if name not in DATE_FIELDS and name not in AMOUNT_FIELDS]
    typed = [(name, code, pos, _Memo(convert)) for name, code, pos, convert, _m in plan
             if name in DATE_FIELDS or name in AMOUNT_FIELDS]
    width = 1 + max(pos for _name, _code, pos, _c, _m in plan)
    padding = [""] * width
    for number, cells in table.rows:
        if len(cells) < width:
            cells = cells + padding[len(cells):]
        values = {name: memo[cells[pos]] for name, pos, memo in texts}
        errors: list[tuple[str, str]] = []
        for name, code, pos, memo in typed:
            value, error = memo[cells[pos]]
            if error is None:
                values[name] = value
            else:
                errors.append((code, error))
        row = FeedRow(number, kind, values, errors)
        _finish_row(row, fields, merge_categories, today)
        yield row


def csv_chunks(table: Table, kind: str, field_set: str, size: int
               ) -> Iterator[tuple[list[FeedRow], str, int]]:
    """A CSV table's rows parsed `size` at a time, as `parse_rows` parses them, each chunk with
    its own text (the lines its records were read from, blank records included) and the row
    number that text starts at: `reparse_chunk` reads the same rows back from them. The reader
    is fed line by line and hands a record over as soon as its last line is read, so the lines
    taken while a chunk is parsed are exactly that chunk's."""
    taken: list[str] = []
    take = taken.append

    def lines() -> Iterator[str]:
        for line in io.StringIO(table.text, newline=""):
            take(line)
            yield line

    records = _csv_rows(_records(csv.reader(lines())))
    for number, _header in records:
        if number >= table.header_number:
            break
    taken.clear()
    body = Table("csv", table.encoding, table.header, records, "", table.header_number)
    rows = parse_rows(body, kind, field_set)
    start = table.header_number + 1
    while True:
        chunk = list(itertools.islice(rows, size))
        if not chunk:
            return
        text = "".join(taken)
        taken.clear()
        yield chunk, text, start
        start = chunk[-1].row_number + 1


def reparse_chunk(text: str, start: int, header: list[str], kind: str, field_set: str
                  ) -> list[FeedRow]:
    """The rows of one `csv_chunks` chunk read back from its text (the writing process does
    this only for a chunk with rows the set-based path hands to the row path)."""
    records = _csv_rows(_records(csv.reader(io.StringIO(text, newline="")), start))
    return list(parse_rows(Table("csv", "", header, records), kind, field_set))


def _finish_row(row: FeedRow, fields: dict[str, str], merge_categories: bool,
                today: dt.date) -> None:
    """The 2016 set's second category merged into the first; the checks across columns."""
    values = row.values
    if merge_categories:
        category2 = values.pop("category2", None)
        if category2:
            values["category"] = "、".join(filter(None, [values.get("category", ""), category2]))
    name, number, decided = values.get("name"), values.get("document_number"), values.get(
        "decided_on")
    if (name and number and decided and decided <= today and len(name) <= 200
            and len(number) <= 100 and (values.get("uscc") or values.get("id_number"))):
        return  # nothing `_check_required` would find
    _check_required(row, fields, today)


def _check_required(row: FeedRow, fields: dict[str, str], today: dt.date) -> None:
    """Required columns, lengths, a code, and a decision not in the future: a decision is
    dated the day it was made (a licence as much as a penalty; the window's licence form and
    `record_create` refuse a future one with the same words, which name the decision date, the
    only date a feed row has)."""
    decided = row.values.get("decided_on")
    if decided is not None and decided > today:
        row.errors.append((fields["decided_on"], _("The decision date cannot be in the future.")))
    faulty = {code for code, _reason in row.errors} if row.errors else ()
    for name in REQUIRED:
        if not row.values.get(name) and fields[name] not in faulty:
            row.errors.append((fields[name], _("This field is required.")))
    if len(row.values.get("name", "")) > 200:
        row.errors.append((fields["name"], _("The name is longer than 200 characters.")))
    if len(row.values.get("document_number", "")) > 100:
        row.errors.append((fields["document_number"],
                           _("The document number is longer than 100 characters.")))
    if not row.values.get("uscc") and not row.values.get("id_number"):
        row.errors.append((fields.get("uscc") or fields["id_number"],
                           _("Give the unified social credit code (or, for a natural person, "
                             "the ID number).")))


def is_natural_person(row: FeedRow) -> bool:
    """自然人 by the subject class, or an ID number without a credit code."""
    subject_class = row.values.get("subject_class", "")
    if "自然人" in subject_class:
        return True
    return not row.values.get("uscc") and bool(row.values.get("id_number"))


def subject_code_column(row: FeedRow, field_set: str) -> str:
    fields = FIELD_SETS[(row.kind, field_set)]
    return fields["id_number"] if is_natural_person(row) else fields["uscc"]


def description_labels() -> tuple[str, ...]:
    """The labels of `description_of`, translated once per language (not once per row)."""
    from django.utils.translation import get_language

    language = get_language() or ""
    labels = _LABELS.get(language)
    if labels is None:
        labels = _LABELS[language] = (_("Act"), _("Facts"), _("Legal basis"), _("Category"),
                                      _("Content"), _("Licence"), _("Authority"), _("Remark"))
    return labels


_LABELS: dict[str, tuple[str, ...]] = {}


def description_of(row: FeedRow, labels: tuple[str, ...] | None = None) -> str:
    """The record's description, composed from the feed's text columns in their order
    (`labels`: `description_labels()`, passed in by a caller that composes many): one
    "label: value" line per column that has a value."""
    get = row.values.get
    act, facts, basis, category, content, licence, authority, remark = (
        labels or description_labels())
    name, number = get("licence_name"), get("licence_number")
    lines = [f"{label}: {value}" for label, value in (
        (act, get("act")), (facts, get("facts")), (basis, get("basis")),
        (category, get("category")), (content, get("content")),
        (licence, f"{name} {number}" if name and number else name or number),
        (authority, get("authority")), (remark, get("remark"))) if value]
    return "\n".join(lines)
