"""The demo county: valid identifiers, full catalogue coverage, four eyes, determinism, refusal.

Demo data is what people see first and what load tests run against, so it must obey the same
invariants as real data even though it bypasses the services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from accounts.models import Department, User
from audit.models import AuditEvent
from audit.selectors import verify_chain
from common.errors import Conflict
from records.models import CreditRecord, RecordType
from records.rules import publicity_end_date
from subjects.identifiers import validate_id_number, validate_uscc
from subjects.models import Subject, SubjectName
from workbench import demo

SMALL = {"subjects": 40, "practitioners": 20, "records": 300, "seed": 7}


@pytest.fixture
def county(db) -> dict:
    return demo.seed(**SMALL)


def db_digest() -> str:
    """The stored county with ids replaced by natural keys: ids differ between runs, data not."""
    h = hashlib.sha256()
    subjects = Subject.objects.order_by("code").values_list(
        "kind", "code", "name", "category", "status", "legal_representative", "address",
        "contact_phone", "qualification", "established_on", "employer__code", "created_at")
    names = SubjectName.objects.order_by("subject__code", "valid_from", "name").values_list(
        "subject__code", "name", "valid_from", "valid_until")
    records = CreditRecord.objects.order_by(
        "source_department__code", "document_number").values_list(
        "subject__code", "record_type__code", "source_department__code", "document_number",
        "occurred_on", "decided_on", "publicity_ends_on", "state", "amount", "level",
        "description", "is_public", "created_by__username", "submitted_by__username",
        "reviewed_by__username", "created_at", "submitted_at", "reviewed_at")
    for query in (subjects, names, records):
        for row in query:
            h.update(repr(row).encode())
    return h.hexdigest()


def test_catalogue_fixture_follows_the_publicity_tiers():
    rows = [r["fields"] for r in json.loads(demo.FIXTURE.read_text(encoding="utf-8"))]
    codes = {r["code"] for r in rows}
    assert 30 <= len(rows) <= 50 and len(codes) == len(rows)
    assert {"commitment_breach", "fraud", "bank_debt_evasion", "tax_evasion", "false_accounts",
            "commendation_national", "commendation_provincial", "commendation_city",
            "commendation_county", "inspection_good", "inspection_failed"} <= codes
    for r in rows:
        points = float(r["default_points"])
        if r["polarity"] == "good":
            assert r["severity"] == "" and points > 0 and r["publicity_months"] == 36, r
        else:
            assert points < 0, r
            allowed = {"general": {12}, "serious": {24, 36}, "severe": {36}}[r["severity"]]
            assert r["publicity_months"] in allowed, r
        assert r["legal_basis"] and r["is_active"]
    assert next(r for r in rows if r["code"] == "commitment_breach")["severity"] == "serious"


def test_every_code_is_valid_without_warnings(county):
    enterprises = Subject.objects.filter(kind="enterprise")
    individuals = Subject.objects.filter(kind="individual")
    assert enterprises.count() == 40 and individuals.count() == 20
    for code in enterprises.values_list("code", flat=True):
        assert validate_uscc(code).warnings == [], code
    for code in individuals.values_list("code", flat=True):
        checked = validate_id_number(code)
        assert checked.code[:4] == "4108" and 1960 <= checked.birth_date.year <= 2000
    assert set(enterprises.values_list("category", flat=True)) == set(demo.ENTERPRISE_CATEGORIES)
    assert not individuals.exclude(category="practitioner").exists()
    assert not individuals.filter(employer__isnull=True).exists()
    assert not individuals.exclude(employer__kind="enterprise").exists()


def test_every_record_type_is_used(county):
    types = RecordType.objects.filter(is_active=True).count()
    assert SMALL["records"] >= 3 * types
    used = CreditRecord.objects.values("record_type").distinct().count()
    assert used == types


def test_four_eyes_and_states(county):
    records = CreditRecord.objects.all()
    assert records.count() == SMALL["records"] == county["records"]
    states = Counter(records.values_list("state", flat=True))
    assert states["effective"] > states["submitted"] > 0 and states["draft"] > 0
    assert set(states) == {"effective", "submitted", "draft"}
    effective = records.filter(state="effective")
    assert not effective.filter(Q(reviewed_by__isnull=True) | Q(submitted_by__isnull=True)).exists()
    assert not effective.filter(reviewed_by=F("submitted_by")).exists()
    assert not effective.filter(reviewed_at__lt=F("submitted_at")).exists()
    assert not records.filter(state="submitted", reviewed_by__isnull=False).exists()
    assert not records.filter(state="draft").exclude(submitted_by=None, reviewed_by=None).exists()
    reviewers = set(User.objects.filter(role="lead_reviewer").values_list("pk", flat=True))
    assert set(effective.values_list("reviewed_by", flat=True)) <= reviewers


def test_records_obey_dates_numbers_and_amounts(county):
    as_of = demo.AS_OF
    window = as_of.replace(year=as_of.year - 4)
    duplicates = (CreditRecord.objects.values("source_department", "document_number")
                  .annotate(n=Count("id")).filter(n__gt=1))
    assert not duplicates.exists()
    for r in CreditRecord.objects.select_related("record_type", "subject"):
        assert window <= r.occurred_on <= r.decided_on <= as_of
        assert r.publicity_ends_on == publicity_end_date(record_type=r.record_type,
                                                        decided_on=r.decided_on)
        assert r.is_public == r.record_type.is_public
        assert r.subject.established_on is None or r.occurred_on >= r.subject.established_on
        if r.record_type.code.startswith("commendation_"):
            assert r.level == r.record_type.code.removeprefix("commendation_")
        if r.record_type.code == "penalty_fine":
            assert r.amount and r.amount > 0
    assert CreditRecord.objects.filter(document_number__regex=r"〔20\d\d〕第\d{4}号$").exists()


def test_names_history(county):
    for subject in Subject.objects.prefetch_related("names"):
        current = [n for n in subject.names.all() if n.valid_until is None]
        assert [n.name for n in current] == [subject.name]
        for former in (n for n in subject.names.all() if n.valid_until is not None):
            assert former.valid_until == current[0].valid_from and former.name != subject.name
    assert county["subject_names"] == SubjectName.objects.count()


def test_former_names_are_about_one_in_twenty():
    gen = demo.CountyGenerator(seed=11)
    renamed = sum(len(row["names"]) > 1 for row in gen.enterprises(2000))
    assert 40 <= renamed <= 160


def test_departments_users_and_one_audit_event(county):
    """Departments and staff through the audited services; the bulk rows under one genesis
    event whose digest is the generated rows' own (so the chain attests which county)."""
    assert Department.objects.get(kind="lead").code == "lead"
    assert Department.objects.get(code="credit-platform").kind == "external"
    assert Department.objects.filter(kind="cooperating").count() == 4
    # Each of the county's own departments has a valid code of its own (the 双公示 export writes
    # it as the deciding authority's); the external platform has none of ours.
    own_codes = [d.credit_code for d in Department.objects.exclude(kind="external")]
    assert len(set(own_codes)) == 5 and all(validate_uscc(c).code == c for c in own_codes)
    assert Department.objects.get(kind="external").credit_code == ""
    for username in ("clerk_fgs", "reviewer_a", "reviewer_b", "window_a", "leader_a", "auditor_a"):
        assert not User.objects.get(username=username).has_usable_password()
    event = AuditEvent.objects.get(action="demo.seed")
    assert event.target_id == "7" and event.actor_id is None
    assert event.after["records"] == 300 and event.after["enterprises"] == 40
    assert event.after["rows_digest"] == demo.rows_digest(
        seed=7, subjects=40, practitioners=20, records=300, catalogue=demo.catalogue_from_db())
    assert event.after["rows_digest"] != demo.rows_digest(
        seed=7, subjects=40, practitioners=20, records=299, catalogue=demo.catalogue_from_db())
    assert AuditEvent.objects.filter(action="department.create").count() == 6
    assert set(AuditEvent.objects.filter(action="user.create").values_list(
        "after__username", flat=True)) == {u[0] for u in demo.USERS}
    checked, broken = verify_chain()
    assert broken is None and checked == AuditEvent.objects.count()


