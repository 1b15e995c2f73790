"""Reads over credit subjects: search, lookup by code, name history.

Search has to stay fast at a million subjects (ADR 0003). A query shaped like a full code goes
to the unique index on Subject.code; anything else is a substring search over every name a
subject has carried (SubjectName), served by vendor-specific indexes that only
`_name_match_sql` knows about. Partial codes are never matched: a fragment of a resident ID
number must not find the person (privacy), so codes are only ever compared whole.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from common.errors import NotFound
from common.text import strip_invisible
from subjects import prepared
from subjects.identifiers import looks_like_code, normalise
from subjects.models import Subject, SubjectName

# Counting every match of a common two-character query ("物业") costs more than the page itself;
# beyond this many the total is reported as None ("more than SEARCH_COUNT_CAP").
SEARCH_COUNT_CAP = 1000
SEARCH_MAX_LIMIT = 100
#: The furthest a page may start: past every subject a county registers (the 1,000,000 the
#: platform is sized for) and far below the 64-bit integer a database takes as OFFSET, so a
#: typed `offset=10**20` is an empty page, not an integer overflow (a 500).
SEARCH_MAX_OFFSET = 100_000_000
# PostgreSQL: a query the planner estimates at more than this many times the cap is taken as
# broad without counting (the estimate of a common fragment is within a few per cent at 1 M
# names; a rare one is estimated at a few hundred and takes the general path, counted exactly).
BROAD_ESTIMATE_FACTOR = 5
# A character or pair listed in ANALYZE's most common elements of the gram index has its
# frequency measured on a sample (tens of thousands of rows), within a few per cent for the
# counts that matter here: above this many times the cap it is broad (ADR 0003 §7).
LISTED_BROAD_FACTOR = 2

# Rank of a match, lowest first: whole code, current name starts with q, current name contains
# q, only a former name matches.
RANK_CODE, RANK_PREFIX, RANK_CURRENT, RANK_FORMER = 0, 1, 2, 3

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _like_pattern(term: str) -> str:
    """`%term%` with LIKE's metacharacters escaped (escape character: backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    """An FTS5 string literal: the term as one phrase, never parsed as query syntax."""
    return '"' + term.replace('"', '""') + '"'


def _sqlite_bigram_query(term: str) -> str:
    """FTS5 query on the hex-bigram table (see migration 0002) for a 1–2 character term.

    Two characters are one token; one character is a prefix of every token that starts with it
    (UTF-8 is self-delimiting, so a hex prefix of a whole character cannot match mid-character).
    lower() in SQLite folds ASCII only, so the term is folded the same way.
    """
    token = term.translate(_ASCII_LOWER).encode("utf-8").hex()
    return token if len(term) == 2 else f"{token}*"


def _name_match_sql(term: str) -> tuple[str, list[str]]:
    """SQL selecting `subject_id` of every SubjectName containing `term` (case-insensitive).

    The only vendor-specific part of search. Every branch re-checks with (I)LIKE so the index is
    only ever a pre-filter, and both databases return the same rows (ASCII case folding on both;
    PostgreSQL's ILIKE also folds non-ASCII letters, which Chinese names do not have).
    """
    pattern = _like_pattern(term)
    vendor = connection.vendor
    if vendor == "postgresql":
        if len(term) >= 3:
            # GIN trigram index subjectname_name_trgm answers ILIKE directly.
            return "SELECT n.subject_id FROM subjects_subjectname n WHERE n.name ILIKE %s", [
                pattern
            ]
        # pg_trgm has no trigram for 1–2 characters: use the unigram/bigram GIN index.
        return (
            "SELECT n.subject_id FROM subjects_subjectname n "
            "WHERE subjects_name_grams(n.name) @> ARRAY[lower(%s)]::text[] AND n.name ILIKE %s",
            [term, pattern],
        )
    if vendor == "sqlite":
        if len(term) >= 3:
            fts_table, query = "subjects_subjectname_trigram", _fts_phrase(term)
        else:
            fts_table, query = "subjects_subjectname_bigram", _sqlite_bigram_query(term)
        # A join driven by the FTS table, not `n.id IN (SELECT rowid …)`: the IN list is built
        # whole before the first row, the join streams, so `_is_broad` stops after
        # SEARCH_COUNT_CAP + 1 matches (at 1 M names, "物业": 384 ms → 1 ms).
        return (
            f"SELECT n.subject_id FROM {fts_table} "
            f"JOIN subjects_subjectname n ON n.id = {fts_table}.rowid "
            f"WHERE {fts_table} MATCH %s AND n.name LIKE %s ESCAPE '\\'",
            [query, pattern],
        )
    # Any other database: correct but unindexed.
    return (
        "SELECT n.subject_id FROM subjects_subjectname n WHERE n.name LIKE %s ESCAPE '\\'",
        [pattern],
    )


