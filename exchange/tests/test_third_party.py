"""Rating agencies and industry associations as sources of their own kind: registered only as
external sources, their records enter by API with the source named, are reviewed like any other,
show their source on the record page and the records list, and count in a grade only where a
scoring model names their types and weighs their kind of source above 0."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Department, Scope
from accounts.services import department_create
from common.errors import ValidationFailed
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_approve
from scoring.language import parse

from .conftest import USCC, Api

SHIPPED = Path(__file__).resolve().parents[2] / "scoring" / "models_shipped"
D1, D2 = dt.date(2024, 3, 1), dt.date(2024, 3, 2)
THIRD_PARTY_TYPES = ["third_party_rating_aaa", "third_party_rating_aa",
                     "association_rating_excellent", "association_commendation"]


@pytest.fixture
def catalogue(db) -> dict[str, RecordType]:
    call_command("loaddata", "record_types", verbosity=0)
    return {t.code: t for t in RecordType.objects.all()}


@pytest.fixture
def agency(admin_user) -> Department:
    return department_create(actor=admin_user, code="xypj", name="某信用评级有限公司",
                             kind=Department.Kind.EXTERNAL,
                             source_kind=Department.SourceKind.RATING_AGENCY)


@pytest.fixture
def association(admin_user) -> Department:
    return department_create(actor=admin_user, code="fdcxh", name="某县房地产业协会",
                             kind=Department.Kind.EXTERNAL,
                             source_kind=Department.SourceKind.ASSOCIATION)


def test_a_rating_agency_or_association_is_only_an_external_source(admin_user):
    with pytest.raises(ValidationFailed) as refused:
        department_create(actor=admin_user, code="x", name="某评级机构",
                          kind=Department.Kind.COOPERATING,
                          source_kind=Department.SourceKind.RATING_AGENCY)
    assert refused.value.code == "third_party_not_external"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        Department.objects.create(code="y", name="某协会", kind=Department.Kind.LEAD,
                                  source_kind=Department.SourceKind.ASSOCIATION)
    plain = department_create(actor=admin_user, code="z", name="某局",
                              kind=Department.Kind.EXTERNAL)
    assert plain.source_kind == Department.SourceKind.GOVERNMENT and not plain.is_third_party


def test_an_agencys_rating_enters_by_api_with_its_source_and_is_reviewed(
        issue, agency, enterprise, catalogue, reviewer):
    _token, plaintext = issue(scopes=[Scope.RECORDS_WRITE], department=agency)
    response = Api(plaintext).post("/api/v1/records", {
        "subject_code": USCC, "record_type": "third_party_rating_aaa",
        "occurred_on": "2024-03-01", "decided_on": "2024-03-10",
        "document_number": "评〔2024〕第0007号"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_department"] == {"code": "xypj", "name": "某信用评级有限公司",
                                         "source_kind": "rating_agency"}
    assert body["state"] == "submitted" and body["is_public"] is False
    record = CreditRecord.objects.get(pk=body["id"])
    assert record_approve(actor=reviewer, record=record).state == RecordState.EFFECTIVE


def test_source_on_the_record_page_and_the_list_filters_by_kind_of_source(
        client: Client, reviewer, agency, association, lead_department, enterprise, catalogue,
        admin_user):
    from records.services import record_create

    made = {}
    for department, code, number in [(agency, "third_party_rating_aa", "评-1"),
                                     (association, "association_commendation", "协-1"),
                                     (lead_department, "commendation_county", "县-1")]:
        made[department.code] = record_create(
            actor=admin_user, subject=enterprise, record_type=catalogue[code],
            occurred_on=D1, decided_on=D2, document_number=number,
            source_department=department, submit=True)
    client.force_login(reviewer)
    page = client.get(reverse("records:detail", args=[made["xypj"].pk])).content.decode()
    assert "某信用评级有限公司" in page and "信用评级机构" in page

    def listed(**params: str) -> set[str]:
        response = client.get(reverse("records:list"), params)
        assert response.status_code == 200
        return {r.document_number for r in response.context["page"].object_list}

    assert listed() == {"评-1", "协-1", "县-1"}
    assert listed(source_kind="rating_agency") == {"评-1"}
    assert listed(source_kind="association") == {"协-1"}
    assert listed(source_kind="government") == {"县-1"}
    assert listed(department=str(association.pk)) == {"协-1"}
    assert listed(source_kind="no-such-kind") == {"评-1", "协-1", "县-1"}  # ignored, not a 500


def test_a_clerk_lists_only_their_own_departments_records(client: Client, clerk, agency,
                                                          enterprise, catalogue, admin_user):
    from records.services import record_create

    record_create(actor=admin_user, subject=enterprise, record_type=catalogue[
        "third_party_rating_aa"], occurred_on=D1, decided_on=D2,
        document_number="评-2", source_department=agency, submit=True)
    client.force_login(clerk)
    response = client.get(reverse("records:list"), {"source_kind": "rating_agency"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 0


def test_third_party_types_count_only_where_a_model_names_them(catalogue):
    """Besides weighing by kind of source (`[sources]`, third parties 0 by default: tested in
    scoring/tests/test_source_weights.py), the catalogue keeps third-party information in types
    of their own (good, not public) that no shipped model's general item or veto matches unless
    it names the type or its group."""
    types = [catalogue[c] for c in THIRD_PARTY_TYPES]
    assert all(t.polarity == "good" and not t.is_public for t in types)
    sources = sorted(SHIPPED.glob("*.toml"))
    assert sources
    for path in sources:
        spec = parse(path.read_text(encoding="utf-8"))
        rules = [*spec.items, *(v for v in spec.vetoes if v.match is not None)]
        for rule in rules:
            for t in types:
                if rule.match.matches(code=t.code, group=t.group, polarity=t.polarity,
                                      severity=t.severity):
                    assert t.code in rule.match.types or t.group in rule.match.type_groups, (
                        f"{path.name}: {rule.code} counts {t.code} without naming it")
