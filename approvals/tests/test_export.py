"""The credit-check workbench exports the checks its table lists: every one (not only the 15
most recent), each officer's own unless they oversee, formula-like names kept as text."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.test import Client
from openpyxl import load_workbook

from accounts.models import Role, User
from approvals.services import credit_check
from common import clock

from .conftest import MONDAY, login, new_subject

FILING = "property_service_filing"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _checks(officer: User, n: int, name: str = "福州示范物业服务有限公司") -> list[str]:
    subject = new_subject(name)
    numbers = []
    for i in range(n):
        with clock.frozen_at(MONDAY + dt.timedelta(days=i // 5)):
            numbers.append(credit_check(actor=officer, code_or_name=subject.code,
                                        matter_code=FILING).number)
    return numbers


def test_export_holds_every_listed_check_in_the_table_order(window_officer, leader, catalogue):
    numbers = _checks(window_officer, 17)
    for user in (window_officer, leader):
        client = login(Client(), user)
        page = client.get("/approvals/")
        shown = [c.number for c in page.context["recent"]]
        assert len(shown) == 15 and 'data-testid="export-csv"' in page.content.decode()
        table = _csv(client.get("/approvals/?export=csv"))
        assert table[0][:3] == ["编号", "时间", "信用主体"]
        exported = [row[0] for row in table[1:]]
        assert exported[:15] == shown and sorted(exported) == sorted(numbers)


def test_another_departments_officer_exports_only_their_own(window_officer, catalogue,
                                                           other_department):
    _checks(window_officer, 2)
    other = User.objects.create_user(username="window9", password="pass-word-123",
                                     role=Role.WINDOW_OFFICER, department=other_department)
    mine = _checks(other, 1, name="另一家物业公司")
    client = login(Client(), other)
    assert [c.number for c in client.get("/approvals/").context["recent"]] == mine
    assert [row[0] for row in _csv(client.get("/approvals/?export=csv"))[1:]] == mine


def test_formula_like_subject_name_stays_text(window_officer, catalogue):
    _checks(window_officer, 1, name="-2+3 物业公司")
    response = login(Client(), window_officer).get("/approvals/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][2] == "'-2+3 物业公司"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_export_refused_to_anonymous_and_non_staff(client, catalogue):
    response = client.get("/approvals/?export=csv")
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(User.objects.create_user(username="qiye", password="pass-word-123",
                                                role=Role.ENTERPRISE))
    assert client.get("/approvals/?export=csv").status_code == 403
