"""The model language: shipped models parse; every fault is reported with its line and field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scoring.language import LanguageError, Spec, parse

SHIPPED = sorted((Path(__file__).resolve().parent.parent / "models_shipped").glob("*.toml"))
FIXTURE = Path(__file__).resolve().parents[2] / "records" / "fixtures" / "record_types.json"
CATALOGUE = {
    row["fields"]["code"]: (row["fields"]["group"], row["fields"]["polarity"],
                            row["fields"]["severity"])
    for row in json.loads(FIXTURE.read_text())
}

MINIMAL = """\
[model]
code = "t"
name = "test"
category = "property_service"
effective_from = 2025-01-01

[[item]]
code = "bad"
name = "bad records"
polarity = "bad"
points = -5
cap = 20

[[grade]]
name = "A"
min = 60

[[grade]]
name = "B"
"""


def problems(source: str, **kwargs) -> list[str]:
    with pytest.raises(LanguageError) as info:
        parse(source, **kwargs)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_models_parse_against_the_catalogue_and_round_trip(path):
    spec = parse(path.read_text(encoding="utf-8"), catalogue=CATALOGUE)
    assert Spec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_minimal_model():
    spec = parse(MINIMAL)
    assert spec.items[0].cap == 2000 and spec.items[0].points.fixed == -500
    assert spec.items[0].window.is_publicity
    assert spec.grade_names == ("A", "B")
    assert spec.effective_from == dt.date(2025, 1, 1)


def test_syntax_error_names_its_line():
    assert problems(MINIMAL.replace("points = -5", "points = -5 5")) == [
        "line 11: TOML syntax error: Expected newline or end of document after a statement"]


def test_semantic_error_names_line_and_field():
    assert problems(MINIMAL.replace("cap = 20", "cap = -20")) == [
        "line 12, item[1].cap: must be a non-negative number"]


def test_unknown_keys_are_reported_not_ignored():
    assert problems(MINIMAL.replace("cap = 20", "capp = 20")) == [
        "line 12, item[1].capp: unknown key (allowed: amount_points, cap, code, decay, "
        "default, group, level_points, name, points, polarity, severity, type_groups, "
        "type_points, types, window)"]


def test_every_problem_is_listed():
    source = (MINIMAL.replace('category = "property_service"', 'category = "bank"')
              .replace("points = -5", "points = -5.001").replace("min = 60", ""))
    found = problems(source)
    assert "line 4, model.category: must be one of developer, property_service, brokerage, " \
           "rental, builder, practitioner" in found
    assert "line 11, item[1].points: must have at most 2 decimal places" in found
    assert "line 14, grade[1].min: is required for every grade but the last" in found


def test_record_types_are_checked_against_the_catalogue():
    source = MINIMAL.replace('polarity = "bad"', 'types = ["no_such_type"]')
    assert problems(source, catalogue=CATALOGUE) == [
        "line 10, item[1].types: unknown record type no_such_type"]


def test_thresholds_must_descend_and_last_grade_catches_all():
    source = MINIMAL.replace('name = "B"', 'name = "B"\nmin = 70')
    found = problems(source)
    assert "line 18, grade[2]: the last grade catches every other score: give it no min and " \
           "no or_no_bad_record" in found
    assert "line 20, grade[2].min: must be lower than the grade before (list grades best " \
           "first)" in found


def test_veto_needs_exactly_one_outcome_and_a_known_floor():
    source = MINIMAL + '\n[[veto]]\ncode = "v"\nname = "v"\nseverity = ["severe"]\n'
    assert problems(source) == ["line 21, veto[1]: give exactly one of grade (fixes the grade) "
                                "or floor (lifts it to at least that grade)"]
    source2 = source + 'floor = "AAA"\n'
    assert problems(source2) == ["line 25, veto[1].floor: must be one of the grades"]


def test_duplicate_and_reserved_codes():
    source = MINIMAL + '\n[[group]]\ncode = "bad"\nname = "g"\n\n[[group]]\ncode = "base"\n' \
                       'name = "g"\n'
    found = problems(source)
    assert "line 8, item[1].code: the code bad is already used by group[1]" in found
    assert "line 26, group[2].code: base is reserved" in found


def test_decay_steps_and_windows():
    source = MINIMAL.replace("cap = 20", 'cap = 20\nwindow = 36\ndecay = [[12, 0.5], [24, 0.25]]')
    item = parse(source).items[0]
    assert item.window.months == 36
    assert item.decay.steps == ((12, 5000), (24, 2500))
    bad = MINIMAL.replace("cap = 20", "decay = [[24, 0.5], [12, 1.5]]")
    found = problems(bad)
    assert any("item[1].decay[2]" in p for p in found)
    assert problems(MINIMAL.replace("cap = 20", 'window = "forever"')) == [
        'line 12, item[1].window: must be "publicity" or a whole number of months']


def test_points_by_type_level_and_amount():
    source = MINIMAL.replace('polarity = "bad"\npoints = -5', (
        'type_points = { commendation_city = 1, commendation_county = 0.5 }'))
    item = parse(source, catalogue=CATALOGUE).items[0]
    assert item.match.types == ("commendation_city", "commendation_county")
    assert item.points.by_type == (("commendation_city", 100), ("commendation_county", 50))
    level = parse(MINIMAL.replace("points = -5", "level_points = { national = 3, city = 1 }"))
    assert level.items[0].points.levels == (("national", 300), ("city", 100))
    amount = parse(MINIMAL.replace("points = -5",
                                   "amount_points = [[0, -3], [10000, -5]]\ndefault = -4"))
    assert amount.items[0].points.amounts == ((0, -300), (1_000_000, -500))
    assert amount.items[0].points.default == -400
    assert problems(MINIMAL.replace("points = -5", "points = -5\nlevel_points = { a = 1 }")) \
        == ["line 7, item[1]: give exactly one of points, type_points, level_points, "
            "amount_points"]


def test_indicators():
    source = MINIMAL + (
        '\n[[indicator]]\ncode = "years"\nname = "y"\nyears_in_business = [[3, 4], [5, 5], '
        '[0, 2]]\nmissing = 1\n\n[[indicator]]\ncode = "q"\nname = "q"\n'
        'qualification = { "一级" = 10 }\ndefault = 2\n')
    spec = parse(source)
    years, qual = spec.indicators
    assert years.brackets == ((5, 500), (3, 400), (0, 200)) and years.missing == 100
    assert qual.mapping == (("一级", 1000),) and qual.default == 200