def _filtered(qs: QuerySet[Subject], category: str | None, kind: str | None) -> QuerySet[Subject]:
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def _page(
    qs: QuerySet[Subject], limit: int, offset: int
) -> tuple[list[Subject], int | None]:
    """One page plus a count capped at SEARCH_COUNT_CAP (None when there are more)."""
    limit, offset = _bounds(limit, offset)
    page = list(qs[offset : offset + limit])
    if len(page) < limit and (page or offset == 0):
        return page, offset + len(page)  # this page holds the end of the result: no count query
    total = qs.order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
    return page, (total if total <= SEARCH_COUNT_CAP else None)


def all_subjects(
    *, category: str | None = None, kind: str | None = None, limit: int = 20, offset: int = 0,
) -> tuple[list[Subject], int | None]:
    """Every subject, by name then id (a stable order for paging), with the same capped count
    as a search: the collection other systems page through."""
    qs = _filtered(Subject.objects.order_by("name", "pk"), category, kind)
    return _page(qs, limit, offset)


def _pg_estimated_names(term: str) -> int:
    """PostgreSQL's own estimate of the names containing `term`, from the statistics ANALYZE
    keeps (most common elements of the gram index's arrays; the name column's histogram for
    ILIKE). Read from EXPLAIN of the index condition alone: the planner would multiply in the
    ILIKE re-check's selectivity as if it were independent of it, and underestimate."""
    if len(term) >= 3:
        sql, params = "SELECT 1 FROM subjects_subjectname n WHERE n.name ILIKE %s", [
            _like_pattern(term)]
    else:
        sql, params = ("SELECT 1 FROM subjects_subjectname n "
                       "WHERE subjects_name_grams(n.name) @> ARRAY[lower(%s)]::text[]", [term])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# How long a process keeps PostgreSQL's statistics of the gram index (they change only when
# ANALYZE runs; autovacuum re-analyses after 10 % of the rows change).
GRAM_STATS_TTL = 60.0


@dataclass(frozen=True)
class _GramStats:
    """ANALYZE's most common elements of `subjects_name_grams(name)` and their frequencies."""

    freqs: dict[str, float]
    minfreq: float
    nullfrac: float
    rows: float

    def listed(self, gram: str) -> bool:
        return gram in self.freqs

    def estimate(self, gram: str) -> float:
        """Names whose gram array contains `gram`, as the planner estimates `@> ARRAY[gram]`
        (PostgreSQL's array_selfuncs.c: an element outside the list is taken at
        min(0.005, minfreq / 2))."""
        freq = self.freqs.get(gram)
        if freq is None:
            freq = min(0.005, self.minfreq / 2)
        return freq * (1.0 - self.nullfrac) * self.rows


_gram_stats_cache: dict[str, tuple[float, _GramStats | None]] = {}


def _pg_gram_stats() -> _GramStats | None:
    """The gram index's statistics, read once per GRAM_STATS_TTL per process; None before the
    first ANALYZE (then EXPLAIN decides, as before)."""
    key = connection.alias
    hit = _gram_stats_cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < GRAM_STATS_TTL:
        return hit[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, s.null_frac, "
            "c.reltuples FROM pg_stats s JOIN pg_class c ON c.relname = 'subjects_subjectname' "
            "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = s.schemaname) "
            "WHERE s.tablename = 'subjectname_name_grams' AND s.schemaname = current_schema()")
        row = cursor.fetchone()
    stats = None
    if row and row[0] and row[1] and row[3] and row[3] > 0:
        elems, freqs = row[0], row[1]
        # after one frequency per element: the lowest and highest frequency, the null one
        stats = _GramStats(freqs=dict(zip(elems, freqs[:len(elems)], strict=True)),
                           minfreq=freqs[len(elems)], nullfrac=row[2] or 0.0, rows=row[3])
    _gram_stats_cache[key] = (now, stats)
    return stats


