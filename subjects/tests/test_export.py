"""The subject list exports what it shows: every match of the same search (not one page), with
the codes masked as on the page, formula-like names kept as text, staff only."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Role, User
from common.spreadsheets import neutralise
from subjects.models import Category, Subject, SubjectName
from subjects.views import PAGE_SIZE

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def county(db: None) -> list[Subject]:
    subjects = [Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code=f"CODE{n:05d}",
                                       name=f"福州示范物业{n:02d}有限公司",
                                       category=Category.PROPERTY_SERVICE)
                for n in range(PAGE_SIZE + 5)]
    subjects.append(Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="CODE99999",
                                           name="=1+2 示范物业开发", category=Category.DEVELOPER))
    subjects.append(Subject.objects.create(kind=Subject.Kind.INDIVIDUAL, code=ID_NUMBER,
                                           name="张三（示范物业）",
                                           category=Category.PRACTITIONER))
    for subject in subjects:  # the name history the search reads, as registration writes it
        SubjectName.objects.create(subject=subject, name=subject.name)
    return subjects


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_search_export_holds_every_match_in_the_page_order(client: Client, reviewer: User,
                                                          county: list[Subject]):
    client.force_login(reviewer)
    url = reverse("subjects:list")
    first = client.post(url, {"q": "示范物业"})
    on_page = [neutralise(s.name) for s in first.context["subjects"]]  # as any cell is written
    assert len(on_page) == PAGE_SIZE and 'data-testid="export-xlsx"' in first.content.decode()
    with translation.override("zh-hans"):
        table = _csv(client.post(url, {"q": "示范物业", "export": "csv", "page": "2"}))
    assert table[0] == ["名称", "代码", "主体类别", "状态"]
    names = [row[0] for row in table[1:]]
    assert len(names) == len(county) and names[:PAGE_SIZE] == on_page
    assert names[PAGE_SIZE:] == [
        s.name for s in client.post(url, {"q": "示范物业", "page": "2"}).context["subjects"]]


def test_category_filter_and_masked_codes(client: Client, reviewer: User, admin_user: User,
                                          county: list[Subject]):
    for user in (reviewer, admin_user):  # an unmasking role sees what the page shows
        client.force_login(user)
        table = _csv(client.post(reverse("subjects:list"),
                                 {"q": "示范物业", "category": Category.PRACTITIONER,
                                  "export": "csv"}))
        assert [row[:2] for row in table[1:]] == [["张三（示范物业）", county[-1].display_code]]
        assert ID_NUMBER not in table[1][1]


def test_without_a_search_every_subject_of_the_category_newest_first(client: Client,
                                                                     clerk: User,
                                                                     county: list[Subject]):
    client.force_login(clerk)
    table = _csv(client.get(reverse("subjects:list"),
                            {"category": Category.PROPERTY_SERVICE, "export": "csv"}))
    assert [row[0] for row in table[1:]] == [s.name for s in reversed(county[:PAGE_SIZE + 5])]


def test_formula_like_name_stays_text(client: Client, clerk: User, county: list[Subject]):
    client.force_login(clerk)
    response = client.post(reverse("subjects:list"), {"q": "示范物业开发", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "'=1+2 示范物业开发"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_a_whole_id_number_search_offers_no_export_echoing_it(client: Client, reviewer: User,
                                                              county: list[Subject]):
    client.force_login(reviewer)
    body = client.post(reverse("subjects:list"), {"q": ID_NUMBER}).content.decode()
    assert ID_NUMBER not in body and 'data-testid="export-xlsx"' not in body


def test_export_refused_to_anonymous_and_non_staff(client: Client, county: list[Subject]):
    url = reverse("subjects:list") + "?export=csv"
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    outsider = User.objects.create_user(username="nobody", password="pass-word-123",
                                        role=Role.ENTERPRISE)
    client.force_login(outsider)
    assert client.get(url).status_code == 403
