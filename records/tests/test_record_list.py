"""The records list page and its exports: what the user may see (a clerk: their department's),
narrowed by the filters, every matching row in the export, masked codes, formula text kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, User
from common import clock
from records import services
from records.models import CreditRecord, Polarity, RecordType, Severity
from subjects.models import Category, Subject

TODAY = dt.date(2024, 6, 3)
ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture
def fine(db: None) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")


@pytest.fixture
def award(db: None) -> RecordType:
    return RecordType.objects.create(
        code="award_city", name="市级表彰", polarity=Polarity.GOOD, severity="",
        default_points=Decimal("3"), publicity_months=36, legal_basis="—")


@pytest.fixture
def firm(db: None) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="+福州示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


@pytest.fixture
def person(db: None) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.INDIVIDUAL, code=ID_NUMBER, name="张三",
                                  category=Category.PRACTITIONER)


def enter(actor: User, subject: Subject, record_type: RecordType, number: str, decided: dt.date,
          **kwargs) -> CreditRecord:
    return services.record_create(actor=actor, subject=subject, record_type=record_type,
                                  occurred_on=decided, decided_on=decided,
                                  document_number=number, **kwargs)


@pytest.fixture
def archive(clerk, lead_clerk, firm, person, fine, award) -> dict[str, CreditRecord]:
    return {
        "a": enter(clerk, firm, fine, "罚〔2024〕1号", dt.date(2024, 1, 5), submit=True),
        "b": enter(clerk, person, fine, "罚〔2024〕2号", dt.date(2024, 2, 5)),
        "c": enter(lead_clerk, firm, award, "奖〔2024〕3号", dt.date(2024, 3, 5), submit=True),
        "d": enter(lead_clerk, person, fine, "罚〔2024〕4号", dt.date(2024, 4, 5)),
    }


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _page(client: Client, query: str) -> list[str]:
    return [r.document_number for r in
            client.get(reverse("records:list") + query).context["page"].object_list]


def test_filters_and_export_hold_the_same_rows(client, reviewer, archive, firm, award,
                                               other_department):
    client.force_login(reviewer)
    cases = {
        "": ["d", "c", "b", "a"],
        f"?subject={firm.pk}": ["c", "a"],
        "?state=submitted": ["c", "a"],
        "?polarity=good": ["c"],
        f"?record_type={award.pk}": ["c"],
        f"?department={other_department.pk}": ["b", "a"],
        "?source=lead": ["d", "c"],
        "?decided_from=2024-02-01&decided_to=2024/3/31": ["c", "b"],
        "?document_number=罚": ["d", "b", "a"],
    }
    for query, keys in cases.items():
        expected = [archive[k].document_number for k in keys]
        assert _page(client, query) == expected, query
        table = _csv(client.get(reverse("records:list") + query
                                + ("&" if query else "?") + "export=csv"))
        assert table[0][:4] == ["文书号", "版本", "信用主体", "代码"]
        assert [row[0] for row in table[1:]] == expected, query


def test_a_clerk_sees_and_exports_only_their_departments_records(client, clerk, archive):
    client.force_login(clerk)
    mine = [archive[k].document_number for k in ("b", "a")]
    assert _page(client, "") == mine
    assert [r[0] for r in _csv(client.get(reverse("records:list") + "?export=csv"))[1:]] == mine


def test_codes_masked_and_formula_names_text(client, admin_user, archive, person, firm):
    client.force_login(admin_user)  # may unmask on the subject page; the list masks for all
    response = client.get(reverse("records:list") + f"?subject={person.pk}&export=csv")
    rows = _csv(response)[1:]
    assert {r[3] for r in rows} == {person.display_code}
    assert ID_NUMBER not in response.content.decode("utf-8-sig")
    xlsx = client.get(reverse("records:list") + f"?subject={firm.pk}&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][2] == "'" + firm.name
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_export_every_row_not_one_page(client, reviewer, clerk, firm, fine):
    for n in range(33):
        enter(clerk, firm, fine, f"罚〔2024〕{n + 10}号", dt.date(2024, 1, 1))
    client.force_login(reviewer)
    assert len(_page(client, "?page=2")) == 3
    assert len(_csv(client.get(reverse("records:list") + "?page=2&export=csv"))) == 1 + 33


def test_subject_page_links_to_its_records(client, reviewer, archive, firm):
    client.force_login(reviewer)
    body = client.get(reverse("subjects:detail", args=[firm.pk])).content.decode()
    assert f'href="{reverse("records:list")}?subject={firm.pk}"' in body


def test_refused_to_anonymous_and_non_staff(client, archive):
    url = reverse("records:list") + "?export=xlsx"
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(User.objects.create_user(username="qiye", password="pass-word-123",
                                                role=Role.ENTERPRISE))
    assert client.get(url).status_code == 403


def test_page_order_ties_by_newest_id_and_read_in_index_order(reviewer, clerk, firm, fine):
    """Newest decision first, a day's records newest first: the order the page has always had,
    now read backwards along record_decided_order_idx. On SQLite the plan shows it (no sort of
    every record for a page of 30); PostgreSQL picks it by the table's size, so there only
    the order is checked."""
    from django.db import connection

    from records import selectors

    made = [enter(clerk, firm, fine, f"罚〔2024〕{n + 50}号", dt.date(2024, 1, 1 + n % 3))
            for n in range(7)]
    expected = sorted(made, key=lambda r: (r.decided_on, r.pk), reverse=True)
    page = selectors.record_list(user=reviewer)[:30]
    assert [r.pk for r in page] == [r.pk for r in expected]
    if connection.vendor == "sqlite":
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert "record_decided_order_idx" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
