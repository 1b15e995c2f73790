"""Querysets compiled to SQL once per process, then run again with other values.

Why: a credit check reads the same three statements on every call (the subject with its grade,
its bad records, the probe of rare facts), and profiling showed Django spending more time
building and compiling those querysets (the annotated subject query, the nine-arm UNION probe)
than the database spent answering them. The SQL of a queryset depends only on its shape, so each
is built once with a sentinel in place of the value that changes (a subject id, a code), its
compiled SQL and parameters are kept, and each call substitutes its own value for the sentinel
and runs the statement on a cursor, applying the same value converters Django would.

What stays right: the statement is the ORM's own, compiled by the ORM for the connection's
database; a key names everything else the shape depends on (the check's date for the probe), so
a new day compiles a new statement. `approvals/tests/test_prepared.py` compares every prepared
read with the ORM's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

from approvals.caching import ProcessCache
from common.statements import (
    Statement,
    direct,
    execute_batch,
    sqlite_execute,
    with_constants_inlined,
)

# Values no row can hold: a negative primary key, a code with characters no code has.
SENTINEL_ID = -7_391_004_212
SENTINEL_TEXT = "~hc-sentinel~"

_compiled = ProcessCache("prepared_sql", ttl=24 * 3600.0)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # positions of the sentinel in params
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    model_fields: tuple[tuple[int, str], ...]  # (column, attname) of a model's concrete fields
    annotations: tuple[tuple[int, str], ...]  # (column, name)


def _compile(qs: QuerySet, sentinel: Any, using: str) -> _Statement:
    compiler = qs.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    slots = tuple(i for i, p in enumerate(params) if p == sentinel)
    if not slots:
        raise ValueError("the sentinel is not a parameter of the compiled statement")
    fields = [s[0] for s in compiler.select[:compiler.col_count]]
    converters = tuple((pos, tuple(funcs), expr)
                       for pos, (funcs, expr) in compiler.get_converters(fields).items())
    model_fields: tuple[tuple[int, str], ...] = ()
    if compiler.klass_info and qs._fields is None:
        model_fields = tuple((i, compiler.select[i][0].target.attname)
                             for i in compiler.klass_info["select_fields"])
    annotations = tuple(sorted((i, name) for name, i in compiler.annotation_col_map.items()))
    return _Statement(sql=sql, params=tuple(params), slots=slots, converters=converters,
                      model_fields=model_fields, annotations=annotations)


def _statement(key: Hashable, build: Callable[[Any], QuerySet], sentinel: Any,
               using: str) -> _Statement:
    vendor = connections[using].vendor
    return _compiled.get((vendor, using, key), lambda: _compile(build(sentinel), sentinel,
                                                                  using))


def _params(statement: _Statement, value: Any) -> list[Any]:
    params = list(statement.params)
    for slot in statement.slots:
        params[slot] = value
    return params


def rows(key: Hashable, build: Callable[[Any], QuerySet], value: Any, *,
         sentinel: Any = SENTINEL_ID, using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of `build(value)`, converted as the ORM converts them; `build` is called once
    per process and `key` (with the sentinel), never per call."""
    statement = _statement(key, build, sentinel, using)
    connection = connections[using]
    if direct(connection):  # SQLite, nobody counting queries: without Django's cursor wrapper
        fetched = sqlite_execute(connection, statement.sql, _params(statement, value)).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, _params(statement, value))
            fetched = cursor.fetchall()
    return _converted(statement, fetched, connection)


#: One prepared read: (key, build, value), as the arguments of `rows`.
Read = tuple[Hashable, Callable[[Any], QuerySet], Any]


def rows_batch(reads: list[Read], *, sentinel: Any = SENTINEL_ID, using: str = "default"
               ) -> list[list[tuple[Any, ...]]]:
    """The rows of several prepared reads, in one round trip on PostgreSQL.

    Why: on a busy server each statement costs a round trip whose wait dominates a check on
    PostgreSQL. Django's PostgreSQL cursor binds parameters on the client (psycopg's
    ClientCursor), so statements joined with ";" go as one query and `nextset()` walks their
    results. SQLite runs in process (no round trip) and its driver takes one statement per call:
    there the reads run one after another."""
    connection = connections[using]
    if connection.vendor != "postgresql" or len(reads) < 2:
        return [rows(key, build, value, sentinel=sentinel, using=using)
                for key, build, value in reads]
    statements = [_statement(key, build, sentinel, using) for key, build, _v in reads]
    bound = []
    for st, (_key, _build, value) in zip(statements, reads, strict=True):
        inlined = _inlined(st, connection)  # only the sentinel's places are sent per call
        bound.append(Statement(inlined.sql, [value] * len(st.slots)) if inlined is not None
                     else Statement(st.sql, _params(st, value)))
    out = []
    with connection.cursor() as cursor:
        # bound here (psycopg would re-parse the long SQL per call) and prepared on the server
        # once per connection (PostgreSQL spent more time planning these than running them)
        execute_batch(cursor, bound, connection, prepare=True)
        for n, statement in enumerate(statements):
            if n and not cursor.nextset():
                raise RuntimeError("a batched read returned fewer results than statements")
            out.append(_converted(statement, cursor.fetchall(), connection))
    return out


#: a compiled read -> its SQL with the values that never change written in (PostgreSQL)
_inlined_sql: dict[int, tuple[_Statement, Statement | None]] = {}


def _inlined(statement: _Statement, connection: Any) -> Statement | None:
    """`statement` with every value but the sentinel's written into its SQL
    (`common.statements.with_constants_inlined`), once per compiled statement; None when that
    is not safe (then all its values are sent, as before)."""
    hit = _inlined_sql.get(id(statement))
    if hit is None or hit[0] is not statement:
        if len(_inlined_sql) > 500:
            _inlined_sql.clear()
        hit = _inlined_sql[id(statement)] = (statement, with_constants_inlined(
            Statement(statement.sql, list(statement.params)), statement.slots, connection))
    return hit[1]


def _converted(statement: _Statement, fetched: list[tuple[Any, ...]], connection: Any
               ) -> list[tuple[Any, ...]]:
    if not statement.converters:
        return fetched
    out = []
    for row in fetched:
        row = list(row)
        for pos, funcs, expr in statement.converters:
            value_ = row[pos]
            for func in funcs:
                value_ = func(value_, expr, connection)
            row[pos] = value_
        out.append(tuple(row))
    return out


def instances(key: Hashable, build: Callable[[Any], QuerySet], value: Any, model: type[Model],
              *, sentinel: Any = SENTINEL_ID, using: str = "default") -> list[Model]:
    """Model instances of `build(value)` (a queryset of `model` without `values()`), with its
    annotations set as attributes, as iterating the queryset gives them."""
    return as_instances((key, build, value), rows(key, build, value, sentinel=sentinel,
                                                  using=using),
                        model, sentinel=sentinel, using=using)


def as_instances(read: Read, fetched: list[tuple[Any, ...]], model: type[Model], *,
                 sentinel: Any = SENTINEL_ID, using: str = "default") -> list[Model]:
    """The rows of a read (from `rows_batch`) as `instances` gives them."""
    key, build, _value = read
    statement = _statement(key, build, sentinel, using)
    names = [name for _i, name in statement.model_fields]
    out = []
    for row in fetched:
        instance = model.from_db(using, names, [row[i] for i, _name in statement.model_fields])
        for i, name in statement.annotations:
            setattr(instance, name, row[i])
        out.append(instance)
    return out
