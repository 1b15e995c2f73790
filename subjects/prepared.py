"""Subject search as SQL written once per process, run on a cursor (issue 14, ADR 0003 §7).

Why: under 16 concurrent users a search was bound by Python, not by the database. The ORM
built and compiled two or three querysets per call (the annotated, ranked page with its
`RawSQL` name match, then a capped count), several times the cost of the SQL itself once the
name indexes made that cheap. Here each statement's text depends only on its shape (vendor,
which name index, which filters), so it is assembled once and kept; a call only binds its
values, runs it, and turns rows into `Subject` instances with the converters Django applies.

What changed in the SQL, not only in who writes it:
- the general page and its capped count are one statement: the matches ordered and cut at
  `max(cap + 1, offset + limit)`, counted with `COUNT(*) OVER ()` over that cut, then paged;
- the first page of a broad query is one statement, `UNION ALL` of the two tiers (names
  starting with the term, then the rest of the name index in name order), each under its own
  `LIMIT`, under an outer `LIMIT`: both databases run the arms in order and stop when the
  page is full, as the two ORM queries did.

What stays right: `selectors.search_subjects` decides the path exactly as before and keeps the
ORM version (`search_subjects_orm`), and `subjects/tests/test_prepared_search.py` compares the
two for many queries (1–6 characters, codes, filters, pages, broad and narrow): same rows, same
order, same ranks, same count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import signals
from django.db.models.base import ModelState

from subjects.models import Subject

# Ranks as in subjects.selectors (RANK_PREFIX, RANK_CURRENT, RANK_FORMER); repeated here so
# that this module does not import the selectors that call it.
_PREFIX, _CURRENT, _FORMER = 1, 2, 3


@dataclass(frozen=True)
class _Columns:
    """The subject table's concrete columns, as `from_db` wants them, and their converters."""

    select: str  # "s"."id", "s"."kind", … (alias s)
    outer: str  # the same columns read from the derived table m
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


_columns_cache: dict[str, _Columns] = {}
_sql_cache: dict[tuple[Any, ...], str] = {}


def _columns(using: str) -> _Columns:
    """Built once per database alias: what Django's compiler would select and convert."""
    cached = _columns_cache.get(using)
    if cached is not None:
        return cached
    connection = connections[using]
    qn = connection.ops.quote_name
    fields = Subject._meta.concrete_fields
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(Subject._meta.db_table)
        funcs = tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        if funcs:
            converters.append((i, funcs, col))
    columns = _Columns(
        select=", ".join(f"s.{qn(f.column)}" for f in fields),
        outer=", ".join(f"m.{qn(f.column)}" for f in fields),
        attnames=tuple(f.attname for f in fields),
        converters=tuple(converters),
    )
    _columns_cache[using] = columns
    return columns


def _filters(category: str | None, kind: str | None, alias: str = "s"
             ) -> tuple[str, list[Any]]:
    sql, params = "", []
    if category:
        sql += f" AND {alias}.category = %s"
        params.append(category)
    if kind:
        sql += f" AND {alias}.kind = %s"
        params.append(kind)
    return sql, params


def _instances(rows: Sequence[Sequence[Any]], using: str, rank_at: int) -> list[Subject]:
    """Rows (the subject's columns, then its rank) as `Subject` instances with `search_rank`."""
    columns = _columns(using)
    connection = connections[using]
    width = len(columns.attnames)
    # `Model.__init__` sets each field through its descriptor and sends pre_init and
    # post_init, a quarter of a narrow search's CPU in Python; with every concrete field
    # present and nobody listening, an instance whose __dict__ is filled directly is the one
    # `from_db` builds (`test_prepared_search.py` compares every field and the state).
    direct = not (signals.pre_init.has_listeners(Subject)
                  or signals.post_init.has_listeners(Subject))
    out = []
    for row in rows:
        values = list(row[:width])
        for pos, funcs, expr in columns.converters:
            value = values[pos]
            for func in funcs:
                value = func(value, expr, connection)
            values[pos] = value
        if direct:
            subject = Subject.__new__(Subject)
            subject._state = ModelState()
            subject._state.adding = False
            subject._state.db = using
            subject.__dict__.update(zip(columns.attnames, values, strict=True))
        else:
            subject = Subject.from_db(using, columns.attnames, values)
        subject.search_rank = row[rank_at]
        out.append(subject)
    return out


