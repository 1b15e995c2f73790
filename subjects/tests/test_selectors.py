"""Subject search: exact codes, substrings of current and former names, ordering and privacy.

Runs on SQLite (FTS5 trigram + bigram tables) and PostgreSQL (pg_trgm + gram GIN index); the
reference test checks each database's indexed path against a plain Python substring match.
"""

from __future__ import annotations

import datetime as dt

import pytest

from common.errors import NotFound
from subjects import selectors
from subjects.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)
from subjects.models import Category, Subject, SubjectName
from subjects.selectors import (
    RANK_CODE,
    RANK_CURRENT,
    RANK_FORMER,
    RANK_PREFIX,
    former_names,
    get_subject,
    search_subjects,
)


def make_uscc(seq: int) -> str:
    org8 = f"M{seq:07d}"
    first17 = "91350100" + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


def make_id_number(seq: int) -> str:
    first17 = f"35010219900307{seq:03d}"
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


_seq = iter(range(1, 10_000))


def add_subject(name: str, *, former: tuple[str, ...] = (), category: str = Category.DEVELOPER,
                kind: str = Subject.Kind.ENTERPRISE, code: str | None = None) -> Subject:
    """A subject with its current name and former names in SubjectName, as services keep them."""
    n = next(_seq)
    if code is None:
        code = make_id_number(n) if kind == Subject.Kind.INDIVIDUAL else make_uscc(n)
    subject = Subject.objects.create(kind=kind, code=code, name=name, category=category)
    start = dt.date(2000, 1, 1)
    for i, old in enumerate(former):
        SubjectName.objects.create(
            subject=subject, name=old, valid_from=start.replace(year=2000 + i),
            valid_until=start.replace(year=2001 + i),
        )
    SubjectName.objects.create(subject=subject, name=name, valid_from=dt.date(2001 + len(former),
                                                                              1, 1))
    return subject


@pytest.fixture
def world(db) -> dict[str, Subject]:
    return {
        "vanke_sz": add_subject("深圳市万科物业服务有限公司", former=("深圳万科物业管理有限公司",),
                                category=Category.PROPERTY_SERVICE),
        "vanke": add_subject("万科企业股份有限公司"),
        "yongsheng": add_subject("福州永盛房产经纪有限公司", former=("福州万科经纪有限公司",),
                                 category=Category.BROKERAGE),
        "bj_vanke": add_subject("北京万科", category=Category.RENTAL),
        "jiahe": add_subject("嘉和置业有限公司", former=("福州嘉和房地产开发有限公司",)),
        "xinjiahe": add_subject("福建新嘉和物业有限公司", category=Category.PROPERTY_SERVICE),
        "abc": add_subject("ABC物业（福州）有限公司", category=Category.PROPERTY_SERVICE),
        "pct": add_subject("百分100%_建设有限公司", category=Category.BUILDER),
        "person": add_subject("张嘉和", kind=Subject.Kind.INDIVIDUAL,
                              category=Category.PRACTITIONER),
    }


def names(result: tuple[list[Subject], int | None]) -> list[str]:
    return [s.name for s in result[0]]


def test_fixture_codes_are_valid(world):
    validate_uscc(world["vanke"].code)
    validate_id_number(world["person"].code)


# --- codes ------------------------------------------------------------------------------------

def test_exact_code_upper_lower_and_spaced(world):
    code = world["jiahe"].code
    for q in (code, code.lower(), f" {code[:6]} {code[6:]}\u3000"):
        found, total = search_subjects(q=q)
        assert [s.pk for s in found] == [world["jiahe"].pk]
        assert total == 1
        assert found[0].search_rank == RANK_CODE


def test_unknown_code_finds_nothing(world):
    assert search_subjects(q=make_uscc(9999)) == ([], 0)


def test_full_id_number_finds_the_person(world):
    found, _ = search_subjects(q=world["person"].code.lower())
    assert found == [world["person"]]


def test_partial_id_number_is_never_matched(world):
    code = world["person"].code
    for fragment in (code[:6], code[:10], code[:17], code[-4:], code[6:14], code[2:],
                     world["person"].display_code):
        assert search_subjects(q=fragment) == ([], 0), fragment


def test_partial_uscc_is_not_a_name(world):
    assert search_subjects(q=world["vanke"].code[:12]) == ([], 0)


# --- names ------------------------------------------------------------------------------------

def test_two_characters_ordered_prefix_current_former(world):
    found, total = search_subjects(q="万科")
    assert names((found, total)) == [
        "万科企业股份有限公司",          # current name starts with 万科
        "北京万科",                      # current name contains 万科 (at the very end)
        "深圳市万科物业服务有限公司",    # contains it, and a former name too: listed once
        "福州永盛房产经纪有限公司",      # only a former name
    ]
    assert [s.search_rank for s in found] == [RANK_PREFIX, RANK_CURRENT, RANK_CURRENT, RANK_FORMER]
    assert total == 4


def test_three_characters(world):
    assert names(search_subjects(q="嘉和置")) == ["嘉和置业有限公司"]
    assert names(search_subjects(q="万科物")) == ["深圳市万科物业服务有限公司"]


