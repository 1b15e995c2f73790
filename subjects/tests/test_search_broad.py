"""A query matching very many names answers its first page from the name index without
ordering (or counting) every match, and returns the very page the general path would (issue 14:
a one-character query within twice a narrow one)."""

from __future__ import annotations

import pytest
from django.db import connection

from subjects import selectors
from subjects.models import Category
from subjects.selectors import RANK_CURRENT, RANK_PREFIX, search_subjects

from .test_selectors import add_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db) -> None:
    for i in range(6):
        add_subject(f"鑫{i}置业有限公司")  # starts with the term
        add_subject(f"福州{i}鑫源物业有限公司", category=Category.PROPERTY_SERVICE)  # contains it
    add_subject("永盛建设有限公司", former=("鑫旧名建设有限公司",))  # only a former name
    add_subject("华润置业有限公司")  # no match


def _general(monkeypatch, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(selectors, "_is_broad", lambda *args: False)
        return search_subjects(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {"q": "鑫", "limit": 5}, {"q": "鑫", "limit": 9},
    {"q": "鑫", "limit": 4, "category": Category.PROPERTY_SERVICE},
    # both filters: on PostgreSQL they are also applied inside the covering-index walk
    {"q": "鑫", "limit": 3, "category": Category.PROPERTY_SERVICE, "kind": "enterprise"},
])
def test_broad_first_page_is_the_general_page(many, monkeypatch, kwargs):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: 10**9)  # PostgreSQL
    broad, total = search_subjects(**kwargs)
    general, _total = _general(monkeypatch, **kwargs)
    assert total is None  # more than the cap: not counted
    assert [(s.pk, s.search_rank) for s in broad] == [(s.pk, s.search_rank) for s in general]
    assert {s.search_rank for s in broad} <= {RANK_PREFIX, RANK_CURRENT}


def test_broad_query_reads_no_more_than_a_page(many, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: 10**9)  # PostgreSQL
    # the capped probe (PostgreSQL: the planner's estimate), the prefix range, the rest
    with django_assert_max_num_queries(3):
        found, _total = search_subjects(q="鑫", limit=8)
    assert [s.name for s in found][:6] == [f"鑫{i}置业有限公司" for i in range(6)]


def test_page_the_tiers_cannot_fill_falls_back(many, monkeypatch):
    """A page that needs the former-name match comes from the general path, same as before."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)
    found, total = search_subjects(q="鑫", limit=20)
    assert [s.name for s in found][-1] == "永盛建设有限公司" and total == 13


def test_narrow_query_still_counts(many):
    found, total = search_subjects(q="鑫源", limit=2)
    assert len(found) == 2 and total == 6


def test_postgresql_trusts_a_large_estimate_without_reading_the_index(
        many, monkeypatch, django_assert_num_queries):
    """A GIN index is read whole before its first row, so PostgreSQL first asks the planner;
    far above the cap the query is broad without touching the index."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner estimate")
    assert isinstance(selectors._pg_estimated_names("鑫"), int)
    sql, params = selectors._name_match_sql("鑫")
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: 10**6)
    with django_assert_num_queries(0):
        assert selectors._is_broad(sql, params, "鑫")
    monkeypatch.setattr(selectors, "_pg_estimated_names", lambda term: 0)
    assert not selectors._is_broad(sql, params, "鑫")  # estimated small: the general path
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)  # which still caps its count
    found, total = search_subjects(q="鑫", limit=5)
    assert total is None and len(found) == 5


def test_sqlite_one_character_query_has_a_prefix_index(db):
    """Migrations 0002/0003: a Chinese character (6 hex digits) is answered from FTS5's prefix
    index instead of merging the list of every pair that starts with it."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite FTS5")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'subjects_subjectname_bigram'")
        assert "prefix='6'" in cursor.fetchone()[0]