def _ilike(vendor: str) -> str:
    """How Django writes `name__istartswith` / `name__icontains` on this vendor (the pattern
    decides which): the ranks must be computed exactly as the ORM path computes them
    (PostgreSQL: UPPER(…) LIKE UPPER(…); SQLite: LIKE, case-insensitive for ASCII)."""
    if vendor == "postgresql":
        return "UPPER(s.name::text) LIKE UPPER(%s)"
    return "s.name LIKE %s ESCAPE '\\'"


def code_page(*, code: str, category: str | None, kind: str | None, limit: int, offset: int,
              rank: int, using: str = "default") -> tuple[list[Subject], int]:
    """The subject whose whole code is `code` (at most one row), as the ORM path pages it:
    the total is the number of rows, 0 or 1, whatever the page."""
    key = ("code", connections[using].vendor, bool(category), bool(kind))
    where, params = _filters(category, kind)
    sql = _sql_cache.get(key)
    if sql is None:
        sql = (f"SELECT {_columns(using).select}, %s FROM subjects_subject s "
               f"WHERE s.code = %s{where}")
        _sql_cache[key] = sql
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [rank, code, *params])
        rows = cursor.fetchall()
    found = _instances(rows, using, len(_columns(using).attnames))
    return found[offset:offset + limit], len(found)


def general_page(*, match_sql: str, match_params: list[Any], prefix_pattern: str,
                 contains_pattern: str, category: str | None, kind: str | None, limit: int,
                 offset: int, cap: int, using: str = "default"
                 ) -> tuple[list[Subject], int | None] | None:
    """A page of every subject `match_sql` selects, ranked and ordered as the ORM path orders
    them, with its capped count, in one statement. None for an empty page past the first (the
    count of a page past the end needs its own query: the caller takes the ORM path)."""
    vendor = connections[using].vendor
    key = ("general", vendor, match_sql, bool(category), bool(kind))
    where, filter_params = _filters(category, kind)
    sql = _sql_cache.get(key)
    if sql is None:
        cols = _columns(using)
        ilike = _ilike(vendor)
        rank = (f"CASE WHEN {ilike} THEN {_PREFIX} WHEN {ilike} THEN {_CURRENT} "
                f"ELSE {_FORMER} END AS search_rank")
        if vendor == "sqlite":
            # The matches are ranked, ordered, cut and counted as (id, name, rank) only; the
            # page's rows are then read whole by id. Sorting and counting every match with
            # all its columns cost a third of SQLite's statement (at 1,000,000 subjects,
            # "嘉和", 124 matches: 0.99 → 0.75 CPU-ms). PostgreSQL gained nothing from it
            # (1.56 → 1.55 ms; 0.98 → 1.23 ms for "嘉和物业", 24 matches): it keeps the one
            # wide statement.
            sql = (
                f"SELECT {cols.select}, m.search_rank, m.total FROM ("
                "SELECT k.id, k.name, k.search_rank, COUNT(*) OVER () AS total FROM ("
                f"SELECT s.id, s.name, {rank} "
                f"FROM subjects_subject s WHERE s.id IN ({match_sql}){where} "
                "ORDER BY search_rank, s.name, s.id LIMIT %s"
                ") k ORDER BY k.search_rank, k.name, k.id LIMIT %s OFFSET %s"
                ") m JOIN subjects_subject s ON s.id = m.id "
                "ORDER BY m.search_rank, m.name, m.id"
            )
        else:
            sql = (
                f"SELECT {cols.outer}, m.search_rank, COUNT(*) OVER () FROM ("
                f"SELECT {cols.select}, {rank} "
                f"FROM subjects_subject s WHERE s.id IN ({match_sql}){where} "
                "ORDER BY search_rank, s.name, s.id LIMIT %s"
                ") m ORDER BY m.search_rank, m.name, m.id LIMIT %s OFFSET %s"
            )
        _sql_cache[key] = sql
    params = [prefix_pattern, contains_pattern, *match_params, *filter_params,
              max(cap + 1, offset + limit), limit, offset]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return ([], 0) if offset == 0 else None
    width = len(_columns(using).attnames)
    page = _instances(rows, using, width)
    if len(page) < limit:
        return page, offset + len(page)  # this page holds the end of the result
    counted = rows[0][width + 1]
    return page, (counted if counted <= cap else None)


