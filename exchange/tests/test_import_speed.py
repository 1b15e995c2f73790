"""The import's fast paths answer exactly like the plain code they replace: the file decoded once,
its rows bounded by its line breaks instead of a second CSV pass, the cheaper blank-row test.
Property tests (hypothesis) compare each shortcut with its reference on arbitrary input."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import ValidationFailed
from exchange import feeds
from exchange.feed_services import feed_account, import_feed
from exchange.mapping import Mapper, Match
from exchange.tests import feedfiles as ff

#: Cells with what makes CSV hard: separators, quotes, every kind of line break, blanks.
CELL = st.text(alphabet=st.sampled_from(list('ab罚 ,"\r\n\t\u3000\u200b')), max_size=6)
ROWS = st.lists(st.lists(CELL, min_size=1, max_size=4), max_size=8)


def _csv(rows: list[list[str]], terminator: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator).writerows([["CF_WSH"], *rows])
    return buffer.getvalue().encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, terminator=st.sampled_from(["\r\n", "\n", "\r"]),
       tail=st.sampled_from(["", "\n", "\r\n", "\n\n"]))
def test_the_line_break_bound_is_never_below_the_rows(rows, terminator, tail):
    data = _csv(rows, terminator) + tail.encode()
    read = sum(1 for _row in feeds.read_table(data).rows)
    assert feeds.csv_row_bound(data) >= read
    plain = all("".join(r).strip() and not any(c in "".join(r) for c in "\r\n") for r in rows)
    if not tail and '"' not in data.decode() and plain:
        assert feeds.csv_row_bound(data) == read  # one line per row, nothing quoted: the count


def test_the_bound_on_a_plain_file_without_a_final_line_break():
    assert feeds.csv_row_bound(b"CF_WSH\r\na\r\nb") == 2
    assert feeds.csv_row_bound(b"CF_WSH\na\nb\n") == 2
    assert feeds.csv_row_bound(b"CF_WSH\ra\rb\r") == 2
    assert feeds.csv_row_bound(b"CF_WSH") == 0


@given(cells=st.lists(st.text(alphabet=st.sampled_from(list(" \t\u3000\u00a0a罚\r\n")),
                              max_size=3), max_size=5))
def test_the_csv_blank_test_answers_like_the_general_one(cells):
    assert feeds._blank_csv(cells) == feeds._blank(cells)


@given(text=st.text(max_size=20), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_decode_once_gives_the_detected_encoding_and_its_text(text, encoding):
    data = text.encode(encoding)
    try:
        expected = feeds.detect_encoding(data)
    except feeds.FeedFileError:
        with pytest.raises(feeds.FeedFileError):
            feeds.decode(data)
        return
    assert feeds.decode(data) == (expected, data.decode(expected))


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


def test_progress_ends_full_when_the_bound_was_above_the_rows(catalogue, other_department):
    """Quoted line breaks and blank lines make the bound larger than the rows: the bar is
    reported against the bound while the file is read and ends at rows/rows."""
    rows = [ff.penalty(n, CF_SY="经查，\r\n该公司未在销售现场公示。") for n in range(1, 4)]
    data = ff.csv_file(ff.CF_CURRENT, rows, "utf-8") + b"\r\n\r\n"
    assert feeds.csv_row_bound(data) > 3
    calls: list[tuple[int, int]] = []
    result = import_feed(actor=feed_account(source=other_department), source=other_department,
                         data=data, file_name="f.csv",
                         progress=lambda done, total: calls.append((done, total)))
    assert result.summary["created"] == 3
    assert calls[-1] == (3, 3)
    assert all(done <= total for done, total in calls)


def test_the_row_limit_counts_exactly_when_the_bound_is_above_it(catalogue, other_department):
    """A file of 3 rows whose cells hold line breaks passes a limit of 3 (its bound, 9, does not:
    the rows are then counted); 4 rows do not."""
    actor = feed_account(source=other_department)
    rows = [ff.penalty(n, CF_SY="经查，\r\n该公司\r\n未公示。") for n in range(1, 5)]
    three = ff.csv_file(ff.CF_CURRENT, rows[:3], "utf-8")
    assert feeds.csv_row_bound(three) > 3
    result = import_feed(actor=actor, source=other_department, data=three, file_name="f.csv",
                         dry_run=True, max_rows=3)
    assert result.summary["created"] == 3
    with pytest.raises(ValidationFailed) as refused:
        import_feed(actor=actor, source=other_department,
                    data=ff.csv_file(ff.CF_CURRENT, rows, "utf-8"), file_name="f.csv",
                    dry_run=True, max_rows=3)
    assert "4" in str(refused.value.message)


#: Cells a CF row may hold: good and bad dates and amounts, blanks, invisible characters,
#: revocation status, long text.
FEED_CELL = st.one_of(
    st.sampled_from(["", " ", "2024-04-15", "2024/4/15 09:30:00", "2024-02-30", "45397",
                     "2099-01-01", "2", "2.5", "两万", "-1", "1,000", "\u200b罚款\u200b", "罚款",
                     "警告", "自然人", ff.uscc(1), "x" * 2001, "号" * 101]),
    st.text(max_size=5))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(FEED_CELL, max_size=22), min_size=1, max_size=6),
       legacy=st.booleans())
def test_csv_rows_parse_like_the_general_loop(rows, legacy):
    """The CSV loop (memo per column, short rows padded) gives every row the values and errors,
    in order, of the general loop (the one XLSX cells take)."""
    header = ff.CF_LEGACY if legacy else ff.CF_CURRENT
    kind, field_set = feeds.detect_kind_and_set(header)

    def parsed(file_format: str) -> list[tuple]:
        table = feeds.Table(file_format, "", header, iter(enumerate(rows, start=2)))
        return [(r.row_number, r.values, r.errors)
                for r in feeds.parse_rows(table, kind, field_set)]

    assert parsed("csv") == parsed("xlsx")


def _reference_match(rules, by_act, *, category: str, text: str, act: str):
    """`Mapper.match` as it was, rule by rule for every row."""
    match = by_act.get(act)
    if match is not None:
        return match
    for rule_category, keyword, match in rules:
        if rule_category and rule_category not in category:
            continue
        if keyword and keyword not in text:
            continue
        return match
    return None


WORD = st.sampled_from(["", "罚款", "警告", "罚", "维修资金", "公示", "没收"])


@settings(max_examples=300, deadline=None)
@given(rules=st.lists(st.tuples(WORD, WORD), max_size=6),
       asks=st.lists(st.tuples(WORD, WORD, st.lists(WORD, max_size=3).map(" ".join)),
                     min_size=1, max_size=12))
def test_the_mapping_memo_answers_like_the_rules_one_by_one(rules, asks):
    mapper = Mapper.__new__(Mapper)  # the rules without the database
    mapper._by_rule = [(c, k, Match(None, f"type{n}")) for n, (c, k) in enumerate(rules)]
    mapper._by_act = {"警告": Match(None, "by-act")}
    mapper._memo = {}
    for act, category, text in asks * 2:  # the second round answers from the memo
        assert mapper.match(category=category, text=text, act=act) == _reference_match(
            mapper._by_rule, mapper._by_act, category=category, text=text, act=act)


def _reference_description(values: dict, labels: tuple[str, ...]) -> str:
    """`feeds.description_of` as it was: a list of (label, value), then the non-empty ones."""
    act, facts, basis, category, content, licence, authority, remark = labels
    parts = [
        (act, values.get("act")), (facts, values.get("facts")), (basis, values.get("basis")),
        (category, values.get("category")), (content, values.get("content")),
        (licence, " ".join(filter(None, [values.get("licence_name"),
                                         values.get("licence_number")]))),
        (authority, values.get("authority")), (remark, values.get("remark")),
    ]
    return "\n".join(f"{label}: {value}" for label, value in parts if value)


DESCRIBED = ("act", "facts", "basis", "category", "content", "licence_name", "licence_number",
             "authority", "remark")


@given(values=st.dictionaries(st.sampled_from(DESCRIBED), st.none() | st.sampled_from(
    ["", "罚款", "经查 属实", "第1号", "x"])))
def test_the_description_is_composed_as_before(values):
    labels = ("违法行为", "事实", "依据", "类别", "内容", "许可", "机关", "备注")
    row = feeds.FeedRow(row_number=2, kind="CF", values=values)
    assert feeds.description_of(row, labels) == _reference_description(values, labels)
