"""Data migration 0003: an installed database's "BLACKLIST" measure rows become grade "D"."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from supervision.models import SupervisionMeasure

migration = importlib.import_module("supervision.migrations.0003_rename_blacklist_grade_to_d")


def _row(category: str, grade: str, text: str, ratio: str = "1.0000") -> SupervisionMeasure:
    return SupervisionMeasure.objects.create(
        category=category, grade=grade, position=60, inspection_per_year=2,
        sampling_ratio=Decimal(ratio), legal_basis=text)


@pytest.mark.django_db
def test_blacklist_rows_are_renamed_keeping_the_administrators_values() -> None:
    old = _row("property_service", "BLACKLIST", "评价等级“BLACKLIST”。国市监信发〔2022〕6号 D类",
               ratio="0.8000")
    migration.forward(apps, None)
    old.refresh_from_db()
    assert old.grade == "D" and old.sampling_ratio == Decimal("0.8000")
    assert old.legal_basis.startswith("评价等级“D”（严重失信）。")
    assert not SupervisionMeasure.objects.filter(grade="BLACKLIST").exists()

    migration.backward(apps, None)
    old.refresh_from_db()
    assert old.grade == "BLACKLIST" and old.legal_basis.startswith("评价等级“BLACKLIST”。")


@pytest.mark.django_db
def test_an_existing_d_row_is_kept_and_the_old_row_left_alone() -> None:
    mine = _row("property_service", "D", "本县自定的D级措施", ratio="0.9000")
    old = _row("property_service", "BLACKLIST", "评价等级“BLACKLIST”。")
    migration.forward(apps, None)
    mine.refresh_from_db()
    old.refresh_from_db()
    assert (mine.grade, mine.legal_basis, mine.sampling_ratio) == ("D", "本县自定的D级措施",
                                                                   Decimal("0.9000"))
    assert old.grade == "BLACKLIST"
