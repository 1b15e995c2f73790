"""Drill-downs of the lists, measures, commitments and inspections tables: every number links to
the entries behind it, filtered as the dashboard is, and the list is exactly as long as the
number; the lists are paged and exported through the shared spreadsheet writer."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.models import Commitment, CreditCheck
from common import clock
from lists.models import (
    BlackListEntry,
    BlacklistGround,
    KeySupervisionEntry,
    Objection,
    RedListEntry,
    RepairRequest,
)
from monitoring import tables
from monitoring.selectors import Filters, resolve
from monitoring.tests.conftest import SNAPSHOT_DAY, make_record
from scoring.models import Evaluation
from supervision.models import InspectionPlan, PlanItem

pytestmark = pytest.mark.django_db
D = dt.date


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def full_county(county, reviewer, clerk, leader) -> dict[str, Any]:
    """The county of conftest plus list entries, objections, repairs, commitments and a
    published inspection plan; then the snapshot of SNAPSHOT_DAY (20 March)."""
    from monitoring.services import snapshot_take

    s = county["subjects"]
    lead, other = county["lead"], county["other"]
    ground = BlacklistGround.objects.order_by("pk").first()

    def black(subject, department, state, effective_from, ended_on=None):
        return BlackListEntry.objects.create(
            subject=subject, ground=ground, department=department, facts="事实",
            proposed_by=reviewer, proposed_at=at(effective_from - dt.timedelta(days=20)),
            state=state, effective_from=effective_from, ended_on=ended_on)

    in_force = black(s[0], lead, "in_force", D(2026, 3, 5))
    expired = black(s[1], other, "expired", D(2026, 2, 2), ended_on=D(2026, 3, 10))
    black(s[2], lead, "in_force", D(2026, 3, 25))          # after the snapshot: not counted
    RedListEntry.objects.create(subject=s[3], source="department", department=other,
                                reasons="守信", nominated_at=at(D(2026, 2, 1)),
                                state="in_force", effective_from=D(2026, 3, 6))
    KeySupervisionEntry.objects.create(subject=s[4], rule="severe_record", reason="严重失信",
                                       entered_on=D(2026, 3, 3))
    Objection.objects.create(black_entry=in_force, objector="某物业", grounds="事实有误",
                             filed_on=D(2026, 3, 9), reply_due_on=D(2026, 3, 23),
                             registered_by=reviewer)
    RepairRequest.objects.create(entry=expired, proof="已履行", commitment="承诺",
                                 filed_on=D(2026, 3, 10), decision_due_on=D(2026, 3, 24),
                                 registered_by=reviewer, state="approved")
    # Commitments on the two credit checks of the county: one kept, one open past its deadline.
    checks = list(CreditCheck.objects.order_by("pk"))

    def commitment(check, state, accepted, deadline):
        return Commitment.objects.create(
            credit_check=check, subject=check.subject, matter=check.matter,
            department_id=check.department_id, created_by=check.asked_by, created_at=at(accepted),
            accepted_on=accepted, deadline=deadline, limit_on=deadline + dt.timedelta(days=30),
            missing=["营业执照"], text="承诺", signer="张三", scan="commitments/x.pdf",
            scan_name="x.pdf", scan_ext=".pdf", scan_content_type="application/pdf",
            scan_size=1, scan_sha256="0" * 64, state=state)

    commitment(checks[0], "fulfilled", D(2026, 3, 3), D(2026, 3, 13))
    commitment(checks[1], "open", D(2026, 3, 4), D(2026, 3, 10))
    # A published inspection plan: three subjects drawn, one with findings, one without a result.
    plan = InspectionPlan.objects.create(
        name="三月双随机", category="property_service", date_from=D(2026, 3, 2),
        date_to=D(2026, 3, 31), seed=1, algorithm="test", as_of=D(2026, 3, 1),
        inspectors_per_subject=1, draw_input={}, candidates_digest="0" * 64,
        input_digest="0" * 64, created_by=leader, status="published",
        published_by=leader, published_at=at(D(2026, 3, 1)))
    grades = dict(Evaluation.objects.filter(subject__in=s[:3]).values_list("subject_id", "grade"))
    failed = make_record(subject=s[0], code="inspection_failed", department=lead, user=reviewer,
                         decided_on=D(2026, 3, 12), entered=D(2026, 3, 13))
    passed = make_record(subject=s[1], code=county["on_time"].record_type.code,
                         department=lead, user=reviewer, decided_on=D(2026, 3, 12),
                         entered=D(2026, 3, 13))
    for position, (subject, record) in enumerate([(s[0], failed), (s[1], passed), (s[2], None)]):
        PlanItem.objects.create(plan=plan, position=position + 1, subject=subject,
                                grade=grades[subject.pk], result_record=record)
    with clock.frozen_at(SNAPSHOT_DAY):
        snapshot_take(day=SNAPSHOT_DAY)
    return county


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _table(key: str, **filters: Any) -> tables.Table:
    with clock.frozen_at(SNAPSHOT_DAY):
        return tables.BUILDERS[key](resolve(Filters(**filters)))


def _check_every_link(client: Client, table: tables.Table) -> int:
    """Open every number's drill-down: the list is as long as the number. Returns how many
    non-zero numbers were checked."""
    checked = 0
    for _first, cells, _link in table.display_cells:
        for value, href in cells:
            if href is None:
                continue
            with clock.frozen_at(SNAPSHOT_DAY):
                response = client.get(href)
            assert response.status_code == 200, href
            assert response.context["page"].paginator.count == int(value), (table.key, href)
            checked += int(value) > 0
    return checked


def test_every_list_number_links_to_the_entries_behind_it(full_county, leader):
    client = signed_in(leader)
    events = _table("list_events")
    march = next(r for r in events.rows if r[0] == "2026-03")
    assert march[1:] == [1, 1, 1, 0, 1, 0, 1, 1]   # black in/out, red in/out, key, obj., repair
    assert _check_every_link(client, events) == 7     # and the February entry
    outcomes = _table("list_outcomes")
    assert _check_every_link(client, outcomes) >= 3
    # The department filter narrows black and red lists as the dashboard does.
    by_lead = _table("list_events", department_id=full_county["lead"].pk)
    assert _check_every_link(client, by_lead) >= 1
    lead_march = next(r for r in by_lead.rows if r[0] == "2026-03")
    assert lead_march[1:3] == [1, 0]


def test_the_list_page_names_the_entries_pages_and_exports(full_county, leader):
    client = signed_in(leader)
    events = _table("list_events")
    march = events.rows.index(next(r for r in events.rows if r[0] == "2026-03"))
    href = events.display_cells[march][1][0][1]       # black list entries in March
    query = parse_qs(urlsplit(href).query)
    assert query["kind"] == ["black"] and query["event"] == ["entry"]
    assert query["month_from"] == query["month_to"] == ["2026-03"]
    with clock.frozen_at(SNAPSHOT_DAY):
        page = client.get(href)
        body = page.content.decode()
        assert full_county["subjects"][0].name in body
        assert full_county["subjects"][2].name not in body     # listed after the snapshot
        xlsx = client.get(href + "&export=xlsx")
        plain = client.get(href + "&export=csv")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert values[-1][0] == full_county["subjects"][0].name
    assert len(values) == 2 + 1 + 1        # title, what was drilled, header, the one entry
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == full_county["subjects"][0].name


def test_every_measure_number_links_to_the_measures_returned(full_county, leader):
    client = signed_in(leader)
    measures = _table("measures")
    assert _check_every_link(client, measures) >= 3
    per_department = _table("measures_departments")
    assert _check_every_link(client, per_department) >= 3
    only_other = _table("measures_departments", department_id=full_county["other"].pk)
    assert [r[1] for r in only_other.rows] == [1]
    assert _check_every_link(client, only_other) == 2    # returned, and its feedback overdue


def test_every_commitment_number_links_to_the_commitments(full_county, leader):
    client = signed_in(leader)
    table = _table("commitments")
    assert [r[1] for r in table.rows] == [2, 1, 0, 1, 1]
    assert _check_every_link(client, table) == 4
    with clock.frozen_at(SNAPSHOT_DAY):
        overdue = client.get(table.display_cells[4][1][0][1]).content.decode()
    assert CreditCheck.objects.order_by("pk")[1].number in overdue
    other = _table("commitments", department_id=full_county["other"].pk)
    assert [r[1] for r in other.rows] == [1, 0, 0, 1, 1]
    assert _check_every_link(client, other) == 3


def test_every_inspection_number_links_to_the_subjects_drawn(full_county, leader):
    client = signed_in(leader)
    table = _table("inspections")
    assert sum(r[3] for r in table.rows) == 3 and sum(r[5] for r in table.rows) == 2
    assert sum(r[6] for r in table.rows) == 1
    assert _check_every_link(client, table) >= 4
    # Outside the plan's month nothing is counted, and nothing is listed.
    february = _table("inspections", month_from=D(2026, 2, 1), month_to=D(2026, 2, 1))
    assert all(r[3] == 0 for r in february.rows) or not february.rows


def test_the_dashboard_links_the_numbers_and_refuses_clerks(full_county, leader, clerk):
    with clock.frozen_at(SNAPSHOT_DAY):
        body = signed_in(leader).get(reverse("monitoring:dashboard")).content.decode()
    for key in ("list_events", "list_outcomes", "measures", "measures_departments",
                "commitments", "inspections"):
        assert f'data-drill-cell="{key}"' in body, key
    entries = reverse("monitoring:entries", args=["commitments"])
    assert signed_in(clerk).get(entries).status_code == 403
    assert signed_in(leader).get(reverse("monitoring:entries", args=["nothing"])).status_code \
        == 404
    assert signed_in(leader).get(reverse("monitoring:entries", args=["lists"]),
                                 {"kind": "nonsense"}).status_code == 404


def test_drill_down_lists_are_paged(full_county, leader, monkeypatch):
    from monitoring import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = signed_in(leader)
    url = reverse("monitoring:entries", args=["measures"])
    with clock.frozen_at(SNAPSHOT_DAY):
        first = client.get(url)
        second = client.get(url, {"page": 2})
    assert first.context["page"].paginator.count == 3
    assert first.context["page"].paginator.num_pages == 3
    assert first.context["rows"] != second.context["rows"]
