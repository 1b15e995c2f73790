"""Importing a 双公示 file: every row through the same subject and record services as a form.

Bookkeeping: a batch is opened (audited), each row is applied in its own transaction together
with its `ImportedRow` (so a row is either fully in, with its ledger line, or not at all), a
refused row gets a ledger line with its reason, and the batch's counts are computed from the
ledger when it closes (audited). A crash half-way leaves a batch "importing" whose ledger says
exactly which rows are in; importing the file again turns those into duplicates.

Idempotency: a row is identified by (source department, document number), the key the record
services already enforce, so the same decision entered by form, API or either encoding of a feed
is one record. A row whose content differs from the record in force becomes a correction
(`records.services.record_correct`) that enters review like any other.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from accounts.services import department_create, service_account
from audit.services import record_event
from common import clock
from common.errors import Conflict, ServiceError, ValidationFailed
from exchange import feed_pipeline, feeds
from exchange.feed_models import (
    ClassificationRequest,
    ImportBatch,
    ImportedRow,
    RowOutcome,
)
from exchange.mapping import Mapper, first_keyword_match
from exchange.revocations import (
    apply_revocation,
    licence_fact_granted,
    licence_fact_latest,
)
from records import bulk
from records.models import CreditRecord, RecordState
from records.services import record_correct, record_create
from subjects.models import Category, Subject
from subjects.services import subject_create

DEFAULT_SOURCE_CODE = "public-credit-platform"
#: progress(rows done, rows in all), called after each chunk (a background job's progress bar).
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    batch: ImportBatch | None
    summary: dict[str, Any]
    kind: str = ""
    field_set: str = ""
    file_format: str = ""
    encoding: str = ""
    preview: list[dict[str, Any]] | None = None


def rejected_entry(row: int, field: str, reason: str) -> dict[str, Any]:
    return {"row": row, "field": field, "reason": reason}


# --- who imports ------------------------------------------------------------------------------

DEFAULT_SOURCE_NAME = "公共信用信息平台"


@transaction.atomic
def default_source() -> Department:
    """The public credit platform as a department, created the first time a feed needs it.

    A county that already keeps it as an external department under another code (the demo
    county's `credit-platform`, or one an administrator made) has it under this name, which
    departments may not share: that department is the source, rather than a second one whose
    creation the database refuses."""
    department = (Department.objects.filter(code=DEFAULT_SOURCE_CODE).first()
                  or Department.objects.filter(name=DEFAULT_SOURCE_NAME,
                                               kind=Department.Kind.EXTERNAL).first())
    return department or department_create(
        actor=None, code=DEFAULT_SOURCE_CODE, name=DEFAULT_SOURCE_NAME,
        kind=Department.Kind.EXTERNAL,
    )


def feed_account(*, source: Department) -> User:
    """The service account a command-line import acts as: one per source department, a clerk
    of that department (so it may enter that source's records and nothing else), without a
    usable password. The audit log names it; reviewers other than it approve what it enters."""
    return service_account(department=source, username=f"feed-{source.code}"[:150],
                           display_name=f"{source.name} 数据交换")


def can_import_feeds(user: User, source: Department | None = None) -> bool:
    """Who may import a feed: whoever may enter records for its source department (reviewers
    and administrators for any source, clerks for their own)."""
    return permissions.can_submit_records(user, source)


# --- numbers ----------------------------------------------------------------------------------

def next_number(prefix: str, model: Any) -> str:
    """`IMP-20261202-0003`: the day's running number (the unique constraint settles a race)."""
    day = clock.today().strftime("%Y%m%d")
    stem = f"{prefix}-{day}-"
    taken = model.objects.filter(number__startswith=stem).count()
    return f"{stem}{taken + 1:04d}"


# --- the import -------------------------------------------------------------------------------

class ImportContext:
    def __init__(self, *, actor: User, source: Department, kind: str, field_set: str,
                 batch: ImportBatch) -> None:
        self.actor, self.source, self.kind, self.field_set = actor, source, kind, field_set
        self.batch = batch
        self.subjects: dict[str, Subject] = {}  # code → subject, for the rows already in
        self.fields = feeds.FIELD_SETS.get((kind, field_set), {})
        self.mapper = Mapper(kind) if self.fields else None
        self.category = getattr(settings, "EXCHANGE_UNCLASSIFIED_CATEGORY", Category.DEVELOPER)
        self.codes = bulk.CodeChecker()  # each distinct subject code checked once per file
        self.record_types: dict[str, Any] = {}  # a template's type column → catalogue entry
        self.labels: tuple[str, ...] | None = None  # the description's labels, translated
        self.ready = bulk.ReadyCache()  # publicity bands and ends, once per type (and date)


@dataclass
class Parsed:
    """A file read and its rows parsed, with how to apply a row and name a refused field."""

    kind: str
    field_set: str
    file_format: str
    encoding: str
    rows: Iterable[feeds.FeedRow]  # a list, or read lazily (then `total` says how many)
    apply: Callable[[ImportContext, feeds.FeedRow], tuple[str, CreditRecord | None, Subject | None]]
    column: Callable[[ImportContext, feeds.FeedRow, str | None], str]
    #: The set-based path: a row as a `records.bulk.Candidate`, None for a row the row path
    #: takes (a licence fact, a revocation), or a `ServiceError` raised for a refused row.
    prepare: Callable[[ImportContext, feeds.FeedRow], bulk.Candidate | None] | None = None
    total: int | None = None
    #: For rows read lazily whose number is not known: at least as many as there are (the
    #: progress bar's denominator), and how to count them exactly (another pass over the file,
    #: made only when `bound` exceeds an upload's limit).
    bound: int | None = None
    recount: Callable[[], int] | None = None
    #: A CSV feed's table (its text): a large one is read by a parser process
    #: (`exchange.feed_pipeline`).
    table: feeds.Table | None = None

    @property
    def count(self) -> int:
        """The exact number of rows (counted by `recount` when nothing else knows it)."""
        if self.total is None and self.bound is not None and self.recount is not None:
            self.total = self.recount()
        return self.total if self.total is not None else len(self.rows)  # type: ignore[arg-type]

    @property
    def at_most(self) -> int:
        """The rows, or a bound on them that costs no pass over the file."""
        if self.total is None and self.bound is not None:
            return self.bound
        return self.count


def _parse_feed(data: bytes) -> Parsed:
    """The file's header read; the rows themselves are parsed chunk by chunk as they are
    applied, so a 1,000,000-row file is never held parsed in memory. A CSV file is read once:
    its rows are bounded by its line breaks (`feeds.csv_row_bound`) instead of being counted by
    a second CSV pass; an XLSX sheet's rows are counted."""
    table = feeds.read_table(data)
    kind, field_set = feeds.detect_kind_and_set(table.header)
    rows = feeds.parse_rows(table, kind, field_set)
    if table.file_format == "csv":
        def recount() -> int:
            return sum(1 for _row in feeds.read_table(data).rows)

        return Parsed(kind, field_set, table.file_format, table.encoding, rows, _apply,
                      _column, _prepare, bound=feeds.csv_row_bound(data), recount=recount,
                      table=table)
    total = sum(1 for _row in table.rows)
    rows = feeds.parse_rows(feeds.read_table(data), kind, field_set)
    return Parsed(kind, field_set, table.file_format, table.encoding, rows, _apply, _column,
                  _prepare, total)


def import_feed(*, actor: User, source: Department, data: bytes, file_name: str,
                dry_run: bool = False, keep_preview: bool = False,
                max_rows: int | None = None, progress: Progress | None = None) -> ImportResult:
    """Import (or, with `dry_run`, only try) one 双公示 file from `source`."""
    permissions.require(can_import_feeds(actor, source),
                        _("import records for %(d)s") % {"d": source.name})
    return run_import(actor=actor, source=source, data=data, file_name=file_name,
                      dry_run=dry_run, keep_preview=keep_preview, max_rows=max_rows,
                      parse=_parse_feed, progress=progress)


def run_import(*, actor: User, source: Department, data: bytes, file_name: str,
               dry_run: bool, keep_preview: bool, max_rows: int | None,
               parse: Callable[[bytes], Parsed], progress: Progress | None = None
               ) -> ImportResult:
    """The bookkeeping every file import shares (feeds and spreadsheet templates).

    A dry run goes through exactly the same code inside a transaction that is rolled back, so
    its counts are the counts a real run would give; `keep_preview` then stores a preview batch
    (counts and errors, no rows) for the page's error report.
    """
    sha = hashlib.sha256(data).hexdigest()
    try:
        parsed = parse(data)
    except feeds.FeedFileError as exc:
        return ImportResult(None, {"rows": 0, "created": 0, "duplicates": 0, "corrections": 0,
                                   "revocations": 0, "rejected": [exc.as_row()]})
    kind, field_set = parsed.kind, parsed.field_set
    if max_rows is not None and parsed.at_most > max_rows and parsed.count > max_rows:
        raise ValidationFailed(
            "too_many_rows",
            _("The file has %(n)d rows; at most %(max)d are imported here. Use the command "
              "manage.py import_feed for larger files.") % {"n": parsed.count, "max": max_rows},
            field="file")
    meta = {"kind": kind, "field_set": field_set, "file_format": parsed.file_format,
            "encoding": parsed.encoding}
    if dry_run:
        with transaction.atomic():
            # A throw-away batch so that subjects created on the way can be marked; rolled back.
            scratch = ImportBatch.objects.create(
                number=next_number("DRY", ImportBatch), kind=kind, field_set=field_set,
                file_format=parsed.file_format, file_name="", file_sha256=sha, source=source,
                actor=actor, state=ImportBatch.State.PREVIEW, started_at=clock.now())
            ctx = ImportContext(actor=actor, source=source, kind=kind, field_set=field_set,
                           batch=scratch)
            summary, preview = _run(ctx, parsed, ledger=False, progress=progress)
            transaction.set_rollback(True)
        batch = None
        if keep_preview:
            batch = _store_batch(actor=actor, source=source, sha=sha, file_name=file_name,
                                 state=ImportBatch.State.PREVIEW, summary=summary, **meta)
        return ImportResult(batch, summary, preview=preview, **meta)
    batch = _store_batch(actor=actor, source=source, sha=sha, file_name=file_name,
                         state=ImportBatch.State.RUNNING, summary=None, **meta)
    ctx = ImportContext(actor=actor, source=source, kind=kind, field_set=field_set, batch=batch)
    _summary, preview = _run(ctx, parsed, ledger=True, progress=progress)
    batch = _close_batch(actor=actor, batch=batch)
    return ImportResult(batch, batch.summary(), preview=preview, **meta)


@transaction.atomic
def _store_batch(*, actor: User, source: Department, sha: str, file_name: str, state: str,
                 summary: dict[str, Any] | None, kind: str, field_set: str, file_format: str,
                 encoding: str) -> ImportBatch:
    prefix = "PRE" if state == ImportBatch.State.PREVIEW else "IMP"
    batch = ImportBatch(
        number=next_number(prefix, ImportBatch), kind=kind, field_set=field_set,
        file_format=file_format, encoding=encoding, file_name=file_name[:200],
        file_sha256=sha, source=source, actor=actor, state=state, started_at=clock.now(),
    )
    if summary is not None:
        batch.rows, batch.created = summary["rows"], summary["created"]
        batch.duplicates, batch.corrections = summary["duplicates"], summary["corrections"]
        batch.revocations = summary["revocations"]
        batch.rejected, batch.finished_at = summary["rejected"], clock.now()
    batch.save()
    record_event(actor=actor, action="exchange.preview" if summary else "exchange.import_start",
                 target=batch, after={"file": batch.file_name, "sha256": sha, "kind": kind,
                                      "field_set": field_set, "source": source.code})
    return batch


@transaction.atomic
def _close_batch(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Counts from the ledger, so what the batch says is what its rows say."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    counts = dict(batch.row_set.values_list("outcome").annotate(n=Count("id")))
    batch.created = counts.get(RowOutcome.CREATED, 0) + counts.get(RowOutcome.FACT, 0)
    batch.duplicates = counts.get(RowOutcome.DUPLICATE, 0)
    batch.corrections = counts.get(RowOutcome.CORRECTION, 0)
    # a revocation requested for review, or a licence fact revoked at once (`revocations`)
    batch.revocations = counts.get(RowOutcome.REVOCATION, 0) + counts.get(RowOutcome.REVOKED, 0)
    rejected = batch.row_set.filter(outcome=RowOutcome.REJECTED).order_by("row_number", "id")
    batch.rejected = [entry for r in rejected for entry in r.payload.get("_errors", [])]
    batch.rows = sum(counts.values())
    batch.state, batch.finished_at = ImportBatch.State.FINISHED, clock.now()
    batch.save()
    record_event(actor=actor, action="exchange.import", target=batch,
                 after={**batch.summary(), "rejected": len(batch.rejected)})
    return batch


CHUNK_ROWS = 500
#: False sends every row through the row-by-row path (the reference the tests compare with).
SET_BASED = True
#: False prepares every chunk in the importing thread (no read-ahead thread).


def _run(ctx: ImportContext, parsed: Parsed, *, ledger: bool, progress: Progress | None = None
         ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Apply the rows chunk by chunk, each chunk (on SQLite, each few chunks:
    `records.bulk.chunks_per_transaction`) one transaction, and report progress (rows done,
    rows in all) after each transaction. A file that can be prepared for the set-based path
    (`records.bulk`: 双公示 feeds, records templates) goes through it — a large CSV feed
    prepared by a parser process while this one writes (`exchange.feed_pipeline`); subjects
    templates row by row (each row its own savepoint, so a refused row leaves nothing behind).

    """
    counts = {"rows": 0, "created": 0, "duplicates": 0, "corrections": 0, "revocations": 0}
    rejected: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    set_based = parsed.prepare is not None and SET_BASED
    size = bulk.CHUNK_ROWS if set_based else CHUNK_ROWS
    total = parsed.at_most  # the progress bar's denominator (the rows, or a bound on them)
    rows = iter(parsed.rows)
    with bulk.import_session():
        if set_based:
            if ctx.labels is None and ctx.fields:
                ctx.labels = feeds.description_labels()  # in the caller's language, once
            if _pipelined(parsed):
                chunks = feed_pipeline.prepared_chunks(
                    prepare=lambda chunk: _prepare_chunk(ctx, parsed, chunk),
                    table=parsed.table, kind=parsed.kind, field_set=parsed.field_set,
                    size=size)
            else:
                chunks = (_prepare_chunk(ctx, parsed, chunk)
                          for chunk in iter(lambda: list(itertools.islice(rows, size)), []))
            done = 0
            per_transaction = bulk.chunks_per_transaction()
            while True:
                wrote = 0
                with transaction.atomic():
                    for prepared in itertools.islice(chunks, per_transaction):
                        _write_chunk(ctx, parsed, prepared, ledger, counts, rejected, preview)
                        wrote += len(prepared.keys)
                if not wrote:
                    break
                done += wrote
                if progress is not None:
                    progress(min(done, total), max(total, done))
        else:
            done = 0
            for chunk in iter(lambda: list(itertools.islice(rows, size)), []):
                with transaction.atomic():
                    for row in chunk:
                        _one_row(ctx, parsed, row, ledger, counts, rejected, preview)
                done += len(chunk)
                if progress is not None:
                    progress(min(done, total), max(total, done))
    if progress is not None and done != total:
        progress(done, done)  # the bound was above the rows: the bar ends full
    return {**counts, "rejected": rejected}, preview


_COUNT_KEYS = {RowOutcome.CREATED: "created", RowOutcome.FACT: "created",
               RowOutcome.DUPLICATE: "duplicates", RowOutcome.CORRECTION: "corrections",
               RowOutcome.REVOCATION: "revocations", RowOutcome.REVOKED: "revocations"}
_LEDGER_COLUMNS = ("batch_id", "row_number", "kind", "source_id", "document_number",
                   "content_hash", "payload", "outcome", "reason", "record_id", "subject_id")


def _pipelined(parsed: Parsed) -> bool:
    """Whether a parser process reads the file (`exchange.feed_pipeline`): a CSV feed of at
    least `PIPELINE_MIN_ROWS` rows (by the bound on them), where the platform can fork."""
    return (parsed.table is not None and parsed.table.file_format == "csv"
            and parsed.prepare is _prepare
            and parsed.at_most >= feed_pipeline.PIPELINE_MIN_ROWS and feed_pipeline.available())


#: A refused row's ledger content: (the errors, the row's content hash, its payload as JSON).
RefusedLine = tuple[list[dict[str, Any]], str, str]


@dataclass
class PreparedChunk:
    """A chunk after the work that needs no database (`_prepare_chunk`), in a compact form
    (a parser process hands it to the writer: `exchange.feed_pipeline`)."""

    keys: list[int]  # every row's number, in order
    docs: list[str]  # every row's document number as the ledger keeps it
    ready: list[bulk.Ready]  # the candidates for `records.bulk.enter_ready`
    refused: dict[int, RefusedLine]  # rows refused while reading or preparing
    #: candidates `records.bulk` will refuse if they are new (`Ready.problem`), as refused
    problems: dict[int, RefusedLine]
    row_path: set[int]  # keys the row-by-row path takes
    #: the first rows' (document number, name, record type name) for the preview
    heads: dict[int, tuple[str, str, str]]
    rows: list[feeds.FeedRow] | None = None  # None once detached
    text: str = ""  # a detached chunk's CSV text, from which `reparse` reads its rows back
    start: int = 0
    reparse: Callable[[str, int], list[feeds.FeedRow]] | None = None
    _by_key: dict[int, feeds.FeedRow] | None = None

    def detach(self, text: str, start: int) -> None:
        """Drop the parsed rows (the parser process keeps them), keep their text."""
        self.rows, self.text, self.start = None, text, start

    def row(self, key: int) -> feeds.FeedRow:
        """The parsed row (read back from the chunk's text the first time one is needed)."""
        if self._by_key is None:
            rows = self.rows
            if rows is None:
                rows = self.reparse(self.text, self.start)  # type: ignore[misc]
            self._by_key = {row.row_number: row for row in rows}
        return self._by_key[key]


#: The preview shows the first rows of the file; each chunk carries its first ones.
PREVIEW_ROWS = 50


def _refused_line(row: feeds.FeedRow, errors: list[dict[str, Any]]) -> RefusedLine:
    return errors, row.content_hash(), json.dumps(
        _jsonable({**row.values, "_errors": errors}), ensure_ascii=False)


def _prepare_chunk(ctx: ImportContext, parsed: Parsed, chunk: list[feeds.FeedRow]
                   ) -> PreparedChunk:
    """Everything about a chunk that needs no database: rows with a fault found while
    reading, or refused while preparing (code, mapping, text limits), are rejected; the others
    become `records.bulk.Ready` candidates (with `record_create`'s refusal, if any, worked out
    too) or go to the row path (`None` from `prepare`)."""
    prepared = PreparedChunk([], [], [], {}, {}, set(), {}, chunk)
    keys, docs, ready, refused = prepared.keys, prepared.docs, prepared.ready, prepared.refused
    heads = prepared.heads
    prepare, source_pk, today = parsed.prepare, ctx.source.pk, clock.today()
    for n, row in enumerate(chunk):
        key = row.row_number
        keys.append(key)
        number = row.document_number
        docs.append(number[:100])
        type_name = ""
        if row.errors:
            refused[key] = _refused_line(row, [rejected_entry(key, c, r) for c, r in row.errors])
        else:
            try:
                candidate = prepare(ctx, row)
            except ServiceError as exc:
                refused[key] = _refused_line(row, [rejected_entry(
                    key, parsed.column(ctx, row, exc.field), str(exc.message))])
            else:
                if candidate is None:
                    prepared.row_path.add(key)
                else:
                    one = bulk.ready_candidate(candidate, source_pk=source_pk, today=today,
                                               cache=ctx.ready)
                    if one.problem is not None:
                        prepared.problems[key] = _refused_line(row, [rejected_entry(
                            key, parsed.column(ctx, row, one.problem.field),
                            str(one.problem.message))])
                    ready.append(one)
                    type_name = candidate.values["record_type"].name
        if n < PREVIEW_ROWS:
            heads[key] = (number, row.values.get("name", ""), type_name)
    return prepared


def _write_chunk(ctx: ImportContext, parsed: Parsed, prepared: PreparedChunk, ledger: bool,
                 counts: dict[str, int], rejected: list[dict[str, Any]],
                 preview: list[dict[str, Any]]) -> None:
    """One prepared chunk on the set-based path, with the same outcome per row as `_one_row`.

    The candidates go to `records.bulk.enter_ready` together (one duplicate query, one insert,
    one audit event); what it defers, and what could not be prepared for it, goes through
    `_one_row` afterwards in row order. The chunk's ledger lines are written in one statement.
    Should the database refuse the chunk's insert, the chunk falls back to the row-by-row
    path, which isolates the row at fault.
    """
    result = bulk.BulkOutcome()
    if prepared.ready:
        try:
            with transaction.atomic():
                result = bulk.enter_ready(actor=ctx.actor, source=ctx.source,
                                          ready=prepared.ready, label=ctx.batch.number)
        except DatabaseError:
            result = bulk.BulkOutcome(deferred=[r.key for r in prepared.ready])
    row_path = prepared.row_path
    row_path.update(result.deferred)
    lines = []
    batch_pk, kind, source_pk = ctx.batch.pk, ctx.kind, ctx.source.pk
    created, duplicates, subjects = result.created, result.duplicates, result.subjects
    bulk_refused, refused, problems = result.rejected, prepared.refused, prepared.problems
    heads, docs = prepared.heads, prepared.docs
    for n, key in enumerate(prepared.keys):
        if key in row_path:
            _one_row(ctx, parsed, prepared.row(key), ledger, counts, rejected, preview)
            continue
        counts["rows"] += 1
        record_id = created.get(key)
        if record_id is not None:
            outcome, line = RowOutcome.CREATED, None
        else:
            record_id = duplicates.get(key)
            if record_id is not None:
                outcome, line = RowOutcome.DUPLICATE, None
            else:
                outcome = RowOutcome.REJECTED
                line = problems[key] if key in bulk_refused else refused[key]
        if line is None:
            counts[_COUNT_KEYS[outcome]] += 1
        else:
            rejected.extend(line[0])
        if len(preview) < PREVIEW_ROWS:
            number, name, type_name = heads[key]
            preview.append({"row": key, "document_number": number, "name": name,
                            "outcome": outcome, "outcome_label": str(RowOutcome(outcome).label),
                            "record_type": type_name if record_id else ""})
        if ledger:
            if line is None:  # created or duplicate: the record holds the content
                lines.append((batch_pk, key, kind, source_pk, docs[n], "", "{}", outcome, "",
                              record_id, subjects.get(key)))
            else:
                lines.append((batch_pk, key, kind, source_pk, docs[n], line[1], line[2],
                              outcome, "; ".join(e["reason"] for e in line[0]), None, None))
    if lines:
        bulk.fast_insert(ImportedRow, _LEDGER_COLUMNS, lines)


def _preview_entry(row: feeds.FeedRow, outcome: str, type_name: str) -> dict[str, Any]:
    return {"row": row.row_number, "document_number": row.document_number,
            "name": row.values.get("name", ""), "outcome": outcome,
            "outcome_label": str(RowOutcome(outcome).label), "record_type": type_name}


def _one_row(ctx: ImportContext, parsed: Parsed, row: feeds.FeedRow, ledger: bool,
             counts: dict[str, int], rejected: list[dict[str, Any]],
             preview: list[dict[str, Any]]) -> None:
    counts["rows"] += 1
    errors = [rejected_entry(row.row_number, col, reason) for col, reason in row.errors]
    outcome, record, subject = RowOutcome.REJECTED, None, None
    if not errors:
        try:
            with transaction.atomic():
                outcome, record, subject = parsed.apply(ctx, row)
                if ledger:
                    _ledger(ctx, row, outcome, record, subject, [])
        except ServiceError as exc:
            errors = [rejected_entry(row.row_number, parsed.column(ctx, row, exc.field),
                                     str(exc.message))]
        except DatabaseError as exc:  # a limit no check above knew of; the savepoint is undone
            errors = [rejected_entry(row.row_number, "",
                                     _("The database refused this row: %(e)s")
                                     % {"e": str(exc)[:200]})]
        else:
            if subject is not None:
                ctx.subjects[subject.code] = subject  # only once its row is in
    if errors:
        rejected.extend(errors)
        if ledger:
            with transaction.atomic():
                _ledger(ctx, row, RowOutcome.REJECTED, None, None, errors)
    else:
        counts[_COUNT_KEYS[outcome]] += 1
    if len(preview) < 50:
        preview.append(_preview_entry(row, outcome,
                                      record.record_type.name if record else ""))


def _column(ctx: ImportContext, row: feeds.FeedRow, service_field: str | None) -> str:
    """The file's column a service refusal concerns (the data officer fixes the file)."""
    fields = ctx.fields
    by_service = {
        "code": feeds.subject_code_column(row, ctx.field_set), "name": fields["name"],
        "document_number": fields["document_number"], "decided_on": fields["decided_on"],
        "occurred_on": fields["decided_on"], "amount": fields.get("fine", ""),
        "record_type": fields["category"], "subject": feeds.subject_code_column(
            row, ctx.field_set), "description": fields.get("facts", ""),
    }
    return by_service.get(service_field or "", "") or service_field or ""


def _ledger_content(outcome: str, record: CreditRecord | None) -> bool:
    """Whether a ledger line keeps the row's content (its values and their hash).

    A row that created a record, or matched the record in force, needs no copy: the record
    holds what was imported (and the chunk's audit event its SHA-256), the line links row and
    record. Every other line keeps the row: a licence fact or its correction (the ledger is
    their only store, and the next file's row is compared with it), a correction or a
    revocation (what the source sent), a refused row (what to fix).
    """
    return record is None or outcome not in (RowOutcome.CREATED, RowOutcome.DUPLICATE)


def _ledger(ctx: ImportContext, row: feeds.FeedRow, outcome: str, record: CreditRecord | None,
            subject: Subject | None, errors: list[dict[str, Any]]) -> ImportedRow:
    payload: dict[str, Any] = {}
    content_hash = ""
    if errors or _ledger_content(outcome, record):
        payload = {k: v for k, v in row.values.items()}
        content_hash = row.content_hash()
    if errors:
        payload["_errors"] = errors
    return ImportedRow.objects.create(
        batch=ctx.batch, row_number=row.row_number, kind=ctx.kind, source=ctx.source,
        document_number=row.document_number[:100], content_hash=content_hash,
        payload=_jsonable(payload), outcome=outcome,
        reason="; ".join(e["reason"] for e in errors), record=record, subject=subject,
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if v is not None and not isinstance(v, (str, int, list, dict)) else v)
            for k, v in values.items()}


def _subject(ctx: ImportContext, row: feeds.FeedRow) -> Subject:
    """The registered subject with the row's code, or a new one marked for classification."""
    person = feeds.is_natural_person(row)
    kind = Subject.Kind.INDIVIDUAL if person else Subject.Kind.ENTERPRISE
    raw = row.values.get("id_number") if person else row.values.get("uscc")
    checked = ctx.codes.check(raw or "", kind=kind)
    subject = ctx.subjects.get(checked.code) or Subject.objects.filter(code=checked.code).first()
    if subject is not None:
        return subject
    subject = subject_create(
        actor=ctx.actor, kind=kind, code=checked.code, name=row.values.get("name", ""),
        category=Category.PRACTITIONER if person else ctx.category,
        legal_representative=row.values.get("legal_rep", "")[:100],
    )
    request = ClassificationRequest.objects.create(
        subject=subject, batch=ctx.batch, created_at=clock.now())
    record_event(actor=ctx.actor, action="exchange.classify_request", target=request,
                 after={"subject": subject.pk, "code": subject.code})
    return subject


def _match(ctx: ImportContext, row: feeds.FeedRow) -> Any:
    """The mapping table's answer for a row, or the refusal the data officer must act on."""
    values = row.values
    act = values.get("act", "")
    match = ctx.mapper.rules_for(category=values.get("category", ""), act=act)
    if type(match) is tuple:  # keywords decide: only then is the row's text composed
        match = first_keyword_match(match, " ".join([
            act, values.get("facts", ""), values.get("content", ""), values.get("remark", "")]))
    if match is None:
        raise ValidationFailed(
            "unmapped", _("No rule of the mapping table matches category %(c)s; an "
                          "administrator adds one.") % {"c": row.values.get("category") or "-"},
            field="record_type")
    if match.record_type is None and match.record_type_code:
        raise ValidationFailed(
            "unknown_type", _("The mapping table names record type %(t)s, which the catalogue "
                              "does not have.") % {"t": match.record_type_code},
            field="record_type")
    return match


def _record_values(row: feeds.FeedRow, record_type: Any,
                   labels: tuple[str, ...] | None = None) -> dict[str, Any]:
    decided_on = row.values["decided_on"]
    return {"record_type": record_type, "occurred_on": decided_on, "decided_on": decided_on,
            "description": feeds.description_of(row, labels), "amount": row.values.get("fine")}


def _prepare(ctx: ImportContext, row: feeds.FeedRow) -> bulk.Candidate | None:
    """A feed row for the set-based path, checked in `_apply`'s order (the subject's code, then
    the mapping); None for a licence kept as a fact or a revocation (the row path's)."""
    if row.is_revocation:
        return None
    person = feeds.is_natural_person(row)
    kind = Subject.Kind.INDIVIDUAL if person else Subject.Kind.ENTERPRISE
    raw = row.values.get("id_number") if person else row.values.get("uscc")
    checked = ctx.codes.check(raw or "", kind=kind)
    match = _match(ctx, row)
    if match.record_type is None:
        return None
    if ctx.labels is None:
        ctx.labels = feeds.description_labels()
    values = _record_values(row, match.record_type, ctx.labels)
    problem = bulk.text_limit_problem(values)
    if problem is not None:
        raise problem
    return bulk.Candidate(key=row.row_number, subject_code=checked.code,
                          document_number=row.document_number, values=values)


def _apply(ctx: ImportContext, row: feeds.FeedRow
           ) -> tuple[str, CreditRecord | None, Subject | None]:
    if row.is_revocation:
        return apply_revocation(actor=ctx.actor, source=ctx.source, batch=ctx.batch,
                                kind=ctx.kind, row_number=row.row_number,
                                document_number=row.document_number,
                                reason=row.values.get("remark") or "")
    subject = _subject(ctx, row)
    match = _match(ctx, row)
    if match.record_type is None:
        return _licence_fact(ctx, row), None, subject
    return _record(ctx, row, subject, match.record_type)


def _licence_fact(ctx: ImportContext, row: feeds.FeedRow) -> str:
    """A licence kept as a neutral fact: the ledger is its store; a changed licence is a new
    ledger line marked as a correction of the earlier one. Once revoked (`exchange.revocations`)
    the same grant again is a duplicate and a changed one is refused: a revoked licence is not
    revived by a correction."""
    previous = licence_fact_latest(source=ctx.source, document_number=row.document_number)
    if previous is None:
        return RowOutcome.FACT
    if previous.outcome == RowOutcome.REVOKED:
        granted = licence_fact_granted(source=ctx.source, document_number=row.document_number)
        if granted is not None and granted.content_hash == row.content_hash():
            return RowOutcome.DUPLICATE
        raise Conflict("revoked", _("The licence with document number %(n)s was revoked; a "
                                    "changed row cannot correct it.")
                       % {"n": row.document_number}, field="document_number")
    if previous.content_hash == row.content_hash():
        return RowOutcome.DUPLICATE
    return RowOutcome.CORRECTION


def _record(ctx: ImportContext, row: feeds.FeedRow, subject: Subject, record_type: Any
            ) -> tuple[str, CreditRecord, Subject]:
    outcome, record = apply_record(
        actor=ctx.actor, source=ctx.source, subject=subject,
        document_number=row.document_number, values=_record_values(row, record_type),
        reason=_("Changed in 双公示 feed %(b)s, row %(r)d")
        % {"b": ctx.batch.number, "r": row.row_number})
    return outcome, record, subject


def apply_record(*, actor: User, source: Department, subject: Subject, document_number: str,
                 values: dict[str, Any], reason: str) -> tuple[str, CreditRecord]:
    """One incoming record, whatever the door: new → submitted for review; the same as the
    version in force → duplicate; changed → a correction that enters review; refused while an
    earlier version is still in review, or when the number belongs to another subject."""
    # No joins here: with them SQLite may walk the subject table first instead of using the
    # (source, document number, version) index.
    latest = (CreditRecord.objects.filter(source_department=source,
                                          document_number=document_number)
              .exclude(state=RecordState.REJECTED).order_by("-version").first())
    if latest is None:
        problem = bulk.text_limit_problem(values)
        if problem is not None:
            raise problem
        record = record_create(actor=actor, subject=subject, source_department=source,
                               document_number=document_number, submit=True, **values)
        return RowOutcome.CREATED, record
    if latest.subject_id != subject.pk:
        raise Conflict("subject_mismatch",
                       _("Document number %(n)s is already recorded for another subject "
                         "(%(s)s).") % {"n": document_number, "s": latest.subject.name},
                       field="subject")
    changes = {k: v for k, v in values.items()
               if (latest.record_type_id != v.pk if k == "record_type"
                   else _differs(getattr(latest, k), v))}
    if not changes:
        return RowOutcome.DUPLICATE, latest
    if latest.state == RecordState.REVOKED:
        raise Conflict("revoked", _("The record with document number %(n)s was revoked; a "
                                    "changed row cannot correct it.")
                       % {"n": document_number}, field="document_number")
    problem = bulk.text_limit_problem(changes)
    if problem is not None:
        raise problem
    if latest.state != RecordState.EFFECTIVE:
        raise Conflict("under_review",
                       _("The earlier version of %(n)s is still under review; send the change "
                         "again after the review.") % {"n": document_number},
                       field="document_number")
    return RowOutcome.CORRECTION, record_correct(actor=actor, record=latest, reason=reason,
                                                 **changes)


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return (old or "").strip() != (new or "").strip()
    return old != new



@transaction.atomic
def classification_resolve(*, actor: User, request: ClassificationRequest
                           ) -> ClassificationRequest:
    """A clerk has given a feed-created subject its category (on the subject's page); the
    request is closed with who and when, so the platform can show it was looked at."""
    permissions.require(permissions.can_edit_subjects(actor), _("classify subjects"))
    request = ClassificationRequest.objects.select_for_update().get(pk=request.pk)
    if request.resolved_at is not None:
        raise Conflict("already_resolved", _("This subject has already been classified."))
    request.resolved_by, request.resolved_at = actor, clock.now()
    request.save(update_fields=["resolved_by", "resolved_at"])
    record_event(actor=actor, action="exchange.classified", target=request.subject,
                 after={"category": request.subject.category})
    return request
