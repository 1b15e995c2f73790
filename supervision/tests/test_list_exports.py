"""The plan list and a plan's inspections table export what they show (XLSX/CSV through the
shared list export): the filtered plans (every page), the items with masked codes, staff only."""

from __future__ import annotations

import csv
import io

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from supervision.models import InspectionPlan, PlanStatus
from supervision.tests.test_views import _plan, setting  # noqa: F401 — the shared county

__all__ = ["setting"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_plan_list_export_follows_the_filters(setting, reviewer, leader) -> None:  # noqa: F811
    firms_plan = _plan(reviewer)
    people_plan = _plan(reviewer, category="practitioner")
    InspectionPlan.objects.filter(pk=people_plan.pk).update(status=PlanStatus.PUBLISHED,
                                                            published_at=timezone.now())
    client = Client()
    client.force_login(leader)
    url = reverse("supervision:plans")
    for query, expected in (("", [people_plan, firms_plan]),
                            ("?category=practitioner", [people_plan]),
                            ("?status=draft", [firms_plan])):
        shown = [p.name for p in client.get(url + query).context["page"].object_list]
        table = _csv(client.get(url + query + ("&" if query else "?") + "export=csv"))
        assert table[0][:2] == ["计划", "主体类别"]
        assert [row[0] for row in table[1:]] == shown == [p.name for p in expected], query
    page = client.get(url + "?status=draft").content.decode()
    assert 'href="?status=draft&amp;export=xlsx"' in page


def test_plan_items_export_is_the_table_with_masked_codes(
        setting, reviewer, leader) -> None:  # noqa: F811
    plan = _plan(reviewer, category="practitioner")
    client = Client()
    client.force_login(leader)
    url = reverse("supervision:plan_detail", args=[plan.pk])
    items = list(client.get(url).context["items"])
    assert items
    table = _csv(client.get(url + "?export=csv"))
    assert table[0] == ["序号", "信用主体", "代码", "信用等级", "检查人员", "检查结果"]
    assert [row[1] for row in table[1:]] == [i.subject.name for i in items]
    assert [row[2] for row in table[1:]] == [i.subject.display_code for i in items]
    assert all("*" in row[2] for row in table[1:])  # individuals: ID numbers masked
    assert all(row[4] for row in table[1:])  # inspectors named, as on the page


def test_formula_like_plan_name_stays_text(setting, reviewer) -> None:  # noqa: F811
    plan = _plan(reviewer)
    InspectionPlan.objects.filter(pk=plan.pk).update(name="=cmd|' /C calc'!A0")
    client = Client()
    client.force_login(reviewer)
    response = client.get(reverse("supervision:plans") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][0] == "'=cmd|' /C calc'!A0"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_exports_refused_to_anonymous_and_non_staff(setting, reviewer) -> None:  # noqa: F811
    plan = _plan(reviewer)
    client = Client()
    for url in (reverse("supervision:plans"),
                reverse("supervision:plan_detail", args=[plan.pk])):
        response = client.get(url + "?export=csv")
        assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(User.objects.create_user(username="qiye", password="pass-word-123",
                                                role=Role.ENTERPRISE))
    assert client.get(reverse("supervision:plans") + "?export=csv").status_code == 403
