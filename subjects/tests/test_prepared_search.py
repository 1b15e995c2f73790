"""The compiled search (`subjects.prepared`) answers exactly as the ORM path does: the same
subjects, in the same order, with the same ranks, field values and count, for queries of 1–6
characters, whole codes, filters, pages, and broad and narrow queries (ADR 0003 §7)."""

from __future__ import annotations

import datetime as dt
import functools
import random

import pytest
from django.db import connection

from subjects import selectors
from subjects.models import Category, Subject, SubjectName
from subjects.selectors import search_subjects, search_subjects_orm

from .test_selectors import make_id_number, make_uscc

pytestmark = pytest.mark.django_db

CITIES = ["福州", "厦门", "深圳市", "泉州"]
BRANDS = ["嘉和", "万科", "鑫源", "永盛", "鑫盛", "华润"]
BUSINESS = [("物业服务", Category.PROPERTY_SERVICE), ("置业", Category.DEVELOPER),
            ("房产经纪", Category.BROKERAGE)]


@pytest.fixture
def county(db) -> list[Subject]:
    """~90 subjects: names starting with and containing common fragments, former names,
    individuals, ASCII letters in two cases, LIKE metacharacters."""
    rng = random.Random(14)
    made = []
    # codes of its own (each test rolls back)
    seq = iter(range(700_000, 800_000))
    add = functools.partial(_add, seq)
    for i in range(72):
        business, category = BUSINESS[i % 3]
        name = f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{business}有限公司"
        if i % 9 == 0:
            name = f"{rng.choice(BRANDS)}{business}{i}有限公司"  # starts with the brand
        former = (f"{rng.choice(CITIES)}{rng.choice(BRANDS)}旧名{i}有限公司",) if i % 5 == 0 else ()
        subject = add(name, former=former, category=category)
        if i % 7 == 0:
            Subject.objects.filter(pk=subject.pk).update(established_on=dt.date(2010 + i % 9, 3, 1))
        made.append(subject)
    for n, surname in enumerate("王李张", start=900):
        made.append(_create(f"{surname}嘉和", code=make_id_number(n),
                            kind=Subject.Kind.INDIVIDUAL, category=Category.PRACTITIONER))
    made.append(add("ABC物业（福州）有限公司", category=Category.PROPERTY_SERVICE))
    made.append(add("abc鑫源置业有限公司"))
    made.append(add("百分100%_建设有限公司", category=Category.BUILDER))
    made.append(add("鑫", former=("鑫鑫鑫",)))
    return made


def _create(name: str, *, code: str, former: tuple[str, ...] = (),
            kind: str = Subject.Kind.ENTERPRISE, category: str = Category.DEVELOPER) -> Subject:
    """As test_selectors.add_subject, with a code given (its shared counter ends at 999 for
    ID numbers, which these many subjects would use up)."""
    subject = Subject.objects.create(kind=kind, code=code, name=name, category=category)
    for i, old in enumerate(former):
        SubjectName.objects.create(subject=subject, name=old, valid_from=dt.date(2000 + i, 1, 1),
                                   valid_until=dt.date(2001 + i, 1, 1))
    SubjectName.objects.create(subject=subject, name=name, valid_from=dt.date(2010, 1, 1))
    return subject


def _add(seq, name: str, **kwargs) -> Subject:
    return _create(name, code=make_uscc(next(seq)), **kwargs)


def _seen(result: tuple[list[Subject], int | None]) -> tuple[list[tuple], int | None]:
    found, total = result
    fields = [f.attname for f in Subject._meta.concrete_fields]
    return [tuple(getattr(s, f) for f in fields) + (s.search_rank,) for s in found], total


def _queries(subjects: list[Subject]) -> list[str]:
    rng = random.Random(3)
    queries = {"鑫", "嘉", "物业", "有限公司", "嘉和物业", "福州嘉和物业", "abc", "ABC物", "%",
               "0%_", "旧名", "不存在", "Ｘ", "福州 嘉和", "鑫鑫"}
    for subject in rng.sample(subjects, 12):
        for size in (1, 2, 3, 4, 6):
            start = rng.randrange(max(1, len(subject.name) - size + 1))
            queries.add(subject.name[start:start + size])
    queries |= {s.code.lower() for s in subjects[:5]} | {subjects[0].code[:10]}
    return sorted(q for q in queries if q.strip())


def _compare(**kwargs) -> None:
    compiled = _seen(search_subjects(**kwargs))
    orm = _seen(search_subjects_orm(**kwargs))
    assert compiled == orm, kwargs


@pytest.mark.parametrize("cap", [1000, 4])
def test_compiled_search_equals_the_orm(county, monkeypatch, cap):
    """With the real cap (every query counted exactly) and a cap of 4 (most queries broad:
    the first page from the name index, counts past the cap reported as None)."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", cap)
    for q in _queries(county):
        for limit, offset in ((20, 0), (3, 0), (3, 3), (7, 70), (5, 200)):
            _compare(q=q, limit=limit, offset=offset)
        _compare(q=q, category=Category.PROPERTY_SERVICE, limit=4)
        _compare(q=q, kind=Subject.Kind.INDIVIDUAL, limit=4)


def test_broad_pages_on_postgresql_from_the_estimate(county, monkeypatch):
    """PostgreSQL decides "broad" from the planner's estimate: forced high, every query whose
    page the name index can fill takes the broad statement, and still equals the ORM's."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: 10**9)
    monkeypatch.setattr(selectors, "_pg_gram_stats", lambda: None)
    for q in ("鑫", "嘉和", "物业", "有限", "福州", "旧名", "鑫鑫"):
        for limit in (1, 3, 20):
            _compare(q=q, limit=limit)
            _compare(q=q, category=Category.BROKERAGE, limit=limit)


