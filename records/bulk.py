"""The set-based entry path: thousands of incoming records per statement, by the same rules as
`records.services.record_create`.

Why a second path: the row-by-row path costs one permission check, one duplicate query, one
INSERT and one audit append per record (~70 records/s); a province's 1,000,000-row feed needs
work per *chunk*. Per chunk this module

- validates every row in one pass with the rules of `record_create` (the same messages: a row
  that fails a cheap comparison is handed to `records.services._validate_content`, which raises
  the exact refusal a form would get), the catalogue's publicity band once per record type, and
  the text limits every door shares (`common.limits`);
- checks subject codes (GB 32100 / GB 11643) once per distinct code (`CodeChecker`);
- resolves subjects in one query and finds the records already entered under the same source
  and document number in one query;
- inserts the new records in one statement per chunk (SQLite `executemany` with ids taken under
  the write lock, PostgreSQL `COPY` with ids drawn from the table's sequence) as *submitted*,
  exactly the state `record_create(submit=True)` gives, so they enter the normal review;
- appends ONE audit event per chunk (`record.bulk_create`) listing every inserted record's id
  and the SHA-256 of its stored content (`record_digest`), so the hash chain covers each row.

What it does not decide stays on the row-by-row path, on purpose: a row whose document number
is already recorded with other content (a correction, a subject mismatch, a record still under
review), a row whose subject is not registered yet, and a second row with a document number
seen earlier in the chunk come back as *deferred*; the caller sends them through
`record_create`/`record_correct` in row order after the chunk's insert, so the outcome of every
row is the outcome the row-by-row path gives.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from audit.services import record_event
from common import clock
from common.errors import ServiceError, ValidationFailed
from common.limits import EARLIEST_DATE, LATEST_DATE, LONG_TEXT
from common.text import clean_line, clean_text
from records.models import CreditRecord, RecordState, RecordType
from records.rules import publicity_end_date
from records.services import _validate_content, _validate_publicity
from subjects.identifiers import (
    PROVINCES,
    USCC_CHARSET,
    USCC_TYPES,
    USCC_WEIGHTS,
    CheckedCode,
    org_code_check_char,
    validate_subject_code,
)

#: Rows per chunk: one transaction, one duplicate query, one INSERT, one audit event.
CHUNK_ROWS = 5000

#: The content fields an incoming row may carry (the keys of `Candidate.values`).
VALUE_FIELDS = ("record_type", "occurred_on", "decided_on", "description", "amount", "level",
                "internal_note")


# --- codes ------------------------------------------------------------------------------------

class CodeChecker:
    """GB 32100 (USCC) / GB 11643 (ID number) checks, each distinct code checked once.

    A feed names the same few thousand subjects again and again; the check (weights, mod-31 and
    mod-11 arithmetic, region table) is done once per (code, kind) and its answer — the checked
    code or the refusal — kept for the rest of the file.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], CheckedCode | ServiceError] = {}

    def check(self, raw: str, *, kind: str) -> CheckedCode:
        """The checked code; raises the same `ValidationFailed` as `validate_subject_code`."""
        key = (raw, kind)
        answer = self._seen.get(key)
        if answer is None:
            if kind == "enterprise" and clean_uscc(raw):
                answer = CheckedCode(code=raw, kind="enterprise")
            else:
                try:
                    answer = validate_subject_code(raw, kind=kind)
                except ServiceError as exc:
                    answer = exc
            self._seen[key] = answer
        if isinstance(answer, ServiceError):
            raise answer
        return answer


_USCC_INDEX = {c: i for i, c in enumerate(USCC_CHARSET)}


