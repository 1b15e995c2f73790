"""Every list page (black, red, key supervision, sanctions, typical cases) exports what it
shows: the same tab's entries (all of them, not the first 500), Chinese headers, codes masked as
on the page, formula-like names kept as text, staff only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.models import Role, User
from common import clock
from lists.models import (
    BlackListEntry,
    BlackState,
    IndustrySanction,
    KeyRule,
    KeyState,
    KeySupervisionEntry,
    RedListEntry,
    TypicalCase,
)
from lists.tests.helpers import propose
from subjects.models import Category, Subject

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def trick(db) -> Subject:
    """A subject whose name a spreadsheet program would run as a formula."""
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000200Y37",
                                  name="@SUM(1,2) 物业公司", category=Category.PROPERTY_SERVICE)


@pytest.fixture
def entries(clerk, subject, other_subject, trick, make_record):
    black_open = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    black_in_force = propose(clerk=clerk, subject=trick, make_record=make_record, on=MONDAY,
                             type_code="fraud")
    BlackListEntry.objects.filter(pk=black_in_force.pk).update(
        state=BlackState.IN_FORCE, decided_on=MONDAY, effective_from=MONDAY,
        effective_until=dt.date(2029, 3, 1))
    for who in (subject, trick):
        RedListEntry.objects.create(
            subject=who, department=clerk.department, source=RedListEntry.Source.DEPARTMENT,
            reasons="连续三年无不良记录。", nominated_by=clerk, nominated_at=timezone.now())
    KeySupervisionEntry.objects.create(subject=trick, rule=KeyRule.BLACK_LIST,
                                       reason="列入黑名单", entered_on=MONDAY)
    KeySupervisionEntry.objects.create(subject=other_subject, rule=KeyRule.LOWEST_GRADE,
                                       reason="=最低等级", entered_on=MONDAY,
                                       ended_on=dt.date(2026, 4, 1), end_reason="等级回升",
                                       state=KeyState.ENDED)
    for n, who in enumerate((subject, trick)):
        IndustrySanction.objects.create(
            subject=who, kind=IndustrySanction.Kind.WARNING,
            scope=IndustrySanction.Scope.PUBLIC, grounds="违规收费。", legal_basis="行业自律公约",
            document_number=f"物协惩〔2026〕{n}号", occurred_on=MONDAY,
            department=clerk.department, proposed_by=clerk, proposed_at=timezone.now())
    case = TypicalCase.objects.create(title="+虚假房源广告案", kind=TypicalCase.Kind.BAD,
                                      body="案情……", department=clerk.department, author=clerk)
    case.subjects.set([subject, trick])
    return {"black_open": black_open, "black_in_force": black_in_force}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


PAGES = [
    # (url name, query, header in Chinese, how a page entry appears in the first column)
    ("lists:black_list", "?tab=in_force", ["#", "信用主体", "代码", "列入事由"], "pk"),
    ("lists:black_list", "?tab=open", ["#", "信用主体", "代码", "列入事由"], "pk"),
    ("lists:black_list", "?tab=ended", ["#", "信用主体", "代码", "列入事由"], "pk"),
    ("lists:red_list", "?tab=open", ["#", "信用主体", "代码", "已推荐"], "pk"),
    ("lists:key_list", "", ["信用主体", "代码", "规则", "原因"], "subject"),
    ("lists:key_list", "?tab=ended", ["信用主体", "代码", "规则", "原因"], "subject"),
    ("lists:sanction_list", "", ["#", "信用主体", "代码", "惩戒种类"], "pk"),
    ("lists:case_list", "", ["#", "标题", "类别", "信用主体"], "pk"),
]


@pytest.mark.parametrize(("name", "query", "header", "first"), PAGES)
def test_each_list_page_exports_the_rows_it_shows(client, reviewer, entries, name, query,
                                                  header, first):
    client.force_login(reviewer)
    with clock.frozen_at(MONDAY):
        page = client.get(reverse(name) + query)
        shown = list(page.context["entries"])
        assert 'data-testid="export-xlsx"' in page.content.decode()
        with translation.override("zh-hans"):
            table = _csv(client.get(reverse(name) + query + ("&" if query else "?")
                                    + "export=csv"))
    assert table[0][:4] == header
    expected = [str(e.pk) if first == "pk" else e.subject.name for e in shown]
    assert [row[0].lstrip("'") for row in table[1:]] == expected


def test_tab_filters_the_export_and_links_keep_the_tab(client, reviewer, entries):
    client.force_login(reviewer)
    body = client.get(reverse("lists:black_list") + "?tab=open").content.decode()
    assert 'href="?tab=open&amp;export=xlsx"' in body
    rows = _csv(client.get(reverse("lists:black_list") + "?tab=open&export=csv"))[1:]
    assert [int(r[0]) for r in rows] == [entries["black_open"].pk]


def test_formula_like_text_stays_text_in_every_list_export(client, reviewer, entries, trick):
    client.force_login(reviewer)
    for name, query in (("lists:black_list", ""), ("lists:red_list", "?tab=open"),
                        ("lists:key_list", "?tab=ended"), ("lists:sanction_list", ""),
                        ("lists:case_list", "")):
        response = client.get(reverse(name) + query + ("&" if query else "?") + "export=xlsx")
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells), name
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert any(t.startswith(("'@SUM", "'=", "'+")) for t in texts), (name, texts)


def test_list_exports_refused_to_anonymous_and_non_staff(client, entries):
    url = reverse("lists:black_list") + "?export=csv"
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(User.objects.create_user(username="qiye", password="pass-word-123",
                                                role=Role.ENTERPRISE))
    for name in ("black_list", "red_list", "key_list", "sanction_list", "case_list"):
        assert client.get(reverse(f"lists:{name}") + "?export=xlsx").status_code == 403, name
