"""API v1 door onto grades: `GET /subjects/{code}/evaluation` (django-ninja Router).

Mounted by the API composition (workbench/api.py) with `api.add_router("", scoring_router)`; the
answer uses the same selectors and the same rule names as the subject page's evaluation panel,
so a calling system reads exactly what a clerk sees. Token scope: subjects:read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Field, Path, Router, Schema, Status

from accounts.api_auth import TokenAuth
from accounts.models import Scope
from common.api import tags
from common.api.schemas import ErrorOut, RequiredText64
from scoring import selectors
from scoring.engine import spec_of
from subjects.selectors import get_subject

PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"


class ModelRef(Schema):
    code: str
    version: int
    name: str


class ContributionOut(Schema):
    kind: str
    rule_code: str
    rule_name: str
    record_id: int | None
    document_number: str
    record_type: str
    decided_on: dt.date | None
    raw_points: Decimal
    points: Decimal
    cap_applied: bool
    decay_factor: Decimal | None
    detail: str
    source_weight: Decimal | None = Field(None, description=_lazy(
        "Weight the model gives this record's kind of source (rating agency, industry "
        "association) when it is not 1; 0: not counted. Explained in detail."))


class EvaluationOut(Schema):
    subject_code: str
    grade: str
    score: Decimal
    veto: str
    veto_name: str
    batch_id: int
    as_of: dt.date
    model: ModelRef
    contributions: list[ContributionOut]
    total: Decimal
    matches_stored: bool


router = Router(tags=[tags.EVALUATION])


# The body of `POST /subjects/lookup/evaluation`: the code in the body, never in a URL.
class EvaluationLookupIn(Schema):
    code: RequiredText64 = Field(
        description=_lazy("Unified social credit code or resident ID number (whole)."))


# Declared before `/subjects/{code}/evaluation`, whose path would take "lookup" for a code.
@router.post("/subjects/lookup/evaluation", auth=TokenAuth(Scope.SUBJECTS_READ),
             response={200: EvaluationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                       404: ErrorOut, 422: ErrorOut},
             summary=_lazy("A subject's grade, looked up by code or ID number"),
             description=_lazy("As GET /subjects/{code}/evaluation, with the code (an "
                               "individual's ID number included) in the JSON body, so it "
                               "appears in no URL."))
def lookup_evaluation(request: HttpRequest, payload: EvaluationLookupIn) -> Status:
    return _evaluation(get_subject(code=payload.code))


@router.get("/subjects/{code}/evaluation", auth=TokenAuth(Scope.SUBJECTS_READ),
            response={200: EvaluationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                      422: ErrorOut},
            summary=_lazy("A subject's current grade, score and the contributions that make it"),
            description=_lazy("Grade in the category's current batch, with every contribution "
                              "line (record, rule, raw points, decay, cap applied) summing "
                              "exactly to the score. An individual's ID number in this path is "
                              "deprecated: use POST /subjects/lookup/evaluation."))
def subject_evaluation(
    request: HttpRequest, response: HttpResponse,
    code: str = Path(..., max_length=64, pattern=PLAIN_TEXT),
) -> Status:
    subject = get_subject(code=code)
    if subject.kind == subject.Kind.INDIVIDUAL:  # deprecated (RFC 9745); the lookup succeeds it
        response["Deprecation"] = "true"
        response["Link"] = '</api/v1/subjects/lookup/evaluation>; rel="alternate"'
    return _evaluation(subject)


def _evaluation(subject: Any) -> Status:
    """Grade in the category's current batch, with every contribution line (record, rule,
    raw points, decay, cap applied) summing exactly to the score."""
    explained = selectors.explanation(subject=subject)
    if explained is None:
        return Status(404, {"error": {"code": "not_graded", "field": None,
                                      "message": _("This subject has not been graded yet.")}})
    evaluation, model = explained.evaluation, explained.model
    spec = spec_of(model)
    return Status(200, {
        "subject_code": subject.display_code, "grade": evaluation.grade,
        "score": evaluation.score, "veto": evaluation.veto,
        "veto_name": spec.rule_name(evaluation.veto) if evaluation.veto else "",
        "batch_id": explained.batch.pk, "as_of": explained.as_of,
        "model": {"code": model.code, "version": model.version, "name": model.name},
        "contributions": [
            {"kind": line.kind, "rule_code": line.rule_code, "rule_name": line.rule_name,
             "record_id": line.record_id, "document_number": line.document_number,
             "record_type": line.record_type, "decided_on": line.decided_on,
             "raw_points": line.raw_points, "points": line.points,
             "cap_applied": line.cap_applied, "decay_factor": line.decay_factor,
             "detail": line.detail, "source_weight": line.source_weight}
            for line in explained.lines
        ],
        "total": explained.total, "matches_stored": explained.matches_stored,
    })


scoring_router = router
