"""The top bar's badges: the due-steps count is one statement compiled once per process with a
marker for the horizon (`workbench.notify.due_step_count`); it must count what the four
querysets count, for any day, as the list steps fall due and as more cases arrive."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.bench_pages import TODAY, add_list_rows
from common import clock
from lists.models import BlacklistGround
from records.models import RecordType
from workbench import notify
from workbench.tests.test_home import nominated

pytestmark = pytest.mark.django_db


def expected(as_of: dt.date) -> int:
    horizon = notify.notice_horizon(as_of=as_of)
    return sum(qs.count() for qs in notify._step_querysets(horizon=horizon).values())


def test_due_step_count_counts_what_the_querysets_count(catalogue, clerk, lead_department):
    rows = {"clerk": clerk, "department": clerk.department,
            "record_type": RecordType.objects.filter(polarity="bad").order_by("code").first(),
            "ground": BlacklistGround.objects.order_by("pk").first(), "every": 2}
    with clock.frozen_at(TODAY):
        add_list_rows(n=6, start=0, **rows)  # objections due in 10 days, repairs in 15
        for days in (-3, 0, 2, 5, 9, 20):
            nominated(lead_department, due=TODAY + dt.timedelta(days=days))
    notify._badge_statements.clear()
    seen = set()
    for days in (-10, 0, 3, 6, 9, 14, 30):
        day = TODAY + dt.timedelta(days=days)
        with clock.frozen_at(day):
            count = notify.due_step_count(as_of=day)
        assert count == expected(day), day
        seen.add(count)
    assert len(seen) >= 4  # the days chosen move the count: the horizon is really applied
    assert list(notify._badge_statements) == [notify.connection.vendor]  # compiled once
    with clock.frozen_at(TODAY):
        add_list_rows(n=4, start=6, **rows)
        nominated(lead_department, due=TODAY)
        assert notify.due_step_count(as_of=TODAY) == expected(TODAY)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_state_badge_is_the_included_template_it_replaces(language, catalogue, clerk):
    """`{% state_badge r %}` writes what `{% include "common/_state.html" %}` wrote, for a
    record and a list entry in each of their states."""
    from django.template import Context, Template
    from django.utils import translation

    from lists.models import BlackListEntry, BlackState
    from records.models import CreditRecord, RecordState

    old = Template('<span class="state state-{{ r.state }}" data-state="{{ r.state }}">'
                   '{{ r.get_state_display }}</span>')
    new = Template("{% load workbench %}{% state_badge r %}")
    objects = ([CreditRecord(state=s) for s in RecordState.values]
               + [BlackListEntry(state=s) for s in BlackState.values])
    with translation.override(language):
        for obj in objects:
            assert new.render(Context({"r": obj})) == old.render(Context({"r": obj}))


@pytest.mark.parametrize("viewname", ["records:detail", "subjects:detail", "lists:black_detail",
                                      "lists:red_detail", "lists:sanction_detail",
                                      "lists:case_detail"])
def test_url_pk_is_reverse(viewname):
    """`{% url_pk %}` (the row links) writes what `{% url %}` writes, for any id, also under
    another script prefix."""
    from django.template import Context, Template
    from django.urls import reverse, set_script_prefix

    from workbench.templatetags import workbench as tags

    old = Template("{% url viewname pk %}")
    new = Template("{% load workbench %}{% url_pk viewname pk %}")
    for prefix in ("/", "/credit/"):
        set_script_prefix(prefix)
        try:
            for pk in (1, 7, 10, 918273645546372819, 2**40):
                context = {"viewname": viewname, "pk": pk}
                assert new.render(Context(context)) == old.render(Context(context))
                assert new.render(Context(context)) == reverse(viewname, args=[pk])
        finally:
            set_script_prefix("/")
    assert any(key[1] == "/credit/" for key in tags._url_shapes)


def test_ymd_is_the_date_filter():
    from django.template import Context, Template
    from django.utils import timezone

    old = Template('{{ v|date:"Y-m-d" }}')
    new = Template("{% load workbench %}{{ v|ymd }}")
    late_evening_utc = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)  # 3 March in Beijing
    for value in (dt.date(2026, 3, 2), dt.date(999, 1, 9), late_evening_utc,
                  timezone.localtime(late_evening_utc), None, ""):
        assert new.render(Context({"v": value})) == old.render(Context({"v": value})), value