def test_page_fields_are_converted_as_the_orm_converts_them(county):
    found, _total = search_subjects(q="有限公司", limit=100)
    by_pk = {s.pk: s for s in Subject.objects.all()}
    assert found
    for subject in found:
        orm = by_pk[subject.pk]
        assert subject.created_at == orm.created_at and subject.created_at.tzinfo is not None
        assert subject.established_on == orm.established_on
        assert subject._state.adding is False and subject._state.db == "default"
        mine = {k: v for k, v in vars(subject).items() if k not in ("_state", "search_rank")}
        assert mine == {k: v for k, v in vars(orm).items() if k != "_state"}
        assert subject.get_category_display() == orm.get_category_display()


def test_instances_through_init_when_someone_listens(county):
    """With a post_init receiver for Subject the rows go through `Model.from_db` (the receiver
    sees every instance); the page is the same."""
    from django.db.models.signals import post_init

    before, _ = search_subjects(q="有限公司", limit=100)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Subject)
    try:
        after, _ = search_subjects(q="有限公司", limit=100)
    finally:
        post_init.disconnect(receiver, sender=Subject)
    assert [vars(s) | {"_state": None} for s in after] == [
        vars(s) | {"_state": None} for s in before]
    assert len(seen) >= len(after) > 0


def test_compiled_search_is_one_statement_per_page(county, monkeypatch,
                                                    django_assert_num_queries):
    """A narrow query: one statement on PostgreSQL (the estimate comes from statistics kept in
    process), the capped probe and the page on SQLite. A code: one statement."""
    monkeypatch.setattr(selectors, "_pg_gram_stats", lambda: selectors._GramStats(
        freqs={}, minfreq=0.001, nullfrac=0.0, rows=1000.0))
    expected = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(expected):
        found, total = search_subjects(q="嘉和物业", limit=5)
    assert total == len(search_subjects_orm(q="嘉和物业", limit=1000)[0])
    with django_assert_num_queries(1):
        found, total = search_subjects(q=county[0].code.lower())
    assert [s.pk for s in found] == [county[0].pk] and total == 1


def test_postgresql_estimate_from_statistics_matches_explain(db):
    """The in-process estimate reproduces the planner's for one and two characters, inside
    and outside the most-common-elements list."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    rng = random.Random(5)
    seq = iter(range(800_000, 900_000))
    for i in range(400):
        _add(seq, f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{i}物业有限公司")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE subjects_subjectname")
    selectors._gram_stats_cache.clear()
    stats = selectors._pg_gram_stats()
    selectors._gram_stats_cache.clear()
    assert stats is not None and "物" in stats.freqs
    for gram in ("物", "物业", "嘉和", "鑫", "龘", "龘龘"):
        planner = selectors._pg_estimated_names(gram)
        assert abs(stats.estimate(gram) - planner) <= max(1.0, 0.02 * planner), gram


def test_three_characters_are_narrow_when_a_pair_is_rare(monkeypatch):
    """Every name containing 嘉和物 contains 嘉和: a rare pair bounds the phrase, no EXPLAIN."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's estimate")
    stats = selectors._GramStats(freqs={"物业": 0.2, "和物": 0.01}, minfreq=0.001, nullfrac=0.0,
                                 rows=1_000_000.0)
    monkeypatch.setattr(selectors, "_pg_gram_stats", lambda: stats)
    asked = []
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: asked.append(term) or 0)
    assert not selectors._pg_is_broad("嘉和物")  # 嘉和 outside the list: 500 names at most
    assert asked == []
    assert not selectors._pg_is_broad("和物业")  # 和物 10,000, 物业 200,000: ask the planner
    assert asked == ["和物业"]
    assert selectors._pg_is_broad("物业")  # 200,000 estimated
    assert not selectors._pg_is_broad("物")  # outside the list: min(0.005, minfreq / 2) = 500


def test_a_listed_gram_is_broad_at_a_lower_estimate(monkeypatch):
    """A gram in the statistics' list has a measured frequency: broad above twice the cap; an
    unlisted one only has the planner's guess: broad above five times the cap."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's estimate")
    stats = selectors._GramStats(freqs={"鑫": 0.003}, minfreq=0.008, nullfrac=0.0,
                                 rows=1_000_000.0)
    monkeypatch.setattr(selectors, "_pg_gram_stats", lambda: stats)
    assert selectors._pg_is_broad("鑫")  # 3,000 measured > 2,000
    assert not selectors._pg_is_broad("嘉")  # 4,000 guessed ≤ 5,000


def test_sqlite_probe_reads_the_fts_table_alone_and_counts_as_like(county, monkeypatch):
    """The probe of a caseless term counts FTS5 matches without re-checking each name: for
    every query it decides as counting the names containing the term would."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite FTS5")
    all_names = list(SubjectName.objects.values_list("name", flat=True))
    for cap in (0, 2, 5, 30):
        monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", cap)
        for q in _queries(county):
            term = " ".join(q.split())
            if term.lower() != term.upper() or selectors.looks_like_code(term):
                continue
            sql, params = selectors._name_match_sql(term)
            expected = sum(term.lower() in n.lower() for n in all_names) > cap
            assert selectors._is_broad(sql, params, term) == expected, (q, cap)
