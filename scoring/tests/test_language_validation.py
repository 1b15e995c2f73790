"""How the declarative validation reports problems, where it differs from the hand-written one.

`test_language.py` holds the messages kept identical. These tests pin what changed on purpose:
a group reference must be a string (a list used to crash the upload, `0` was accepted); a
missing `[model]` table is one problem, not one per missing key; rules about which keys go
together, and references between tables, are reported in the same pass as wrong values; and
no error of pydantic's own wording ever reaches an administrator.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.language import LanguageError, parse

from .test_language import CATALOGUE, MINIMAL, problems

SHIPPED = Path(__file__).resolve().parent.parent / "models_shipped" / "property_composite.toml"


@pytest.mark.parametrize("value", ["[]", "0", "false", "2025-01-01"])
def test_a_group_reference_must_be_a_string(value):
    source = MINIMAL.replace("cap = 20", f"cap = 20\ngroup = {value}")
    assert problems(source) == ["line 13, item[1].group: must be a non-empty string"]


def test_an_unknown_group_is_still_named():
    source = MINIMAL.replace("cap = 20", 'cap = 20\ngroup = "bonus"')
    assert problems(source) == ["line 13, item[1].group: no [[group]] has the code bonus"]


def test_a_missing_model_table_is_one_problem():
    source = MINIMAL.split("[[item]]", 1)[1]
    assert problems("[[item]]" + source) == ["model: the [model] table is required"]


def test_key_rules_are_reported_with_wrong_values():
    source = MINIMAL + '\n[[item]]\nname = "x"\ncap = -1\n'
    assert problems(source) == [
        "line 21, item[2]: say which records count: types, type_groups, polarity or severity",
        "line 21, item[2]: give exactly one of points, type_points, level_points, "
        "amount_points",
        "line 21, item[2].code: is required",
        "line 23, item[2].cap: must be a non-negative number",
    ]


def test_references_are_checked_beside_wrong_values():
    source = MINIMAL.replace("cap = 20", 'cap = -20\ngroup = "bonus"')
    assert problems(source) == ["line 12, item[1].cap: must be a non-negative number",
                                "line 13, item[1].group: no [[group]] has the code bonus"]


def test_an_invalid_code_is_reported_once():
    source = MINIMAL + '\n[[group]]\ncode = "Bad"\nname = "g"\n'
    assert problems(source) == [
        "line 22, group[1].code: must be lower-case letters, digits, '-' or '_'"]


def test_tables_and_arrays_of_the_wrong_shape():
    assert problems(MINIMAL.replace("[model]", "[[model]]")) == ["line 1, model: must be a table"]
    assert problems("veto = 3\n" + MINIMAL) == ["line 1, veto: write each entry as [[veto]]"]
    assert problems("veto = [3]\n" + MINIMAL) == ["line 1, veto[1]: must be a table"]
    assert problems(MINIMAL + "[extra]\n") == [
        "line 20, extra: unknown key (allowed: grade, grading, group, indicator, item, model, "
        "score, sources, veto)"]


def test_every_faulty_bracket_is_listed_at_its_place():
    source = MINIMAL.replace("points = -5", 'amount_points = [[0, -3.001], [-1, "x"], 5]')
    assert problems(source) == [
        "line 11, item[1].amount_points[1]: must have at most 2 decimal places",
        "line 11, item[1].amount_points[2]: must be a non-negative number",
        "line 11, item[1].amount_points[2]: must be a number",
        "line 11, item[1].amount_points[3]: each bracket must be [at least amount (yuan), "
        "points]",
    ]


def test_unknown_types_in_type_points_are_named_by_key():
    source = MINIMAL.replace('polarity = "bad"\npoints = -5',
                             "type_points = { commendation_city = 1, nope = 2 }")
    assert problems(source, catalogue=CATALOGUE) == [
        "line 10, item[1].type_points.nope: unknown record type nope"]


def test_problems_are_listed_in_line_order():
    source = (MINIMAL.replace("min = 60", "min = 60.001").replace('code = "t"', 'code = "T"')
              .replace("cap = 20", "cap = -1"))
    lines = [int(re.match(r"line (\d+)", p).group(1)) for p in problems(source)]
    assert lines == sorted(lines) and len(lines) == 3


VALUES = ['-1', '1.234', '"x"', "true", "[]", "[1]", "{}", "{a = 1}", "2025-01-01", "nan",
          "1e9", '"publicity"', '"linear"', '"catalogue"', "[[1, 2], [1, 3]]", '["severe", 1]']
PYDANTIC_WORDING = re.compile(r"Input should|Field required|Extra inputs|Value error|validation")


def test_no_pydantic_wording_and_no_crash_for_any_wrong_value():
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    keys = [n for n, line in enumerate(lines) if re.match(r"^\w+\s*=", line)]
    checked = 0
    for n in keys:
        key = lines[n].split("=", 1)[0]
        for value in VALUES:
            source = "\n".join([*lines[:n], f"{key}= {value}", *lines[n + 1:]])
            try:
                parse(source, catalogue=CATALOGUE)
            except LanguageError as exc:
                checked += 1
                for problem in exc.problems:
                    assert not PYDANTIC_WORDING.search(str(problem)), (lines[n], value, problem)
                    assert problem.line is not None, (lines[n], value, problem)
    assert checked > len(keys) * len(VALUES) // 2
