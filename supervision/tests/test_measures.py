"""The shipped default measures: complete for every shipped scoring model, valid, idempotent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from audit.models import AuditEvent
from subjects.models import Category
from supervision.models import UNGRADED, Incentive, Restriction, SupervisionMeasure
from supervision.services import FIXTURE, measure_update, measures_install_defaults

SHIPPED = sorted((Path(settings.BASE_DIR) / "scoring" / "models_shipped").glob("*.toml"))


def _fixture() -> list[dict]:
    return [e["fields"] for e in json.loads(FIXTURE.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_grade_of_every_shipped_model_has_a_measure(path: Path) -> None:
    from scoring.language import parse

    spec = parse(path.read_text(encoding="utf-8"))
    configured = {f["grade"] for f in _fixture() if f["category"] == spec.category}
    assert set(spec.all_grade_names) <= configured, spec.code


def test_fixture_values_are_valid() -> None:
    rows = _fixture()
    assert len({(f["category"], f["grade"]) for f in rows}) == len(rows)
    assert {f["category"] for f in rows if f["grade"] == UNGRADED} == set(Category.values)
    for f in rows:
        assert Decimal("0") <= Decimal(f["sampling_ratio"]) <= Decimal("1")
        assert set(f["incentives"]) <= set(Incentive.values)
        assert set(f["restrictions"]) <= set(Restriction.values)
        assert "[M]" not in f["legal_basis"] and "REFERENCE" not in f["legal_basis"]
        cities = ("天津", "宿州", "北海", "烟台", "林甸")
        assert not any(city in f["legal_basis"] for city in cities)


def test_ratios_rise_as_grades_fall() -> None:
    """REFERENCE §4: the worse the class, the higher the sampling ratio."""
    by_category: dict[str, list[dict]] = {}
    for f in _fixture():
        if f["grade"] != UNGRADED:
            by_category.setdefault(f["category"], []).append(f)
    for rows in by_category.values():
        ratios = [Decimal(f["sampling_ratio"]) for f in sorted(rows, key=lambda r: r["position"])]
        assert ratios == sorted(ratios) and ratios[-1] == 1


def test_install_defaults_is_idempotent_and_keeps_edits(db, admin_user) -> None:
    created = measures_install_defaults()
    assert len(created) == len(_fixture()) == SupervisionMeasure.objects.count()
    measure = SupervisionMeasure.objects.get(category="developer", grade="A")
    measure_update(actor=admin_user, measure=measure, reason="本地规定", sampling_ratio="0.01")
    measure.delete()  # a row removed by mistake comes back; an edited one stays edited
    edited = SupervisionMeasure.objects.get(category="developer", grade="B")
    measure_update(actor=admin_user, measure=edited, reason="本地规定", sampling_ratio="0.15")
    call_command("supervision_defaults", verbosity=0)
    assert SupervisionMeasure.objects.count() == len(_fixture())
    edited.refresh_from_db()
    assert edited.sampling_ratio == Decimal("0.15")
    assert AuditEvent.objects.filter(action="supervision.measures_install").count() == 2


def test_loaddata_works(db) -> None:
    call_command("loaddata", "supervision_measures", verbosity=0)
    assert SupervisionMeasure.objects.count() == len(_fixture())