def broad_first_page(*, term: str, after: str, category: str | None, kind: str | None,
                     limit: int, using: str = "default") -> list[Subject] | None:
    """First page of a broad query from the name index (see selectors._first_page_of_broad):
    subjects whose current name starts with `term` (the index range [term, after)), then
    those whose name contains it, by name, id. One statement; None when the page is not
    full (the rest would be former-name matches: the caller takes the general path)."""
    vendor = connections[using].vendor
    key = ("broad", vendor, bool(category), bool(kind))
    where, filter_params = _filters(category, kind)
    sql = _sql_cache.get(key)
    if sql is None:
        cols = _columns(using)
        if vendor == "postgresql":
            starts = "s.name::text LIKE %s"
            # The walk over names that merely contain the term reads only the covering index
            # subject_name_page_idx (name, id; category, kind): an index-only scan, where
            # selecting every column fetched each row it passed (migration 0004: 2,269
            # buffers → 31 for "鑫" at 1,000,000 subjects); the page's rows are then read by
            # primary key.
            t_where, _ = _filters(category, kind, alias="t")
            rest = (
                f"SELECT {cols.select}, {_CURRENT} AS search_rank FROM subjects_subject s "
                "WHERE s.id IN (SELECT t.id FROM subjects_subject t WHERE t.name::text LIKE %s "
                f"AND NOT (t.name >= %s AND t.name < %s){t_where} "
                "ORDER BY t.name, t.id LIMIT %s) ORDER BY s.name, s.id"
            )
        else:
            starts = "s.name LIKE %s ESCAPE '\\'"
            # The walk tests each name it passes for the term: `instr`, a plain substring
            # search, where `LIKE '%term%'` tried the pattern at every position ("鑫" at
            # 1,000,000 subjects passes ~5,000 names for a page: 0.63 → 0.33 CPU-ms). The
            # same test for this path's terms, which have no letter case (the callers check):
            # LIKE folds ASCII letters only, and the term's `%` and `_` are escaped literals.
            rest = (
                f"SELECT {cols.select}, {_CURRENT} AS search_rank FROM subjects_subject s "
                "WHERE instr(s.name, %s) > 0 AND NOT (s.name >= %s AND s.name < %s)"
                f"{where} ORDER BY s.name, s.id LIMIT %s"
            )
        # Each arm is a derived table with its own ORDER BY … LIMIT (the name index read in
        # order); the outer LIMIT stops before the second arm when the first fills the page.
        sql = (
            f"SELECT * FROM (SELECT {cols.select}, {_PREFIX} AS search_rank "
            f"FROM subjects_subject s WHERE s.name >= %s AND s.name < %s AND {starts}{where} "
            "ORDER BY s.name, s.id LIMIT %s) a "
            f"UNION ALL SELECT * FROM ({rest}) b LIMIT %s"
        )
        _sql_cache[key] = sql
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    contains = "%" + escaped + "%" if vendor == "postgresql" else term
    params = [term, after, escaped + "%", *filter_params, limit,
              contains, term, after, *filter_params, limit, limit]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) < limit:
        return None
    width = len(_columns(using).attnames)
    # Both databases run the arms in order (SQLite's compound SELECT; PostgreSQL's serial
    # Append), each arm ordered by its index; the stable sort by rank keeps that order.
    rows.sort(key=lambda r: r[width])
    return _instances(rows, using, width)