def clean_uscc(raw: str) -> bool:
    """True when `raw` is, as written, a unified social credit code passing every check of
    `subjects.identifiers.validate_uscc` without a warning: 18 characters of the GB 32100 set
    (so already in normal form: no blank, no lower case, no full-width or invisible character),
    a registration authority and institution type of its table, a GB/T 2260 province, the mod-31
    check character, and the embedded organisation code's GB 11714 check. The arithmetic on a
    lookup table, with no message built; anything else goes to the full validator, which names
    the fault."""
    if len(raw) != 18 or not raw.isascii():
        return False
    index = _USCC_INDEX
    try:
        total = sum(index[c] * w for c, w in zip(raw[:17], USCC_WEIGHTS, strict=True))
    except KeyError:
        return False
    return (raw[17] == USCC_CHARSET[(31 - total % 31) % 31]
            and raw[1] in USCC_TYPES.get(raw[0], ())
            and raw[2:8].isdigit() and raw[2:4] in PROVINCES
            and org_code_check_char(raw[8:16]) == raw[16])


# --- rows in, outcomes out --------------------------------------------------------------------

@dataclass
class Candidate:
    """One incoming record: `key` is the caller's (a file's row number), `subject_code` already
    checked (`CodeChecker`), `values` the content as `feed_services.apply_record` takes it."""

    key: int
    subject_code: str
    document_number: str
    values: dict[str, Any]


@dataclass
class BulkOutcome:
    """What became of each candidate of a chunk, by key."""

    created: dict[int, int] = field(default_factory=dict)  # key → new record id
    duplicates: dict[int, int] = field(default_factory=dict)  # key → record in force
    subjects: dict[int, int] = field(default_factory=dict)  # key → subject id
    rejected: dict[int, ServiceError] = field(default_factory=dict)
    deferred: list[int] = field(default_factory=list)  # keys, in the order given
    audit_event_id: int | None = None


def text_limit_problem(values: dict[str, Any]) -> ValidationFailed | None:
    """The shared free-text limit (`common.limits.LONG_TEXT`) on a record's description and
    internal note, as the form and the API enforce it; None when both fit."""
    description, note = values.get("description"), values.get("internal_note")
    if (description is None or len(description) <= LONG_TEXT) and (
            note is None or len(note) <= LONG_TEXT):
        return None
    name = "description" if description and len(description) > LONG_TEXT else "internal_note"
    return ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": LONG_TEXT},
                            field=name)


def _differs(old: Any, new: Any) -> bool:
    """The comparison `feed_services.apply_record` makes (text compared trimmed)."""
    if isinstance(old, str) or isinstance(new, str):
        return (old or "").strip() != (new or "").strip()
    return old != new


_CENTS = Decimal("0.01")
#: The largest amount a record's column holds (max_digits=14, two decimals).
_AMOUNT_LIMIT = Decimal("1e12")


def _content_problem(values: dict[str, Any], document_number: str, today: dt.date
                     ) -> ServiceError | None:
    """`record_create`'s refusals for one row, in its order: the cheap comparisons first; only a
    row that fails one goes through the service's own check (`_validate_content`) for the exact
    message. Then the shared limits every door applies (`common.limits`: the date range, the
    free-text length; the columns' own sizes), which the file readers check already and which
    are repeated here for any other caller."""
    record_type: RecordType = values["record_type"]
    occurred, decided = values["occurred_on"], values["decided_on"]
    amount = values.get("amount")
    if not (record_type.is_active and document_number and occurred <= today
            and decided <= today and decided >= occurred and (amount is None or amount >= 0)):
        try:
            _validate_content(record_type=record_type, occurred_on=occurred, decided_on=decided,
                              document_number=document_number, amount=amount)
        except ServiceError as exc:
            return exc
    for name, day in (("occurred_on", occurred), ("decided_on", decided)):
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            return ValidationFailed(
                "date_range", _("The date must lie between %(start)s and %(end)s.")
                % {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()},
                field=name)
    if amount is not None and amount >= _AMOUNT_LIMIT:
        return ValidationFailed("too_large", _("%(v)s is not a number.") % {"v": amount},
                                field="amount")
    if len(document_number) > 100:
        return ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": 100},
                                field="document_number")
    return text_limit_problem(values)


#: The stored fields a row's digest covers, in this order.
DIGEST_FIELDS = ("id", "subject_id", "record_type_id", "source_department_id",
                 "document_number", "occurred_on", "decided_on", "description", "amount",
                 "level", "internal_note", "is_public", "publicity_ends_on", "state", "version")