def _pg_is_broad(term: str) -> bool:
    """PostgreSQL: the planner's estimate decides (see `_is_broad`), from the statistics kept
    in process when they suffice, so that a search is one round trip.

    1–2 characters: the gram index's estimate itself; a gram listed in the statistics is
    broad above LISTED_BROAD_FACTOR × the cap (its frequency was measured), any other above
    BROAD_ESTIMATE_FACTOR × the cap (the planner's guess for unlisted elements). 3 or more:
    every name containing the term contains each of its character pairs, so the smallest pair
    estimate bounds it; at or below the threshold the query is narrow. Above it (a common
    phrase), the trigram condition's own estimate (EXPLAIN) decides.
    """
    threshold = BROAD_ESTIMATE_FACTOR * SEARCH_COUNT_CAP
    stats = _pg_gram_stats()
    if stats is None:
        return _pg_estimated_names(term) > threshold
    folded = term.lower()
    if len(folded) <= 2:
        if stats.listed(folded):
            return stats.estimate(folded) > LISTED_BROAD_FACTOR * SEARCH_COUNT_CAP
        return stats.estimate(folded) > threshold
    bound = min(stats.estimate(folded[i:i + 2]) for i in range(len(folded) - 1))
    if bound <= threshold:
        return False
    return _pg_estimated_names(term) > threshold


def _is_broad(sql: str, params: list[str], term: str = "") -> bool:
    """True when more than SEARCH_COUNT_CAP names match: the index is read for at most that many
    rows, unordered, so the answer costs the same for a common character as for a rare name.

    On PostgreSQL a GIN index is read whole into a bitmap before the first row (24,000 names
    for "鑫": ~25 ms; 216,000 for "物业": ~170 ms), so a LIMIT does not make the probe cheap.
    There the planner's estimate alone decides: far above the cap (BROAD_ESTIMATE_FACTOR ×)
    the query is broad; anything else takes the general path, which counts exactly up to the
    cap itself, so a probe would only repeat its work. An estimate that is too low costs time
    (the general path orders every match), never a wrong page or count.
    """
    if term and connection.vendor == "postgresql":
        return _pg_is_broad(term)
    if term and connection.vendor == "sqlite" and term.lower() == term.upper():
        # For a term without letter case the FTS5 match is the substring match itself (whole
        # hex pairs; trigrams of caseless characters), so the probe reads the FTS table alone,
        # not each name for its LIKE re-check ("鑫" at 200,000 names: 2.5 → 0.23 CPU-ms).
        if len(term) >= 3:
            fts_table, query = "subjects_subjectname_trigram", _fts_phrase(term)
        else:
            fts_table, query = "subjects_subjectname_bigram", _sqlite_bigram_query(term)
        sql = f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH %s"
        params = [query]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {SEARCH_COUNT_CAP + 1}) AS m", params)
        return cursor.fetchone()[0] > SEARCH_COUNT_CAP


def _first_page_of_broad(
    term: str, category: str | None, kind: str | None, limit: int
) -> list[Subject] | None:
    """The first page of a query matching very many names, without ordering every match.

    Same order as the general path (current name starting with `term`, then containing it, by
    name): names starting with `term` form one range of the name index (the databases compare
    names by code point: SQLite's binary collation, PostgreSQL's C collation), and names merely
    containing a common term are dense, so walking the index in name order finds a page after a
    few hundred rows. Only for terms without letter case (Chinese names; an ASCII letter would
    need case folding the index cannot do). None when these two tiers do not fill the page (the
    rest would be subjects matched only by a former name): the caller falls back to the general
    path.
    """
    if term.lower() != term.upper() or connection.vendor not in ("sqlite", "postgresql"):
        return None
    limit = max(1, min(int(limit), SEARCH_MAX_LIMIT))
    after = _rank_prefix_after(term)
    base = _filtered(Subject.objects.all(), category, kind)
    prefix = list(base.filter(name__gte=term, name__lt=after, name__startswith=term)
                  .order_by("name", "pk")[:limit])
    page = prefix
    if len(page) < limit:
        page += list(base.filter(name__contains=term)
                     .exclude(name__gte=term, name__lt=after)
                     .order_by("name", "pk")[: limit - len(page)])
    if len(page) < limit:
        return None
    for subject in page:
        subject.search_rank = RANK_PREFIX if subject.name.startswith(term) else RANK_CURRENT
    return page


def _term(q: str | None) -> str:
    """The query as searched: invisible and control characters removed (a NUL ends SQLite's
    full-text query early and PostgreSQL refuses it in any string), trimmed, inner runs of
    ASCII and full-width spaces collapsed."""
    return " ".join(strip_invisible(str(q or "")).split())


def _bounds(limit: int, offset: int) -> tuple[int, int]:
    return (max(1, min(int(limit), SEARCH_MAX_LIMIT)),
            max(0, min(int(offset), SEARCH_MAX_OFFSET)))


