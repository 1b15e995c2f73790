"""`common.form_renderer.CachingRenderer` (the `FORM_RENDERER`): a widget's HTML is Django's own,
byte for byte, whether rendered afresh or answered from memory, in each language; a render
whose context holds anything but plain data is never kept; the memory is bounded."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from common import form_renderer
from common.form_renderer import CachingRenderer, freeze
from common.models import CalendarDay


class Probe(forms.Form):
    day = forms.ModelChoiceField(label=_("date"), required=False,
                                 queryset=CalendarDay.objects.order_by("date"))
    kind = forms.ChoiceField(required=False, choices=[("", "---------"),
                                                      *CalendarDay.Kind.choices])
    kinds = forms.MultipleChoiceField(required=False, choices=CalendarDay.Kind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    flag = forms.BooleanField(required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(
        attrs={"placeholder": _("Reason"), "data-x": mark_safe("<b>")}))
    text = forms.CharField(required=False, initial=mark_safe("<i>"))


def render_all(renderer: object, data: dict | None) -> list[str]:
    form = Probe(data, renderer=renderer)
    return [str(form[name]) for name in form.fields] + [str(form)]


@pytest.fixture
def days(db) -> list[CalendarDay]:
    return [CalendarDay.objects.create(date=dt.date(2031, 1, 1), kind="holiday", name="元旦",
                                       source="国办发明电〔2030〕1号"),
            CalendarDay.objects.create(date=dt.date(2031, 1, 4), kind="workday", name="调休",
                                       source="国办发明电〔2030〕1号")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("data", [None, {"kind": "holiday", "kinds": ["holiday", "workday"],
                                         "on": "2026-12-01", "flag": "on", "note": "<x>",
                                         "text": "a&b"}])
def test_html_is_djangos_fresh_and_from_memory(days, language, data):
    if data is not None:
        data = {**data, "day": str(days[1].pk)}
    caching = CachingRenderer()
    with translation.override(language):
        django_html = render_all(DjangoTemplates(), data)
        assert render_all(caching, data) == django_html  # rendered, kept
        misses, hits = caching.misses, caching.hits
        assert misses > 0
        assert render_all(caching, data) == django_html  # answered from memory
        assert caching.misses == misses and caching.hits > hits


def test_a_changed_choice_or_language_is_rendered_afresh(days):
    caching = CachingRenderer()
    with translation.override("zh-hans"):
        before = str(Probe(renderer=caching)["day"])
        days[0].name = "元旦（改）"
        days[0].save()
        CalendarDay.objects.create(date=dt.date(2031, 2, 1), kind="holiday", name="春节",
                                   source="国办发明电〔2030〕1号")
        after = str(Probe(renderer=caching)["day"])
        assert after == str(Probe(renderer=DjangoTemplates())["day"])
    assert "元旦（改）" not in before and "元旦（改）" in after
    assert "春节" in after
    with translation.override("en"):
        english = str(Probe(renderer=caching)["kind"])
    with translation.override("zh-hans"):
        chinese = str(Probe(renderer=caching)["kind"])
    assert english != chinese
    with translation.override("en"):
        assert english == str(Probe(renderer=DjangoTemplates())["kind"])


def test_equal_values_that_render_differently_are_kept_apart():
    assert freeze(True) != freeze(1)
    assert freeze(mark_safe("<b>")) != freeze("<b>")
    assert freeze(["a"]) != freeze(("a",))
    assert freeze({"a": 1, "b": 2}) != freeze({"b": 2, "a": 1})  # attribute order shows
    assert freeze(dt.date(2026, 1, 1)) != freeze(dt.datetime(2026, 1, 1))


@pytest.mark.django_db
def test_contexts_with_objects_are_not_kept():
    caching = CachingRenderer()
    form = Probe(renderer=caching)
    html = str(form)  # the form template's context holds the form itself
    assert html == str(Probe(renderer=DjangoTemplates()))
    kept = len(caching._cache)
    assert not any(key[0] == form.template_name_div for key in caching._cache)
    assert kept > 0  # its widgets were


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(form_renderer, "MAX_ENTRIES", 5)
    caching = CachingRenderer()
    widget = forms.TextInput()
    for n in range(20):
        assert f'value="{n}"' in widget.render("q", str(n), renderer=caching)
    assert len(caching._cache) == 5
    assert 'value="19"' in widget.render("q", "19", renderer=caching)
    assert caching.hits == 1


def test_a_list_subclass_is_not_taken_for_its_items():
    """Django's ErrorList is a list whose template also reads its field's id: two error lists
    with the same message for two fields must not share their HTML."""
    from django.forms.utils import ErrorList

    caching = CachingRenderer()
    first = ErrorList(["必填项。"], field_id="id_a", renderer=caching)
    second = ErrorList(["必填项。"], field_id="id_b", renderer=caching)
    assert 'id="id_a_error"' in str(first)
    assert 'id="id_b_error"' in str(second)
    assert not caching._cache