_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
#: How `_DIGEST_JSON` quotes a string (ensure_ascii=False): the C function when there is one.
_json_text = json.encoder.encode_basestring


def record_digest(values: Sequence[Any]) -> str:
    """SHA-256 over a record's stored content, the `DIGEST_FIELDS` as a JSON array (dates ISO,
    the amount with two decimals): what the chunk's audit event lists per row, recomputable
    from the database to prove a row unchanged since (`stored_digest`)."""
    return hashlib.sha256(_DIGEST_JSON.encode(values).encode()).hexdigest()


def digest_tail(type_pk: int, source_pk: int, number: str, occurred: str, decided: str,
                description: str, amount: str | None, level: str, note: str, is_public: bool,
                end: str, state: str, version: int) -> str:
    """The JSON array of `record_digest` after a new record's id and subject id: everything a
    parser can know before the writer has given the record its ids (`Ready.tail`)."""
    quote = _json_text
    return (f",{type_pk:d},{source_pk:d},{quote(number)},{quote(occurred)},"
            f"{quote(decided)},{quote(description)},"
            f"{'null' if amount is None else quote(amount)},{quote(level)},{quote(note)},"
            f"{'true' if is_public else 'false'},{quote(end)},{quote(state)},{version:d}]")


def digest_with_ids(pk: int, subject_id: int, tail: str) -> str:
    """`record_digest` of a new record from its ids and its `digest_tail`."""
    return hashlib.sha256(f"[{pk:d},{subject_id:d}{tail}".encode()).hexdigest()


def new_record_digest(pk: int, subject_id: int, type_pk: int, source_pk: int, number: str,
                      occurred: str, decided: str, description: str, amount: str | None,
                      level: str, note: str, is_public: bool, end: str, state: str,
                      version: int) -> str:
    """`record_digest` of a record `bulk_enter` writes (ints, texts, the amount as text or
    None, a bool), with its JSON array written out instead of by the general encoder (which
    already runs in C: measured 4.8 → 4.2 CPU-µs per digest, the rest is UTF-8 and SHA-256).
    Each text is quoted by the encoder's own string function, so the bytes hashed are the
    same (records/tests/test_bulk_digest.py proves it on arbitrary values)."""
    return digest_with_ids(pk, subject_id, digest_tail(
        type_pk, source_pk, number, occurred, decided, description, amount, level, note,
        is_public, end, state, version))


def stored_digest(record: CreditRecord) -> str:
    """`record_digest` of a record as the database holds it (for verification)."""
    values = [getattr(record, name) for name in DIGEST_FIELDS]
    amount = DIGEST_FIELDS.index("amount")
    if values[amount] is not None:
        values[amount] = f"{values[amount]:.2f}"
    return record_digest([v.isoformat() if isinstance(v, dt.date) else v for v in values])


# --- fast inserts ---------------------------------------------------------------------------

def db_value(value: Any) -> Any:
    """A Python value as both backends take it in a raw INSERT or COPY: dates as ISO text,
    decimals as text, datetimes as the backend's own adaptation (UTC)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted, inside the caller's transaction.

    PostgreSQL: drawn from the table's own sequence (other writers draw theirs concurrently).
    SQLite: the next free ids; the IMMEDIATE transaction already holds the database's single
    write lock, so nobody else can take them before the insert.
    """
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                           "FROM generate_series(1, %s)", [count])
            return [int(r[0]) for r in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, int(row[0]) if row else 0)
    return list(range(top + 1, top + 1 + count))


