"""Spreadsheet templates (XLSX/CSV, header in Chinese) for subjects and credit records in bulk,
and the import of a filled-in template through the same services as the forms.

The file is read by `exchange.feeds.read_table` (openpyxl for XLSX, the csv module for CSV in
UTF-8 or GBK), so row numbers in the error report are the numbers the spreadsheet shows.
Bookkeeping, dry run, preview and the error report are the feed import's
(`exchange.feed_services.run_import`).

Idempotency: a subject is identified by its code; the same row again is a duplicate, a row
with changed details updates the subject (`subjects.services.subject_update`, audited) and is
counted as a correction. A record is identified by (source department, document number) exactly
as a feed row or a form entry (`feed_services.apply_record`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.utils import translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from common.errors import ValidationFailed
from common.forms import AMOUNT_DIGITS
from common.spreadsheets import Sheet
from common.text import clean_line
from exchange import feeds
from exchange.feed_models import FeedKind, RowOutcome
from exchange.feed_services import (
    ImportContext,
    ImportResult,
    Parsed,
    Progress,
    apply_record,
    run_import,
)
from records import bulk
from records.models import CreditRecord, RecordType
from subjects.identifiers import normalise, validate_subject_code
from subjects.models import Category, Subject
from subjects.services import subject_create, subject_update

TEMPLATE = "template"

#: (canonical name, Chinese header, required)
SUBJECT_COLUMNS = [
    ("kind", "主体类型", True), ("code", "统一社会信用代码或身份证号码", True),
    ("name", "名称", True), ("category", "主体类别", True),
    ("legal_representative", "法定代表人", False), ("address", "地址", False),
    ("contact_phone", "联系电话", False), ("qualification", "资质", False),
    ("established_on", "成立（登记）日期", False),
]
RECORD_COLUMNS = [
    ("subject_code", "主体代码", True), ("record_type", "记录类型", True),
    ("document_number", "文书号", True), ("occurred_on", "发生日期", True),
    ("decided_on", "决定日期", True), ("amount", "金额（元）", False), ("level", "等级", False),
    ("description", "描述", False), ("internal_note", "内部备注", False),
]
COLUMNS = {FeedKind.SUBJECTS: SUBJECT_COLUMNS, FeedKind.RECORDS: RECORD_COLUMNS}
KINDS = {"企业": Subject.Kind.ENTERPRISE, "个人": Subject.Kind.INDIVIDUAL,
         "enterprise": Subject.Kind.ENTERPRISE, "individual": Subject.Kind.INDIVIDUAL}
DATES = {"established_on", "occurred_on", "decided_on"}
#: The columns' database limits, checked per row so a long cell is an error, not a crash.
MAX_LENGTHS = {"code": 30, "name": 200, "legal_representative": 100, "address": 300,
               "contact_phone": 30, "qualification": 100, "subject_code": 30,
               "document_number": 100, "level": 20}


def _category_names() -> dict[str, str]:
    """Each category by its code, its Chinese name and its English name."""
    names: dict[str, str] = {}
    for value, label in Category.choices:
        names[value] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[str(label)] = value
    return names


def template_sheets(kind: str) -> tuple[Sheet, Sheet]:
    """The template (header only) and a second sheet explaining each column."""
    columns = COLUMNS[kind]
    header = [title for _name, title, _req in columns]
    if kind == FeedKind.SUBJECTS:
        notes = [
            ("主体类型", _("企业 (enterprise) or 个人 (individual)")),
            ("统一社会信用代码或身份证号码",
             _("Enterprises: the 18-character unified social credit code (GB 32100); "
               "individuals: the 18-character resident ID number (GB 11643).")),
            ("主体类别", "、".join(str(label) for _v, label in Category.choices)),
            ("成立（登记）日期", _("A date such as 2020-01-31 or 2020/1/31.")),
        ]
    else:
        types = "; ".join(f"{t.code} = {t.name}"
                          for t in RecordType.objects.filter(is_active=True))
        notes = [
            ("主体代码", _("Code of a registered subject (register new ones with the subjects "
                         "template first).")),
            ("记录类型", _("Code or name of a catalogue type: %(types)s") % {"types": types}),
            ("文书号", _("One record per document number and source department; a changed row "
                      "imported again is submitted for review as a correction.")),
            ("发生日期 / 决定日期", _("Dates such as 2024-04-15 or 2024/4/15; the decision is "
                                "not earlier than the occurrence.")),
            ("金额（元）", _("A number in yuan, such as 20000.")),
        ]
    required = "、".join(title for _n, title, req in columns if req)
    return (Sheet(_("Template"), header, [], widths=[22] * len(header)),
            Sheet(_("How to fill in"), [_("Column"), _("Explanation")],
                  [*notes, (_("Required columns"), required)], widths=[28, 100]))


def _read(kind: str, data: bytes) -> Parsed:
    table = feeds.read_table(data)
    wanted = {title: name for name, title, _req in COLUMNS[kind]}
    positions = {}
    for n, title in enumerate(table.header):
        column = clean_line(str(title)).replace(" ", "")
        name = wanted.get(column)
        if name in positions:  # which of the two would a row's value be? Neither silently.
            raise feeds.FeedFileError(column, _("The header has the column %(c)s more than "
                                                "once; keep one.") % {"c": column})
        if name:
            positions[name] = n
    missing = [title for name, title, req in COLUMNS[kind] if req and name not in positions]
    if missing:
        raise feeds.FeedFileError(missing[0], _("The header lacks the required column "
                                                "%(c)s; download the template.")
                                  % {"c": missing[0]})
    titles = {name: title for name, title, _req in COLUMNS[kind]}
    rows = []
    for number, cells in table.rows:
        row = feeds.FeedRow(row_number=number, kind=kind)
        for name, pos in positions.items():
            value = cells[pos] if pos < len(cells) else None
            if name in DATES:
                try:
                    row.values[name] = feeds.parse_feed_date(value)
                except ValueError as exc:
                    row.errors.append((titles[name], str(exc)))
            elif name == "amount":
                row.values[name] = _amount(value, row, titles[name])
            else:
                row.values[name] = feeds.cell_text(value)
        for name, title, req in COLUMNS[kind]:
            if req and not row.values.get(name) and title not in {c for c, _r in row.errors}:
                row.errors.append((title, _("This field is required.")))
            limit = MAX_LENGTHS.get(name)
            if limit and len(str(row.values.get(name) or "")) > limit:
                row.errors.append((title, _("At most %(n)d characters.") % {"n": limit}))
        rows.append(row)
    apply = _apply_subject if kind == FeedKind.SUBJECTS else _apply_record

    def column(ctx: ImportContext, row: feeds.FeedRow, field: str | None) -> str:
        aliases = {"subject": "subject_code", "source_department": "document_number"}
        if kind == FeedKind.RECORDS and field == "code":
            field = "subject_code"
        return titles.get(aliases.get(field or "", field or ""), field or "")

    prepare = _prepare_record if kind == FeedKind.RECORDS else None
    return Parsed(kind, TEMPLATE, table.file_format, table.encoding, rows, apply, column,
                  prepare)


def _amount(value: Any, row: feeds.FeedRow, title: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(clean_line(str(value)).replace(",", ""))
    except InvalidOperation:
        row.errors.append((title, _("%(v)s is not a number.") % {"v": value}))
        return None
    if not amount.is_finite():
        row.errors.append((title, _("%(v)s is not a number.") % {"v": value}))
        return None
    cents = amount.quantize(Decimal("0.01"))
    # the form and the API refuse a 13th whole digit or a third decimal (DECIMAL(14, 2)); this
    # rounded 0.001 to 0.00 and took it. A spreadsheet's float noise (0.30000000000000004) is
    # not a third decimal, so only a difference above it is refused.
    if abs(cents) >= Decimal("1e12") or abs(amount - cents) > Decimal("1e-9"):
        row.errors.append((title, str(AMOUNT_DIGITS)))
        return None
    return cents


def _apply_subject(ctx: ImportContext, row: feeds.FeedRow
                   ) -> tuple[str, CreditRecord | None, Subject | None]:
    values = row.values
    kind = KINDS.get(values["kind"])
    if kind is None:
        raise_field("kind", _("Write 企业 or 个人."))
    category = _category_names().get(values["category"])
    if category is None:
        raise_field("category", _("Unknown category %(c)s.") % {"c": values["category"]})
    checked = validate_subject_code(values["code"], kind=kind)
    details = {
        "name": values["name"], "category": category,
        "legal_representative": values.get("legal_representative", ""),
        "address": values.get("address", ""), "contact_phone": values.get("contact_phone", ""),
        "qualification": values.get("qualification", ""),
        "established_on": values.get("established_on"),
    }
    existing = Subject.objects.filter(code=checked.code).first()
    if existing is None:
        subject = subject_create(actor=ctx.actor, kind=kind, code=checked.code, **details)
        return RowOutcome.CREATED, None, subject
    if existing.kind != kind:
        raise_field("kind", _("Code %(c)s is registered as another kind of subject.")
                    % {"c": checked.code})
    changes = {k: v for k, v in details.items()
               if (v not in ("", None)) and _changed(getattr(existing, k), v)}
    if not changes:
        return RowOutcome.DUPLICATE, None, existing
    return RowOutcome.CORRECTION, None, subject_update(actor=ctx.actor, subject=existing,
                                                       **changes)


def _changed(old: Any, new: Any) -> bool:
    if isinstance(old, dt.date) or isinstance(new, dt.date):
        return old != new
    return str(old or "").strip() != str(new or "").strip()


def _record_type(ctx: ImportContext, value: str) -> RecordType | None:
    """The catalogue entry a template's type column names (code first, then name), looked up
    once per distinct value in a file."""
    if value not in ctx.record_types:
        ctx.record_types[value] = (RecordType.objects.filter(code=value).first()
                                   or RecordType.objects.filter(name=value).first())
    return ctx.record_types[value]


def _record_fields(values: dict[str, Any], record_type: RecordType) -> dict[str, Any]:
    return {
        "record_type": record_type, "occurred_on": values["occurred_on"],
        "decided_on": values["decided_on"], "description": values.get("description", ""),
        "amount": values.get("amount"), "level": values.get("level", ""),
        "internal_note": values.get("internal_note", ""),
    }


def _prepare_record(ctx: ImportContext, row: feeds.FeedRow) -> bulk.Candidate | None:
    """A records-template row for the set-based path; a row whose type the catalogue lacks
    goes to the row path, which names its first fault in `_apply_record`'s order (an unknown
    subject before an unknown type)."""
    record_type = _record_type(ctx, row.values["record_type"])
    if record_type is None:
        return None
    fields = _record_fields(row.values, record_type)
    problem = bulk.text_limit_problem(fields)
    if problem is not None:
        return None
    return bulk.Candidate(key=row.row_number, subject_code=normalise(row.values["subject_code"]),
                          document_number=row.values["document_number"], values=fields)


def _apply_record(ctx: ImportContext, row: feeds.FeedRow
                  ) -> tuple[str, CreditRecord | None, Subject | None]:
    values = row.values
    code = normalise(values["subject_code"])
    subject = Subject.objects.filter(code=code).first()
    if subject is None:
        raise_field("subject", _("No subject with code %(c)s is registered; import it with the "
                                 "subjects template first.") % {"c": code})
    record_type = _record_type(ctx, values["record_type"])
    if record_type is None:
        raise_field("record_type", _("Unknown record type %(t)s; use a code or name of the "
                                     "catalogue.") % {"t": values["record_type"]})
    fields = _record_fields(values, record_type)
    outcome, record = apply_record(
        actor=ctx.actor, source=ctx.source, subject=subject,
        document_number=values["document_number"], values=fields,
        reason=_("Changed in spreadsheet import %(b)s, row %(r)d")
        % {"b": ctx.batch.number, "r": row.row_number})
    return outcome, record, subject


def raise_field(field: str, message: str) -> NoReturn:
    raise ValidationFailed("invalid", message, field=field)


def import_sheet(*, actor: User, kind: str, source: Department, data: bytes, file_name: str,
                 dry_run: bool = False, keep_preview: bool = False,
                 max_rows: int | None = None, progress: Progress | None = None
                 ) -> ImportResult:
    """Import a filled-in subjects or records template (dry run and preview as for feeds)."""
    if kind == FeedKind.SUBJECTS:
        permissions.require(permissions.can_edit_subjects(actor), _("register subjects"))
    elif kind == FeedKind.RECORDS:
        permissions.require(permissions.can_submit_records(actor, source),
                             _("import records for %(d)s") % {"d": source.name})
    else:
        raise ValueError(kind)
    return run_import(actor=actor, source=source, data=data, file_name=file_name,
                      dry_run=dry_run, keep_preview=keep_preview, max_rows=max_rows,
                      parse=lambda raw: _read(kind, raw), progress=progress)
