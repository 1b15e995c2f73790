"""The qualification catalogue (subjects/qualifications.json): every door takes a qualification
from it, and every shipped scoring model and the demo county use its names, so no free text can
silently change a score."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from common.errors import ValidationFailed
from subjects import qualifications
from subjects.forms import SubjectCreateForm
from subjects.models import Category
from subjects.services import subject_create, subject_update
from workbench import demo

SHIPPED = sorted((Path(settings.BASE_DIR) / "scoring" / "models_shipped").glob("*.toml"))


def test_catalogue_covers_every_category_and_cites_its_rule():
    assert set(qualifications.catalogue()) == set(Category.values)
    for entries in qualifications.catalogue().values():
        for q in entries:
            assert q["name"] and q["basis"]
            assert "REFERENCE" not in q["basis"] and "[M]" not in q["basis"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_models_score_only_catalogued_qualifications(path: Path):
    from scoring.language import parse

    spec = parse(path.read_text(encoding="utf-8"))
    for indicator in spec.indicators:
        if indicator.kind == "qualification":
            names = {name for name, _points in indicator.mapping}
            assert names <= set(qualifications.names_for(spec.category)), spec.code


def test_demo_county_uses_catalogued_qualifications():
    for category, names in demo.QUALIFICATIONS.items():
        assert {n for n in names if n} <= set(qualifications.names_for(category)), category
    for names in demo.PRACTITIONER_QUALIFICATIONS.values():
        assert set(names) <= set(qualifications.names_for("practitioner"))


def test_form_offers_the_catalogue_and_refuses_free_text():
    data = {"kind": "enterprise", "code": "91350100M000100Y43", "name": "某建筑公司",
            "category": "builder"}
    assert SubjectCreateForm({**data, "qualification": "建筑工程施工总承包二级"}).is_valid()
    form = SubjectCreateForm({**data, "qualification": "建筑工程施工总承包 二级"})
    assert not form.is_valid() and "qualification" in form.errors


@pytest.mark.django_db
def test_services_refuse_a_qualification_of_another_category(admin_user):
    with pytest.raises(ValidationFailed) as refused:
        subject_create(actor=admin_user, kind="enterprise", code="91350100M000100Y43",
                       name="某建筑公司", category="builder",
                       qualification="房地产开发企业一级资质")
    assert refused.value.code == "qualification_not_in_catalogue"
    subject = subject_create(actor=admin_user, kind="enterprise", code="91350100M000100Y43",
                             name="某建筑公司", category="builder",
                             qualification="建筑工程施工总承包二级")
    with pytest.raises(ValidationFailed):
        subject_update(actor=admin_user, subject=subject, qualification="特级")
    subject_update(actor=admin_user, subject=subject, qualification="建筑工程施工总承包一级")
    subject.refresh_from_db()
    assert subject.qualification == "建筑工程施工总承包一级"