def fast_insert(model: type[models.Model], columns: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows (values already in `db_value` form, in `columns` order) in one statement:
    COPY on PostgreSQL, `executemany` of one prepared INSERT on SQLite. No model instances, no
    per-value field preparation: the caller has validated and converted every value. Returns
    the number of rows written."""
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        rows = list(rows)
        marks = ", ".join("?" for _c in columns)
        cursor.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        return len(rows)


#: Chunks per transaction on SQLite (PostgreSQL: one). Each SQLite commit writes every page the
#: transaction touched to the WAL, and a chunk touches pages all over eleven indexes, most of
#: which the next chunk touches again; four chunks (20,000 rows, a few seconds) per commit
#: write them a quarter as often while other writers wait well below the connection's 20 s
#: busy timeout.
SQLITE_CHUNKS_PER_TRANSACTION = 4


def chunks_per_transaction() -> int:
    """How many `CHUNK_ROWS` chunks an import commits together (see the constant above)."""
    return SQLITE_CHUNKS_PER_TRANSACTION if connection.vendor == "sqlite" else 1


#: SQLite page cache for the length of an import (KiB, as `PRAGMA cache_size` takes a negative
#: number): the record table's eleven indexes and the ledger's five outgrow SQLite's default
#: 2 MiB cache within the first 100,000 rows, after which every chunk re-reads index pages
#: from the file.
IMPORT_CACHE_KIB = 256 * 1024


#: Python's cyclic garbage collector during an import: a young-generation threshold of 50,000
#: allocations instead of 700. An import allocates millions of short-lived containers (a row's
#: values, tuples, candidates) that reference counting frees, and holds large long-lived ones
#: (a chunk, the per-column memos), which the default threshold makes the collector walk again
#: and again: about a third of the parser's time was spent there.
IMPORT_GC_THRESHOLD = 50_000


@contextmanager
def import_session() -> Iterator[None]:
    """Settings for the length of one bulk import, put back afterwards.

    SQLite: a 256 MiB page cache for this connection (`IMPORT_CACHE_KIB`). Durability settings
    (`synchronous`, the WAL journal) stay as the project configures them: an import writes
    real records. PostgreSQL: nothing to change (its shared buffers are the server's). Both: a
    larger young-generation threshold of the garbage collector (`IMPORT_GC_THRESHOLD`; the
    collector still runs, so reference cycles are still freed).
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], IMPORT_GC_THRESHOLD), *thresholds[1:])
    cache = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB:d}")
        yield
    finally:
        gc.set_threshold(*thresholds)
        if cache is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {cache:d}")


# --- the chunk ----------------------------------------------------------------------------

_RECORD_COLUMNS = (
    "id", "subject_id", "record_type_id", "occurred_on", "decided_on", "document_number",
    "source_department_id", "description", "amount", "level", "internal_note", "is_public",
    "publicity_ends_on", "publicity_months", "penalty_months", "repaired_on",
    "publicity_ended_early_on", "state", "version", "supersedes_id", "created_by_id",
    "submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at", "review_comment",
    "created_at", "updated_at",
)


_LATEST_COLUMNS = ("id", "document_number", "version", "subject_id", "state", "record_type_id",
                   *VALUE_FIELDS[1:])


def _among(values: list[str]) -> tuple[str, list[Any]]:
    """A column's test for membership in `values` and its parameters: on PostgreSQL
    `= ANY(%s)` with the values as ONE array parameter (one value to bind and send, one
    statement text whatever the count, instead of a 5,000-placeholder IN list the server
    parses anew each chunk); on SQLite an IN list (it has no arrays)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [values]
    return f"IN ({', '.join(['%s'] * len(values))})", values


def latest_records(*, source: Department, document_numbers: Iterable[str]
                   ) -> dict[str, dict[str, Any]]:
    """The version in force (highest, not rejected) of each document number from `source`,
    in one query: what `feed_services.apply_record` looks up one row at a time. The query is
    written out (values converted by the model's own fields) because the ORM's per-parameter
    preparation of a 5,000-value IN list costs more than the query."""
    numbers = list(set(document_numbers))
    found: dict[str, dict[str, Any]] = {}
    if not numbers:
        return found
    meta = CreditRecord._meta
    fields = [meta.get_field(c if not c.endswith("_id") else c[:-3]) for c in _LATEST_COLUMNS]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    among, listed = _among(numbers)
    converters = [(i, f.get_db_converters(connection)) for i, f in enumerate(fields)]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {columns} FROM "{meta.db_table}" WHERE "source_department_id" = %s '
            f'AND "state" <> %s AND "document_number" {among}',
            [source.pk, RecordState.REJECTED.value, *listed])
        rows = cursor.fetchall()
    for raw in rows:
        values = list(raw)
        for i, field_converters in converters:
            for convert in field_converters:
                values[i] = convert(values[i], None, connection)
        row = dict(zip(_LATEST_COLUMNS, values, strict=True))
        amount = row["amount"]
        if amount is not None and not isinstance(amount, Decimal):  # SQLite: int or float
            row["amount"] = Decimal(str(amount)).quantize(_CENTS)
        number = row["document_number"]
        if number not in found or row["version"] > found[number]["version"]:
            found[number] = row
    return found


def subjects_by_code(codes: Iterable[str]) -> dict[str, int]:
    """Registered subjects' ids by code, in one query."""
    from subjects.models import Subject

    wanted = list(set(codes))
    if not wanted:
        return {}
    among, listed = _among(wanted)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "code", "id" FROM "{Subject._meta.db_table}" '
                       f'WHERE "code" {among}', listed)
        return dict(cursor.fetchall())