def _rank_prefix_after(term: str) -> str:
    """The first string above every name starting with `term` (code point order)."""
    return term[:-1] + chr(ord(term[-1]) + 1)


def search_subjects(
    *,
    q: str,
    category: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Subject], int | None]:
    """Subjects whose code is `q` or any of whose names (current or former) contain `q`.

    Ordered: whole-code match, current name starting with q, current name containing q, then
    subjects matched only by a former name; by name within each group. Each returned subject
    carries `search_rank` (RANK_* above). The count is exact up to SEARCH_COUNT_CAP, else None.
    A query matching more names than that answers its first page from the name index without
    ordering every match (`_first_page_of_broad`): a one-character query costs about what a
    narrow one does (issue 14).

    On SQLite and PostgreSQL the statements are written once per process and run on a cursor
    (`subjects.prepared`, ADR 0003 §7): the ORM's building of them cost more than the database
    spent answering. `search_subjects_orm` is the same search through the ORM, kept as the
    reference the tests and the benchmark compare with.
    """
    term = _term(q)
    if not term:
        return [], 0
    if connection.vendor not in ("sqlite", "postgresql"):
        return search_subjects_orm(q=q, category=category, kind=kind, limit=limit,
                                   offset=offset)
    limit, offset = _bounds(limit, offset)
    if looks_like_code(term):
        return prepared.code_page(code=normalise(term), category=category, kind=kind,
                                  limit=limit, offset=offset, rank=RANK_CODE,
                                  using=connection.alias)
    sql, params = _name_match_sql(term)
    # (a term with letter case is never answered from the name index: see _first_page_of_broad)
    if offset == 0 and term.lower() == term.upper() and _is_broad(sql, params, term):
        first = prepared.broad_first_page(term=term, after=_rank_prefix_after(term),
                                          category=category, kind=kind, limit=limit,
                                          using=connection.alias)
        if first is not None:
            return first, None  # more than SEARCH_COUNT_CAP names match: not counted
    escaped = _like_pattern(term)[1:-1]
    page = prepared.general_page(
        match_sql=sql, match_params=params, prefix_pattern=escaped + "%",
        contains_pattern=f"%{escaped}%", category=category, kind=kind, limit=limit,
        offset=offset, cap=SEARCH_COUNT_CAP, using=connection.alias)
    if page is None:  # an empty page past the first: its count is a query of its own
        return search_subjects_orm(q=q, category=category, kind=kind, limit=limit,
                                   offset=offset)
    return page


def search_subjects_orm(
    *,
    q: str,
    category: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Subject], int | None]:
    """`search_subjects` through the ORM: same rows, order, ranks and count (tested), two or
    three querysets per call. Any database other than SQLite and PostgreSQL uses it."""
    term = _term(q)
    if not term:
        return [], 0
    if looks_like_code(term):
        # Whole codes only: the unique index, and no way to probe ID numbers by fragment.
        qs = Subject.objects.filter(code=normalise(term)).annotate(
            search_rank=Value(RANK_CODE, output_field=IntegerField())
        )
        return _page(_filtered(qs, category, kind), limit, offset)

    sql, params = _name_match_sql(term)
    if offset == 0 and _is_broad(sql, params, term):
        first = _first_page_of_broad(term, category, kind, limit)
        if first is not None:
            return first, None  # more than SEARCH_COUNT_CAP names match: not counted
    qs = (
        Subject.objects.filter(pk__in=RawSQL(sql, params))
        .annotate(
            search_rank=Case(
                When(name__istartswith=term, then=Value(RANK_PREFIX)),
                When(name__icontains=term, then=Value(RANK_CURRENT)),
                default=Value(RANK_FORMER),
                output_field=IntegerField(),
            )
        )
        .order_by("search_rank", "name", "pk")
    )
    return _page(_filtered(qs, category, kind), limit, offset)


def get_subject(*, code: str) -> Subject:
    """The subject with this code, typed in any case or spacing.

    The message does not repeat the code: it may be an ID number and messages end up in logs.
    """
    try:
        return Subject.objects.get(code=normalise(code))
    except Subject.DoesNotExist:
        raise NotFound(
            "subject_not_found", _("No credit subject with this code was found."), field="code"
        ) from None


def former_names(*, subject: Subject) -> list[SubjectName]:
    """Names the subject no longer carries, most recently dropped first."""
    former = subject.names.filter(valid_until__isnull=False)
    return list(former.order_by("-valid_until", "-valid_from", "-pk"))
