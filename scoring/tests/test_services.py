"""Model lifecycle with four eyes, immutability of published versions, and what-if."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from scoring import engine
from scoring.models import (
    CurrentBatch,
    EvaluationBatch,
    ModelStatus,
    PublishedModelChanged,
    ScoringModel,
)
from scoring.services import (
    model_publish,
    model_update_draft,
    model_upload_draft,
    what_if,
)

from .test_language import MINIMAL

AS_OF = dt.date(2026, 6, 30)


def test_upload_validates_and_numbers_versions(record_types, reviewer):
    first = model_upload_draft(actor=reviewer, source=MINIMAL)
    second = model_upload_draft(actor=reviewer, source=MINIMAL.replace("min = 60", "min = 65"))
    assert (first.code, first.version, first.status) == ("t", 1, ModelStatus.DRAFT)
    assert second.version == 2 and second.spec["grades"][0]["min"] == 6500
    assert first.created_by == reviewer
    assert AuditEvent.objects.filter(action="scoring.model_upload").count() == 2


def test_upload_reports_line_and_field(record_types, reviewer):
    with pytest.raises(ValidationFailed) as info:
        model_upload_draft(actor=reviewer, source=MINIMAL.replace("cap = 20", "cap = -1"))
    assert info.value.field == "source"
    assert str(info.value.message) == "line 12, item[1].cap: must be a non-negative number"


def test_only_model_managers_upload(record_types, clerk):
    with pytest.raises(PermissionDeniedError):
        model_upload_draft(actor=clerk, source=MINIMAL)


def test_update_draft_keeps_the_code(record_types, reviewer):
    draft = model_upload_draft(actor=reviewer, source=MINIMAL)
    updated = model_update_draft(actor=reviewer, model=draft,
                                 source=MINIMAL.replace('name = "test"', 'name = "试行"'))
    assert updated.name == "试行"
    with pytest.raises(ValidationFailed) as info:
        model_update_draft(actor=reviewer, model=draft,
                           source=MINIMAL.replace('code = "t"', 'code = "other"'))
    assert info.value.code == "code_changed"


def test_four_eyes_publish_and_retire_previous_version(record_types, reviewer, second_reviewer,
                                                       admin_user):
    v1 = model_upload_draft(actor=reviewer, source=MINIMAL)
    with pytest.raises(PermissionDeniedError) as info:
        model_publish(actor=reviewer, model=v1)
    assert info.value.code == "four_eyes"
    v1 = model_publish(actor=second_reviewer, model=v1)
    assert (v1.status, v1.published_by) == (ModelStatus.PUBLISHED, second_reviewer)
    v2 = model_upload_draft(actor=second_reviewer, source=MINIMAL.replace("min = 60", "min = 61"))
    model_update_draft(actor=admin_user, model=v2, source=v2.source)   # admin edited it too
    with pytest.raises(PermissionDeniedError):
        model_publish(actor=admin_user, model=v2)
    v2 = model_publish(actor=reviewer, model=v2)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (ModelStatus.RETIRED, ModelStatus.PUBLISHED)
    assert v1.retired_at is not None
    actions = list(AuditEvent.objects.filter(action__in=[
        "scoring.model_publish", "scoring.model_retire"]).values_list("action", "target_id"))
    assert actions == [("scoring.model_publish", str(v1.pk)),
                       ("scoring.model_retire", str(v1.pk)),
                       ("scoring.model_publish", str(v2.pk))]


def test_published_versions_never_change(record_types, reviewer, second_reviewer):
    model = model_publish(actor=second_reviewer,
                          model=model_upload_draft(actor=reviewer, source=MINIMAL))
    with pytest.raises(Conflict):
        model_update_draft(actor=reviewer, model=model, source=MINIMAL)
    model.source = MINIMAL.replace("min = 60", "min = 10")
    with pytest.raises(PublishedModelChanged):
        model.save()
    stored = ScoringModel.objects.get(pk=model.pk)
    stored.spec = {**stored.spec, "base": 1000}
    with pytest.raises(PublishedModelChanged):
        stored.save()
    with pytest.raises(AttributeError):   # the FSM field is protected: no direct assignment
        stored.status = ModelStatus.DRAFT


def test_what_if_compares_a_draft_with_the_model_in_effect(
        shipped, reviewer, make_subject, make_record):
    est = dt.date(2015, 1, 1)
    aa = make_subject("property_service", established_on=est, name="甲物业")        # 80 AA
    young = make_subject("property_service", established_on=dt.date(2024, 1, 1),
                         name="乙物业")                                               # 77 A
    fined = make_subject("property_service", established_on=est, name="丙物业")      # 70 A
    make_record(fined, "penalty_warning", decided_on=dt.date(2026, 1, 15))
    make_record(fined, "penalty_warning", decided_on=dt.date(2026, 2, 15))
    current = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    source = shipped["property_service"].source.replace(
        'name = "AA"\nmin = 80', 'name = "AA"\nmin = 76')
    draft = model_upload_draft(actor=reviewer, source=source)
    batches_before = EvaluationBatch.objects.count()

    result = what_if(draft=draft, as_of=AS_OF, actor=reviewer)

    assert result.baseline == shipped["property_service"]
    assert result.before == [("AA", 1), ("A", 2)]
    assert result.after == [("AA", 2), ("A", 1)]
    assert result.matrix == {("AA", "AA"): 1, ("A", "AA"): 1, ("A", "A"): 1}
    assert result.changed_count == 1 and result.subject_count == 3
    [change] = result.changes
    assert (change.subject_id, change.before_grade, change.after_grade) == (young.pk, "A", "AA")
    assert change.before_score == change.after_score == Decimal("77.00")
    assert sum(c.points for c in change.after_lines) == Decimal("77.00")
    # nothing graded for real, the pointer untouched
    assert EvaluationBatch.objects.count() == batches_before
    assert CurrentBatch.objects.get(category="property_service").batch == current
    assert AuditEvent.objects.filter(action="scoring.what_if").count() == 1
    assert aa.pk not in {c.subject_id for c in result.changes}


def test_what_if_without_a_model_in_effect(record_types, reviewer, make_subject):
    make_subject("property_service")
    draft = model_upload_draft(actor=reviewer, source=MINIMAL)
    result = what_if(draft=draft, as_of=AS_OF)
    assert result.baseline is None and result.before == []
    assert result.after == [("B", 1)] and result.changed_count == 1   # base 0, no records