def test_four_and_more_characters(world):
    assert names(search_subjects(q="万科物业")) == ["深圳市万科物业服务有限公司"]
    assert names(search_subjects(q="新嘉和物业有限")) == ["福建新嘉和物业有限公司"]
    assert search_subjects(q="万科物业集团") == ([], 0)


def test_former_name_finds_current_subject(world):
    found, total = search_subjects(q="福州嘉和房地产")
    assert found == [world["jiahe"]] and total == 1
    assert found[0].search_rank == RANK_FORMER
    assert names(search_subjects(q="物业管理")) == ["深圳市万科物业服务有限公司"]


def test_one_character_matches_anywhere(world):
    assert names(search_subjects(q="嘉")) == [
        "嘉和置业有限公司", "张嘉和", "福建新嘉和物业有限公司"
    ]
    assert names(search_subjects(q="京")) == ["北京万科"]


def test_ascii_letters_are_case_insensitive(world):
    for q in ("abc", "ABC物", "Bc", "b"):
        assert names(search_subjects(q=q)) == ["ABC物业（福州）有限公司"], q


def test_like_metacharacters_are_literal(world):
    assert names(search_subjects(q="%")) == ["百分100%_建设有限公司"]
    assert names(search_subjects(q="0%_")) == ["百分100%_建设有限公司"]
    assert search_subjects(q="%物业%") == ([], 0)
    assert search_subjects(q='"') == ([], 0)
    assert search_subjects(q='万" OR "科') == ([], 0)


def test_blank_query_finds_nothing(world):
    assert search_subjects(q="  \u3000 ") == ([], 0)


def test_category_and_kind_filters(world):
    assert names(search_subjects(q="嘉和", category=Category.PROPERTY_SERVICE)) == [
        "福建新嘉和物业有限公司"
    ]
    assert names(search_subjects(q="嘉和", kind=Subject.Kind.INDIVIDUAL)) == ["张嘉和"]
    assert search_subjects(q=world["jiahe"].code, category=Category.BROKERAGE) == ([], 0)


def test_pagination_and_count(db):
    for i in range(25):
        add_subject(f"测试物业{i:02d}有限公司", category=Category.PROPERTY_SERVICE)
    pages = [search_subjects(q="测试物业", limit=10, offset=off) for off in (0, 10, 20, 30)]
    assert [len(p[0]) for p in pages] == [10, 10, 5, 0]
    assert all(p[1] == 25 for p in pages)
    listed = [s.name for p in pages for s in p[0]]
    assert listed == [f"测试物业{i:02d}有限公司" for i in range(25)]


def test_count_is_capped(db, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 5)
    for i in range(8):
        add_subject(f"封顶{i}有限公司")
    found, total = search_subjects(q="封顶", limit=3)
    assert len(found) == 3 and total is None
    found, total = search_subjects(q="封顶", limit=3, offset=6)
    assert len(found) == 2 and total == 8  # the end of the result is known without counting


def test_index_follows_renames_and_deletes(world):
    current = world["xinjiahe"].names.get(valid_until__isnull=True)
    current.name = "福建新鸿运物业有限公司"
    current.save()
    assert search_subjects(q="新嘉") == ([], 0)
    assert [s.pk for s in search_subjects(q="鸿运")[0]] == [world["xinjiahe"].pk]
    assert [s.pk for s in search_subjects(q="新鸿运物业")[0]] == [world["xinjiahe"].pk]
    world["jiahe"].delete()
    assert search_subjects(q="福州嘉和房地产") == ([], 0)
    assert search_subjects(q="置") == ([], 0)


def test_indexed_search_equals_plain_substring_match(world):
    """Every substring of every name, through the vendor's index, against Python's `in`."""
    all_names = list(SubjectName.objects.select_related("subject"))
    queries = {
        n.name[i : i + size]
        for n in all_names
        for size in (1, 2, 3, 4, 6)
        for i in range(len(n.name) - size + 1)
    } | {"物业有", "qq", "X", "深圳 万科"}
    subjects = {s.pk: s for s in Subject.objects.all()}
    for q in sorted(queries):
        if not q.strip():
            continue
        term = " ".join(q.split())
        folded = term.lower()

        def rank(s: Subject, term: str = term, folded: str = folded) -> int:
            current = s.name.lower()
            return (RANK_PREFIX if current.startswith(folded)
                    else RANK_CURRENT if folded in current else RANK_FORMER)

        matched = {n.subject_id for n in all_names if folded in n.name.lower()}
        expected = sorted((subjects[pk] for pk in matched), key=lambda s: (rank(s), s.name, s.pk))
        found, total = search_subjects(q=q, limit=100)
        assert [s.pk for s in found] == [s.pk for s in expected], q
        assert total == len(expected), q


# --- lookups ----------------------------------------------------------------------------------

def test_get_subject_normalises(world):
    assert get_subject(code=" " + world["vanke"].code.lower()) == world["vanke"]


def test_get_subject_not_found(world):
    with pytest.raises(NotFound) as exc:
        get_subject(code=make_uscc(4242))
    assert exc.value.code == "subject_not_found"
    assert exc.value.field == "code"
    assert exc.value.status == 404
    assert str(exc.value.message)


def test_former_names(world):
    assert [n.name for n in former_names(subject=world["vanke_sz"])] == ["深圳万科物业管理有限公司"]
    assert former_names(subject=world["vanke"]) == []