class Ready(NamedTuple):
    """A `Candidate` with everything about it that needs no database worked out
    (`ready_candidate`): a parser process prepares these while the writer writes, and the
    writer only looks up, decides, gives ids and inserts (`enter_ready`). Compact on purpose
    (texts and ints, no model instances): it crosses from one process to the other."""

    key: int
    subject_code: str
    document_number: str  # as sent: the duplicate lookup's key
    type_pk: int
    #: the candidate's values as (field, value) pairs, for `_changed_ready`
    compare: tuple[tuple[str, Any], ...]
    #: `record_create`'s refusal of this row (content, limits, the type's publicity band), or
    #: None: applied only to a row that is new (a duplicate or a deferred row is not refused)
    problem: ServiceError | None
    #: the insert's columns from `record_type_id` to `publicity_ends_on` (`_RECORD_COLUMNS`)
    columns: tuple[Any, ...]
    tail: str  # `digest_tail`


def _changed_ready(latest: dict[str, Any], ready: Ready) -> bool:
    """Whether a candidate differs from the version in force, compared as
    `feed_services.apply_record` compares (text trimmed)."""
    if latest["record_type_id"] != ready.type_pk:
        return True
    return any(_differs(latest[name], value) for name, value in ready.compare
               if name != "record_type")


class ReadyCache:
    """What `ready_candidate` works out once per record type (its publicity band's refusal)
    and once per (type, decision date) (the publicity end)."""

    def __init__(self) -> None:
        self.refusals: dict[int, ServiceError | None] = {}
        self.ends: dict[tuple[int, dt.date], str] = {}


def ready_candidate(candidate: Candidate, *, source_pk: int, today: dt.date,
                    cache: ReadyCache) -> Ready:
    """A candidate's refusal (`_content_problem`, then its type's publicity band), its insert
    columns and its digest's tail, computed without the database."""
    values = candidate.values
    record_type = values["record_type"]
    type_pk = record_type.pk
    number = clean_line(candidate.document_number)
    problem = _content_problem(values, number, today)
    if problem is None:
        if type_pk not in cache.refusals:
            try:
                _validate_publicity(record_type=record_type, months=None, penalty_months=None)
                cache.refusals[type_pk] = None
            except ServiceError as exc:
                cache.refusals[type_pk] = exc
        problem = cache.refusals[type_pk]
    compare = tuple(values.items())  # the record type's pair is skipped by `_changed_ready`
    if problem is not None:  # never inserted: no columns to prepare
        return Ready(candidate.key, candidate.subject_code, candidate.document_number,
                     type_pk, compare, problem, (), "")
    decided = values["decided_on"]
    end = cache.ends.get((type_pk, decided))
    if end is None:
        end = cache.ends[(type_pk, decided)] = publicity_end_date(
            record_type=record_type, decided_on=decided).isoformat()
    amount = values.get("amount")
    amount_text = None if amount is None else f"{amount:.2f}"
    occurred_text, decided_text = values["occurred_on"].isoformat(), decided.isoformat()
    description = clean_text(values.get("description") or "")
    level, note = values.get("level"), values.get("internal_note")
    level = clean_line(level) if level else ""
    note = clean_text(note) if note else ""
    is_public = record_type.is_public
    return Ready(
        candidate.key, candidate.subject_code, candidate.document_number, type_pk, compare,
        None, (type_pk, occurred_text, decided_text, number, source_pk, description,
               amount_text, level, note, is_public, end),
        digest_tail(type_pk, source_pk, number, occurred_text, decided_text, description,
                    amount_text, level, note, is_public, end, RecordState.SUBMITTED.value, 1))