def test_same_seed_same_rows_without_a_database():
    a = demo.rows_digest(seed=7, subjects=30, practitioners=10, records=200)
    assert a == demo.rows_digest(seed=7, subjects=30, practitioners=10, records=200)
    assert a != demo.rows_digest(seed=8, subjects=30, practitioners=10, records=200)
    assert a != demo.rows_digest(seed=7, subjects=30, practitioners=10, records=200,
                                 as_of=dt.date(2025, 1, 1))


def test_subjects_do_not_depend_on_the_record_count():
    def subjects(records: int) -> list:
        gen = demo.CountyGenerator(seed=5)
        rows = list(gen.enterprises(20)) + list(gen.practitioners(5))
        list(gen.records(records, demo.catalogue_from_fixture()))
        return rows

    assert subjects(50) == subjects(500)


@pytest.mark.django_db
def test_same_seed_same_database_contents():
    demo.seed(**SMALL)
    first = db_digest()
    CreditRecord.objects.all().delete()
    Subject.objects.all().delete()
    demo.seed(**SMALL)
    assert db_digest() == first


@pytest.mark.django_db
def test_refuses_a_second_run_unless_appending():
    call_command("seed_demo", subjects=10, practitioners=5, records=60, seed=1, no_progress=True)
    with pytest.raises(CommandError, match="--append"):
        call_command("seed_demo", subjects=10, practitioners=5, records=60, seed=1,
                     no_progress=True)
    with pytest.raises(Conflict):
        demo.seed(subjects=1, practitioners=0, records=0, seed=2)
    # Appending, even with the same seed, continues the numbering: no code or number collides.
    call_command("seed_demo", subjects=10, practitioners=5, records=60, seed=1, append=True,
                 no_progress=True)
    assert Subject.objects.count() == 30
    assert CreditRecord.objects.count() == 120
    assert Subject.objects.values("code").distinct().count() == 30
    assert not (CreditRecord.objects.values("source_department", "document_number")
                .annotate(n=Count("id")).filter(n__gt=1).exists())
    assert AuditEvent.objects.filter(action="demo.seed").count() == 2


def test_generated_identifiers_never_repeat():
    codes = {demo.enterprise_code(i, "410823", new_style=i % 2 == 0) for i in range(20000)}
    assert len(codes) == 20000
    ids = {demo.id_number(i)[0] for i in range(20000)}
    assert len(ids) == 20000
