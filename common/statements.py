"""Writes as plain compiled SQL, and several statements in one round trip on PostgreSQL.

Why: a credit check writes four rows and its audit event on every call, and profiling showed
Django's `Model.save()` / `bulk_create()` (building the insert query, compiling it, the save
signals) costing more of a worker than the database spent storing the rows; on PostgreSQL each
statement is also a round trip whose wait dominates on a busy server. `insert_statement` turns
model instances into one INSERT with the values the ORM itself would send (`Field.pre_save` and
`get_db_prep_save`, the path `Model.save` takes), and `run` sends a list of statements as one
query on PostgreSQL (Django's PostgreSQL cursor binds parameters on the client, so statements
joined with ";" go together and `nextset()` walks their results) and one after another on SQLite
(in process: no round trip to save; its driver takes one statement per call).

What this does not do, on purpose: no `pre_save`/`post_save` signals are sent (callers are the
hot write paths whose models nobody listens to: `approvals/tests/test_check_writes.py` compares
the rows with the ORM's), and the caller assigns primary keys itself where it needs them
(`next_ids` on PostgreSQL; `cursor.lastrowid` on SQLite).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from django.db import connections, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model
from django.utils.connection import ConnectionProxy


class Statement(NamedTuple):
    sql: str
    params: list[Any]


#: (model, with its primary key, rows, database) -> the INSERT's SQL and its fields
_inserts: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}

#: Field classes whose `pre_save` (the attribute) and `get_db_prep_save` give back a value of
#: the listed exact types unchanged: `CharField.to_python` returns any str as it is,
#: `IntegerField.get_prep_value` is `int(value)`, `BooleanField`'s `bool(value)`, a foreign key
#: hands its value to its target's (an integer primary key: the same) and None stays None.
#: Only these exact classes (not subclasses, which may override any step).
_PLAIN_TYPES: dict[type, tuple[type, ...]] = {
    models.CharField: (str,), models.TextField: (str,), models.SlugField: (str,),
    models.IntegerField: (int,), models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,), models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,), models.PositiveBigIntegerField: (int,),
    models.AutoField: (int,), models.BigAutoField: (int,), models.BooleanField: (bool,),
}


_AUTO = (models.AutoField, models.BigAutoField)


def _plain_types(field: Any, connection: Any) -> tuple[type, ...] | None:
    """The value types `insert_statement` may send as they are for `field` (None: always go
    through `pre_save` and `get_db_prep_save`). A database whose operations adapt integers
    (PostgreSQL wraps them in psycopg's sized types) keeps that step for integer fields other
    than automatic primary keys, whose `get_db_prep_value` skips it."""
    if type(field) is models.ForeignKey:
        return _plain_types(field.target_field, connection) if isinstance(
            field.target_field, _AUTO) else None
    plain = _PLAIN_TYPES.get(type(field))
    adapts = (type(connection.ops).adapt_integerfield_value
              is not BaseDatabaseOperations.adapt_integerfield_value)
    if plain == (int,) and adapts and type(field) not in _AUTO:
        return None
    return plain


def insert_statement(objs: Sequence[Model], *, using: str = "default") -> Statement:
    """One INSERT of `objs` (instances of one model), the values prepared as `save()` prepares
    them. The primary key is sent when the first instance has one, left to the database
    otherwise."""
    if not objs:
        raise ValueError("nothing to insert")
    model = type(objs[0])
    connection = connections[using]
    with_pk = objs[0].pk is not None
    key = (model, with_pk, len(objs), connection.vendor)
    shape = _inserts.get(key)
    if shape is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if with_pk or f is not meta.pk]
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (f"INSERT INTO {quote(meta.db_table)} "
               f"({', '.join(quote(f.column) for f in fields)}) "
               f"VALUES {', '.join([row] * len(objs))}")
        if len(_inserts) > 500:
            _inserts.clear()
        shape = _inserts[key] = (sql, [(f, f.attname, _plain_types(f, connection)) for f in fields])
    sql, fields = shape
    params = []
    for obj in objs:
        for f, attname, plain in fields:
            if plain is not None:  # a text, number or flag sent as it is (`_PLAIN_TYPES`)
                value = getattr(obj, attname)
                if value is None or (isinstance(value, str) if plain[0] is str
                                     else type(value) is plain[0]):
                    params.append(value)
                    continue
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
    return Statement(sql, params)


def insert(obj: Model, *, using: str = "default") -> Model:
    """Insert one instance by `insert_statement`; a database-given primary key is set on it
    (`lastrowid`: SQLite; PostgreSQL callers take ids up front or use the ORM)."""
    connection = connections[using]
    sql, params = insert_statement([obj], using=using)
    if direct(connection):
        cursor = sqlite_execute(connection, sql, params)
        if obj.pk is None:
            obj.pk = cursor.lastrowid
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if obj.pk is None:
                if connection.vendor != "sqlite":
                    raise NotImplementedError("give the instance its primary key first")
                obj.pk = cursor.lastrowid
    obj._state.adding, obj._state.db = False, using
    return obj


# --- SQLite: writers queue on a file lock, not on SQLite's busy timeout --------------------------
_lock_files: dict[str, Any] = {}
_threads_queue = threading.Lock()


@contextlib.contextmanager
def sqlite_writers_queue(*, using: str = "default") -> Iterator[None]:
    """On a SQLite database file, outside any transaction: hold an exclusive lock on a file
    beside it while the caller opens, writes and commits its transaction; elsewhere nothing.

    Why: SQLite lets one writer in at a time, and a writer that finds the database locked
    (`BEGIN IMMEDIATE`) polls, sleeping 1, 2, 5, 10, 15, 20, 25… ms between tries
    (`sqlite3_busy_timeout`), so with two workers checking at once the second one slept several
    times the length of the first one's transaction, its CPU idle. Writers waiting on an
    `flock` are woken the moment it is released. Correctness does not depend on it: a writer
    that does not take it (another service, another tool) still meets `BEGIN IMMEDIATE`.
    Never taken inside an open transaction (which may already hold SQLite's lock that the
    lock's holder is waiting for)."""
    connection = connections[using]
    name = connection.settings_dict.get("NAME") or ""
    if (connection.vendor != "sqlite" or connection.in_atomic_block
            or connection.is_in_memory_db() or not name):
        yield
        return
    path = f"{name}.writers.lock"
    with _threads_queue:  # threads of one process share the file handle: they queue here
        handle = _lock_files.get(path)
        if handle is None:
            handle = _lock_files[path] = open(path, "a+b")  # noqa: SIM115 — kept per process
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- SQLite: statements straight on the driver's connection ---------------------------------------
_QMARK = re.compile(r"(?<!%)%s")
_qmarked: dict[str, str] = {}


def direct(connection: Any) -> bool:
    """Whether `sqlite_execute` may run a statement on `connection`: SQLite, and nobody is
    watching its queries (no debug cursor, as in tests counting queries, and no execute
    wrapper), so skipping Django's cursor wrapper skips nothing anyone sees."""
    return (connection.vendor == "sqlite" and not connection.queries_logged
            and not connection.execute_wrappers)


def sqlite_execute(connection: Any, sql: str, params: Sequence[Any]) -> Any:
    """Run one statement (`%s` placeholders) on the sqlite3 connection itself; the cursor.

    Why: Django's SQLite cursor rewrites every statement's `%s` into `?` with a regular
    expression on each call, and wraps the call in three more layers; for the long, constant
    statements of a credit check (the probe's UNION, the snapshot's INSERT) that was a fifth of
    the CPU SQLite itself spent on them. Here the rewrite (the same expression, then `%%` to
    `%`, as `SQLiteCursorWrapper.convert_query`) is done once per statement text, and errors are
    Django's own (`wrap_database_errors`), so callers and transactions see what they saw."""
    query = _qmarked.get(sql)
    if query is None:
        if len(_qmarked) > 500:
            _qmarked.clear()
        query = _qmarked[sql] = _QMARK.sub("?", sql).replace("%%", "%")
    if isinstance(connection, ConnectionProxy):  # `django.db.connection`: look it up once
        connection = connections[connection._alias]
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection.connection.execute(query, params)


def next_ids_statement(models: Sequence[type[Model]], *, using: str = "default") -> Statement:
    """PostgreSQL: one SELECT taking the next primary key of each model from its own sequence
    (no lock; a rolled-back transaction leaves a gap, as an INSERT would)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotImplementedError("ids are taken up front on PostgreSQL only")
    arms = ", ".join(
        f"nextval(pg_get_serial_sequence('{m._meta.db_table}', '{m._meta.pk.column}'))"
        for m in models)
    return Statement(f"SELECT {arms}", [])


_templates: dict[str, list[bytes]] = {}


def _bound(statements: Sequence[Statement], connection: Any) -> str:
    """PostgreSQL: the statements joined with ";" and their values written in as literals,
    quoted by psycopg's own dumpers exactly as its client-side-binding cursor (Django's) quotes
    them. Why not let the cursor do it: psycopg caches its parse of a query only below 50
    parameters and 4,096 bytes, and a check's writes are more, so each call re-parsed ~6 KB of
    SQL (a millisecond of a worker); here the SQL of each statement (written by this module and
    its callers: `%s` is a placeholder and nothing else) is split once per process."""
    from psycopg.adapt import Transformer

    tx = Transformer(connection.connection)
    out: list[bytes] = []
    for n, (sql, params) in enumerate(statements):
        pieces = _templates.get(sql)
        if pieces is None:
            if len(_templates) > 500:
                _templates.clear()
            pieces = _templates[sql] = [p.encode() for p in sql.split("%s")]
        if len(pieces) != len(params) + 1:
            raise ValueError(f"{len(params)} values for {len(pieces) - 1} placeholders")
        if n:
            out.append(b";\n")
        out.append(pieces[0])
        for value, piece in zip(params, pieces[1:], strict=True):
            out.append(b"NULL" if value is None else _literal(tx, value))
            out.append(piece)
    return b"".join(out).decode()


#: (type, value) -> its literal, for the small values a check sends every time (ids, states,
#: flags, stream numbers); its texts, JSON and times are quoted each time
_literals: dict[tuple[type, Any], bytes] = {}
_MEMO_TYPES = frozenset({int, bool})


def _literal(tx: Any, value: Any) -> bytes:
    """psycopg's literal of `value`, kept per process for integers, flags and short texts
    (plain ASCII without a backslash: their quoting depends only on the value)."""
    kind = type(value)
    if kind in _MEMO_TYPES or (isinstance(value, str) and len(value) <= 32 and value.isascii()
                               and "\\" not in value):
        key = (kind, value)
        hit = _literals.get(key)
        if hit is None:
            if len(_literals) > 5000:
                _literals.clear()
            hit = _literals[key] = tx.as_literal(value)
        return hit
    return tx.as_literal(value)


def with_constants_inlined(statement: Statement, keep: Sequence[int], connection: Any
                           ) -> Statement | None:
    """PostgreSQL: `statement` with every value but those at the positions `keep` written into
    its SQL as a literal (psycopg's own quoting, as `_bound`), the kept ones left as `%s`
    placeholders; None when that cannot be done safely (the SQL holds an escaped "%%", or a
    literal holds a "%").

    Why: the credit check's prepared reads carry dozens of values that never change (the
    probe's states and dates: 35 values, one of them the subject) and were quoted on every
    call (`_bound`) and parsed by PostgreSQL in every `EXECUTE`; written in once, into the
    statement PostgreSQL prepares, only the subject's code is sent per call."""
    from psycopg.adapt import Transformer

    sql, params = statement
    pieces = sql.split("%s")
    if "%%" in sql or len(pieces) != len(params) + 1:
        return None
    tx = Transformer(connection.connection)
    kept = set(keep)
    out, left = [pieces[0]], []
    for n, (value, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        if n in kept:
            out.append("%s")
            left.append(value)
        else:
            literal = "NULL" if value is None else tx.as_literal(value).decode()
            if "%" in literal:
                return None
            out.append(literal)
        out.append(piece)
    return Statement("".join(out), left)


def execute_batch(cursor: Any, statements: Sequence[Statement], connection: Any, *,
                  prepare: bool = False) -> None:
    """PostgreSQL: send `statements` as one query on `cursor` (then walk it with `nextset()`).
    SQL holding an escaped "%%" (the ORM's, rarely) is left to the cursor's own binding.

    `prepare`: run each statement as a server-side prepared statement (`PREPARE` once per
    connection, in the same query as its first `EXECUTE`). Why: the credit check's reads (the
    subject with its grade, its bad records, the nine-arm probe) cost PostgreSQL 2–3 ms of
    planning per call against well under 1 ms of execution; a prepared statement is planned
    once per connection (then re-planned only when PostgreSQL's generic plan would be worse).
    A statement is named by its SQL's digest, so a changed SQL is a new statement. Prepared
    statements outlive a rolled-back transaction (PostgreSQL does not roll them back); if a
    query that prepared something fails, this connection stops preparing (it no longer knows
    which names exist)."""
    if any("%%" in sql for sql, _params in statements):
        params: list[Any] = []
        for statement in statements:
            params += statement.params
        cursor.execute(";\n".join(sql for sql, _params in statements), params)
        return
    known = _prepared_on(connection) if prepare else None
    if known is None:
        cursor.execute(_bound(statements, connection))
        return
    preparing, executing = [], []
    for sql, params in statements:
        name = "hc_" + hashlib.sha1(sql.encode()).hexdigest()[:24]
        if name not in known:
            pieces = sql.split("%s")
            preparing.append((name, pieces[0] + "".join(
                f"${n}{piece}" for n, piece in enumerate(pieces[1:], start=1))))
        executing.append(Statement(
            f"EXECUTE {name}" + (f"({', '.join(['%s'] * len(params))})" if params else ""),
            list(params)))
    query = _bound(executing, connection)
    if preparing:
        query = ";\n".join(f"PREPARE {name} AS {sql}" for name, sql in preparing) + ";\n" + query
        try:
            cursor.execute(query)
        except Exception:
            _stop_preparing(connection)
            raise
        known.update(name for name, _sql in preparing)
        for _prepared in preparing:  # step over the PREPAREs' own (empty) results
            cursor.nextset()
    else:
        cursor.execute(query)


def _prepared_on(connection: Any) -> set[str] | None:
    """The names prepared on this connection's current session; None: do not prepare."""
    raw = connection.connection
    key = (id(raw), raw.info.backend_pid)
    state = getattr(connection, "_hc_prepared", None)
    if state is None or state[0] != key:
        state = connection._hc_prepared = (key, set())
    if state[1] is None or len(state[1]) > 200:  # stopped, or too many (a new day's probe…)
        return None
    return state[1]


def _stop_preparing(connection: Any) -> None:
    state = getattr(connection, "_hc_prepared", None)
    if state is not None:
        connection._hc_prepared = (state[0], None)


def run(statements: Sequence[Statement], *, using: str = "default"
        ) -> list[list[tuple[Any, ...]] | None]:
    """Execute `statements` in order; each one's rows (None for one that returns none).

    PostgreSQL: one query, one round trip, each statement prepared on the server once per
    connection (`execute_batch`). SQLite: one call each."""
    connection = connections[using]
    out: list[list[tuple[Any, ...]] | None] = []
    if direct(connection):
        for sql, params in statements:
            cursor = sqlite_execute(connection, sql, params)
            out.append(cursor.fetchall() if cursor.description else None)
        return out
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
                out.append(cursor.fetchall() if cursor.description else None)
            return out
        execute_batch(cursor, statements, connection, prepare=True)
        for n in range(len(statements)):
            if n and not cursor.nextset():
                raise RuntimeError("a batch returned fewer results than statements")
            out.append(cursor.fetchall() if cursor.description else None)
    return out
