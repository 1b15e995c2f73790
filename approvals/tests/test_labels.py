"""`common.labels.choice_label` answers what `get_FOO_display()` answers, in each language."""

from __future__ import annotations

from django.utils import translation

from common.labels import choice_label
from subjects.models import Category, Subject


def test_the_label_is_get_display_s_in_every_language_and_for_unknown_values():
    subject = Subject(category=Category.choices[0][0], status=Subject.Status.ACTIVE)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, _label in Category.choices:
                subject.category = value
                assert choice_label(subject, "category") == str(subject.get_category_display())
            assert choice_label(subject, "status") == str(subject.get_status_display())
    with translation.override("zh-hans"):
        zh = choice_label(subject, "status")
    with translation.override("en"):
        assert choice_label(subject, "status") != zh  # kept per language, not once for all
    subject.category = "no-such-category"  # shown as stored, as Django shows it
    assert choice_label(subject, "category") == "no-such-category"