def bulk_enter(*, actor: User, source: Department, candidates: Sequence[Candidate],
               label: str = "") -> BulkOutcome:
    """Enter one chunk of incoming records set-based (see the module's docstring): each
    candidate made `Ready`, then `enter_ready`."""
    today, cache = clock.today(), ReadyCache()
    return enter_ready(actor=actor, source=source, label=label, ready=[
        ready_candidate(c, source_pk=source.pk, today=today, cache=cache) for c in candidates])


def enter_ready(*, actor: User, source: Department, ready: Sequence[Ready],
                label: str = "") -> BulkOutcome:
    """Enter one chunk of prepared records (`Ready`) set-based.

    Must run inside the caller's transaction (the chunk's), like `record_event`. The permission
    is `record_create`'s (whoever may submit records for `source`), checked once per chunk.
    `label` names the import in the audit event (an import batch's number).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bulk_enter must run inside the caller's transaction")
    permissions.require(permissions.can_submit_records(actor, source),
                        _("enter records for %(d)s") % {"d": source.name})
    outcome = BulkOutcome()
    latest = latest_records(source=source, document_numbers=(r.document_number for r in ready))
    subject_ids = subjects_by_code(r.subject_code for r in ready)
    seen_numbers: set[str] = set()
    new: list[tuple[Ready, int]] = []  # ready, subject id
    deferred, duplicates, subjects = outcome.deferred, outcome.duplicates, outcome.subjects
    for candidate in ready:
        number = candidate.document_number
        subject_id = subject_ids.get(candidate.subject_code)
        if number in seen_numbers or subject_id is None:
            deferred.append(candidate.key)  # the row path decides, after this chunk
            seen_numbers.add(number)
            continue
        seen_numbers.add(number)
        existing = latest.get(number)
        if existing is not None:
            if existing["subject_id"] != subject_id or _changed_ready(existing, candidate):
                deferred.append(candidate.key)  # a correction or a refusal
            else:
                duplicates[candidate.key] = existing["id"]
                subjects[candidate.key] = subject_id
            continue
        if candidate.problem is not None:
            outcome.rejected[candidate.key] = candidate.problem
            continue
        new.append((candidate, subject_id))
    if not new:
        return outcome
    ids = reserve_ids(CreditRecord, len(new))
    stamp = db_value(clock.now())
    actor_pk = actor.pk
    after = (None, None, None, None, RecordState.SUBMITTED.value, 1, None, actor_pk, actor_pk,
             stamp, None, None, "", stamp, stamp)
    digests: list[list[Any]] = []
    rows = []
    created = outcome.created
    sha256 = hashlib.sha256
    for (candidate, subject_id), pk in zip(new, ids, strict=True):
        digests.append([pk, sha256(f"[{pk:d},{subject_id:d}{candidate.tail}".encode())
                        .hexdigest()])
        rows.append((pk, subject_id, *candidate.columns, *after))
        created[candidate.key] = pk
        subjects[candidate.key] = subject_id
    fast_insert(CreditRecord, _RECORD_COLUMNS, rows)
    event = record_event(
        actor=actor, action="record.bulk_create", target_type="records.creditrecord",
        target_id=f"{ids[0]}-{ids[-1]}",
        after={"source": source.code, "import": label, "count": len(digests),
               "state": RecordState.SUBMITTED.value, "rows": digests})
    outcome.audit_event_id = event.pk
    return outcome
