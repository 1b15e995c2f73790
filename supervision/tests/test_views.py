"""Workbench pages and XLSX exports of classified supervision."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common import clock
from records.models import RecordState
from supervision.models import InspectionPlan, PlanStatus, SupervisionMeasure
from supervision.services import plan_draw, plan_publish

FROM, TO = dt.date(2025, 3, 1), dt.date(2025, 6, 30)
TODAY = dt.date(2025, 4, 15)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setting(make_subjects, grade, measures, pool, record_types):
    firms = make_subjects(20)
    grade({f: ("D" if n < 4 else "A") for n, f in enumerate(firms)})
    people = make_subjects(10, category="practitioner", kind="individual")
    return firms, people


def _plan(user, category: str = "property_service") -> InspectionPlan:
    with clock.frozen_at(TODAY):
        return plan_draw(actor=user, category=category, date_from=FROM, date_to=TO, seed=99)


def _sheet_rows(content: bytes, sheet: int = 0) -> list[tuple]:
    wb = load_workbook(BytesIO(content))
    return [tuple(c for c in row) for row in wb.worksheets[sheet].iter_rows(values_only=True)]


def test_pages_render_for_readers(setting, reviewer, leader) -> None:
    plan = _plan(reviewer)
    client = _client(leader)
    for name, args in [("measures", []), ("plans", []), ("inspectors", []),
                       ("plan_detail", [plan.pk])]:
        response = client.get(reverse(f"supervision:{name}", args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("supervision:plan_detail", args=[plan.pk])).content.decode()
    assert str(plan.seed) in page and 'data-testid="publish-form"' not in page
    assert client.get(reverse("supervision:plan_draw")).status_code == 403
    assert client.post(reverse("supervision:plan_publish", args=[plan.pk])).status_code == 403
    measures_page = client.get(reverse("supervision:measures")).content.decode()
    assert "D" in measures_page and "100%" in measures_page


def test_draw_verify_publish_through_the_workbench(setting, reviewer) -> None:
    client = _client(reviewer)
    with clock.frozen_at(TODAY):
        response = client.post(reverse("supervision:plan_draw"), {
            "category": "property_service", "date_from": "2025-03-01",
            "date_to": "2025-06-30", "inspectors_per_subject": 2, "seed": "123"})
    assert response.status_code == 302
    plan = InspectionPlan.objects.get()
    assert plan.seed == 123 and plan.items.count() == 4 + 2  # 4 black-listed, 10% of 16
    verified = client.post(reverse("supervision:plan_verify", args=[plan.pk]))
    assert 'data-ok="1"' in verified.content.decode()
    with clock.frozen_at(TODAY):
        response = client.post(reverse("supervision:plan_publish", args=[plan.pk]),
                               {"public_note": "公告"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.public_note == "公告"


def test_draw_form_shows_service_refusal(setting, reviewer) -> None:
    client = _client(reviewer)
    SupervisionMeasure.objects.filter(grade="A", category="property_service").delete()
    response = client.post(reverse("supervision:plan_draw"), {
        "category": "property_service", "date_from": "2025-03-01", "date_to": "2025-06-30",
        "inspectors_per_subject": 2, "seed": "1"})
    assert response.status_code == 422
    assert "A" in response.context["form"].non_field_errors()[0]
    assert InspectionPlan.objects.count() == 0


def test_internal_export_opens_and_has_the_rows(setting, reviewer, leader) -> None:
    plan = _plan(reviewer)
    response = _client(leader).get(reverse("supervision:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response.content)
    items = list(plan.items.order_by("position").select_related("subject"))
    assert len(rows) == 1 + len(items)
    assert [r[1] for r in rows[1:]] == [i.subject.name for i in items]
    assert [r[3] for r in rows[1:]] == [i.grade for i in items]
    info = _sheet_rows(response.content, sheet=1)
    assert (str(plan.seed) in {r[1] for r in info}) and plan.input_digest in {r[1] for r in info}


def test_public_export_has_only_the_public_part(setting, reviewer, leader) -> None:
    _firms, people = setting
    plan = _plan(reviewer, category="practitioner")
    plan.internal_note = "内部：重点关注"
    plan.save()
    url = reverse("supervision:plan_export_public", args=[plan.pk])
    assert _client(leader).get(url).status_code == 404  # not published yet
    with clock.frozen_at(TODAY):
        plan_publish(actor=reviewer, plan=plan, public_note="抽查公告")
    response = _client(leader).get(url)
    assert response.status_code == 200
    rows = _sheet_rows(response.content)
    text = repr(rows)
    assert "抽查公告" in text and "内部" not in text and "UNGRADED" not in text
    assert not any(p.code in text for p in people)
    items = list(plan.items.order_by("position").select_related("subject"))
    body = rows[-len(items):]
    assert [r[1] for r in body] == [i.subject.name for i in items]
    assert all(r[2] in (None, "") for r in body)  # no code for individuals
    assert all(r[5] for r in body)  # inspectors' names


def test_result_entry_page(setting, reviewer, clerk) -> None:
    plan = _plan(reviewer)
    with clock.frozen_at(TODAY):
        plan_publish(actor=reviewer, plan=plan)
    item = plan.items.order_by("position").first()
    client = _client(clerk)
    url = reverse("supervision:item_result", args=[item.pk])
    assert client.get(url).status_code == 200
    with clock.frozen_at(TODAY):
        response = client.post(url, {"passed": "1", "document_number": "检〔2025〕1号",
                                     "decided_on": "2025-04-12", "description": "未发现问题"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.result_record.state == RecordState.SUBMITTED
    assert item.result_record.record_type.code == "inspection_good"


def test_inspector_and_conflict_forms(setting, reviewer, clerk) -> None:
    firms, _people = setting
    client = _client(reviewer)
    from supervision.models import ConflictRule, Inspector, InspectorPool
    pool = InspectorPool.objects.get()
    response = client.post(reverse("supervision:inspector_add"), {
        "pool": pool.pk, "name": "新检查员", "unit_name": "稽查队"})
    assert response.status_code == 302 and Inspector.objects.filter(name="新检查员").exists()
    response = client.post(reverse("supervision:conflict_add"), {
        "kind": "unit", "subject_code": firms[0].code.lower(), "unit_name": "稽查队",
        "reason": "属地"})
    assert response.status_code == 302
    rule = ConflictRule.objects.get()
    assert rule.subject == firms[0] and rule.unit_name == "稽查队"
    response = client.post(reverse("supervision:conflict_add"), {
        "kind": "pair", "subject_code": firms[0].code, "reason": "亲属"})
    assert response.status_code == 422  # no inspector named
    assert _client(clerk).post(reverse("supervision:pool_add"), {"name": "x"}).status_code == 403
