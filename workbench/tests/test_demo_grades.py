"""The demo county is graded across the whole sector: every category has a published model,
and the new models spread the county over their grades (the what-if an administrator runs)."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.engine import regrade_in_effect, spec_of
from scoring.models import CurrentBatch, Evaluation
from scoring.services import install_shipped_models, what_if
from subjects.models import Category, Subject
from workbench import demo

AS_OF = dt.date(2026, 12, 2)
NEW = ("builder", "rental", "practitioner")


@pytest.fixture
def county(record_types):
    demo.seed(subjects=600, practitioners=300, records=5000, seed=1)


def test_what_if_over_the_demo_county_spreads_every_new_model(county, capsys):
    drafts = {m.category: m for m in install_shipped_models(publish=False)}
    spreads = {}
    for category in NEW:
        result = what_if(draft=drafts[category], as_of=AS_OF)
        population = Subject.objects.filter(category=category).count()
        assert result.subject_count == population > 0
        spread = dict(result.after)
        spreads[category] = spread
        assert len(spread) >= 4, (category, spread)               # at least four grades used
        assert max(spread.values()) <= 0.75 * population, (category, spread)  # no single bucket
        lowest = spec_of(drafts[category]).all_grade_names[-1]
        assert spread.get(lowest, 0) < 0.4 * population, (category, spread)
    with capsys.disabled():
        print("\nwhat-if spread over the demo county:", spreads)


def test_every_demo_subject_of_every_category_is_graded(county):
    install_shipped_models(publish=True)
    regrade_in_effect(as_of=AS_OF)
    for category in Category.values:
        pointer = CurrentBatch.objects.get(category=category)
        graded = Evaluation.objects.filter(batch_id=pointer.batch_id).count()
        assert graded == Subject.objects.filter(category=category).count() > 0, category


