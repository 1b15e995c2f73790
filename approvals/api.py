"""API v1 endpoints of the credit check: `GET /credit-check` and `GET /matters`.

A django-ninja Router mounted on the platform's API (by workbench/api.py); authentication is the
platform's bearer token (accounts.api_auth.TokenAuth), one token per department or external system,
with its own scope. Each call of /credit-check is a check like one at the window: it is stored
as a numbered snapshot (who asked: the token's department and name) and answers the same content
the workbench page shows. Errors leave in the API's one shape `{"error": {code, field, message}}`
through the API's handlers: 422 for a malformed code (the identifier check's own code, e.g.
`bad_check_character`), 404 `subject_not_found` / `matter_not_found`, 401 without a token.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from accounts.api_auth import TokenAuth
from approvals.models import CreditCheck, MatterKind, MeasureKind, Via
from approvals.selectors import active_matters, check_payload, subject_by_code
from approvals.services import BULK_MAX, credit_check, credit_check_bulk
from common.api import snapshot_response, tags
from common.api.schemas import PLAIN_TEXT, ErrorDetail, ErrorOut, RequiredText64
from subjects.models import Category, Subject

# Scope values the lead adds to exchange.models.Scope (plain strings here so this module does not
# depend on that edit): CHECKS_RUN = "checks:run", MATTERS_READ = "matters:read".
SCOPE_CHECKS = "checks:run"
SCOPE_MATTERS = "matters:read"

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

router = Router(tags=[tags.CREDIT_CHECKS])


# --- schemas -----------------------------------------------------------------------------------
class MaterialOut(Schema):
    code: str
    name: str
    essential: bool = Field(description=_("Essential materials must be complete; the others may "
                                        "be missing on a written commitment (容缺受理)."))
    why_optional: str


class MatterOut(Schema):
    code: str
    name: str
    kind: MatterKind
    kind_label: str
    subject_categories: list[str]
    legal_basis: str
    promised_days: int = Field(description=_("Promised processing time in working days."))
    allows_commitment: bool
    commitment_days: int | None = Field(description=_("Default days to supply missing materials."))
    materials: list[MaterialOut]


class MatterList(Schema):
    items: list[MatterOut]


class Asker(Schema):
    user: str
    name: str
    department: str
    department_code: str
    via: str
    token: str


class SubjectPart(Schema):
    name: str
    code: str = Field(description=_("ID numbers of individuals are masked."))
    kind: Subject.Kind
    category: Category
    category_label: str
    status: Subject.Status
    status_label: str


class MatterPart(Schema):
    code: str
    name: str
    kind: MatterKind
    kind_label: str
    allows_commitment: bool
    promised_days: int


class GradePart(Schema):
    grade: str
    score: str
    rank: int | None = Field(description=_("0 = the model's best grade; null for a veto grade."))
    lowest: bool
    grades: list[str] = Field(description=_("The model's grades, best first."))
    batch: int
    batch_as_of: str
    evaluated_as_of: str
    model: str = Field(description=_("Scoring model code:version."))
    model_name: str


class ListPart(Schema):
    kind: Literal["red", "black", "key"] = Field(description=_("key: key supervision."))
    label: str
    reference: str
    since: str | None
    until: str | None
    summary: str


class BadRecord(Schema):
    type_code: str
    type: str
    severity: str
    document_number: str
    decided_on: str
    publicity_ends_on: str
    department: str


class BadRecords(Schema):
    count: int
    by_severity: dict[str, int]
    items: list[BadRecord]


class Warning_(Schema):
    code: str = Field(description=_("One of: breach_pending_review, commitment_overdue, "
                                    "subject_status."))
    commitment: str
    message: str


class Reason(Schema):
    rule: str
    rule_name: str
    why: str
    basis: str


class RefusalReason(Reason):
    measure: str = Field(description=_("The restriction that refused the incentive."))
    measure_name: str
    condition: str = Field("", description=_("The eligibility condition that refused it, if any."))
    until: str | None = Field(None, description=_("First day the condition no longer holds."))


class EligibilityOut(Schema):
    condition: str = Field(description=_("One of: bad_record_in_force, "
                                         "sanction_pending_or_decided, key_supervision, "
                                         "black_list, commitment_broken."))
    name: str
    why: str
    basis: str
    until: str | None = Field(None, description=_("First day the condition no longer holds."))
    incentives: list[str] = Field(description=_("The incentives it refuses."))


class MeasureOut(Schema):
    code: str
    name: str
    kind: MeasureKind
    legal_basis: str
    reasons: list[Reason]


class RefusedOut(MeasureOut):
    refused_by: list[RefusalReason]


class AcceptWithMissing(Schema):
    allowed: bool
    reason: str


class RuleSetPart(Schema):
    label: str
    name: str


class CreditCheckOut(Schema):
    number: str = Field(description=_("The check's number, verifiable on the platform."))
    checked_at: str
    as_of: str
    asked_by: Asker
    subject: SubjectPart
    matter: MatterPart
    grade: GradePart | None
    lists: list[ListPart]
    bad_records: BadRecords = Field(description=_("Effective bad records still disclosed."))
    warnings: list[Warning_]
    eligibility: list[EligibilityOut] = Field(
        [], description=_("Conditions that refuse incentives (green channel, 容缺受理, incentive "
                        "points, red-list nomination), each with its rule."))
    measures: list[MeasureOut]
    refused: list[RefusedOut]
    accept_with_missing: AcceptWithMissing
    rule_set: RuleSetPart


# --- endpoints ---------------------------------------------------------------------------------
def _matter_out(matter: Any) -> dict[str, Any]:
    return {
        "code": matter.code, "name": matter.name, "kind": matter.kind,
        "kind_label": str(matter.get_kind_display()),
        "subject_categories": list(matter.subject_categories or []),
        "legal_basis": matter.legal_basis, "promised_days": matter.promised_days,
        "allows_commitment": matter.allows_commitment, "commitment_days": matter.commitment_days,
        "materials": [{"code": m.code, "name": m.name, "essential": m.essential,
                       "why_optional": m.why_optional} for m in matter.materials.all()],
    }


@router.get("/matters", auth=TokenAuth(SCOPE_MATTERS), response={200: MatterList, **ERRORS},
            summary=_("The matters catalogue with codes and materials"))
def list_matters(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_matter_out(m) for m in active_matters()]}


@router.get("/credit-check", auth=TokenAuth(SCOPE_CHECKS),
            response={200: CreditCheckOut, **ERRORS},
            summary=_("Run a credit check for a subject and a matter"),
            description=_("The check is stored and numbered; its number can be verified on "
                          "the platform."))
def run_credit_check(
    request: HttpRequest,
    code: str = Query(..., min_length=1, max_length=64, pattern=PLAIN_TEXT,
                      description=_("USCC or resident ID number (whole).")),
    matter: str = Query(..., min_length=1, max_length=60, pattern=PLAIN_TEXT,
                        description=_("Matter code, see GET /matters.")),
) -> HttpResponse:
    """The stored snapshot, answered as stored (`snapshot_response`: in CreditCheckOut's
    shape already, so not validated against it a second time)."""
    token = request.auth  # type: ignore[attr-defined]
    subject = subject_by_code(code=code, with_evaluation=True)
    check = credit_check(actor=token.user, subject=subject, matter_code=matter, via=Via.API,
                         token_label=f"{token.name} ({token.prefix})")
    return snapshot_response(check_payload(check=check))


# --- many subjects in one call -------------------------------------------------------------------
class BulkCheckIn(Schema):
    matter: str = Field(min_length=1, max_length=60, pattern=PLAIN_TEXT,
                        description=_("Matter code, see GET /matters."))
    codes: list[RequiredText64] = Field(
        description=format_lazy(_("Unified social credit codes or resident ID numbers (whole), "
                                  "at most {n}; each is checked and answered in this order."),
                                n=BULK_MAX))


class BulkCheckItem(Schema):
    index: int = Field(description=_("Position of the code in `codes` (from 0)."))
    check: CreditCheckOut | None = Field(None, description=_("The stored, numbered check."))
    error: ErrorDetail | None = Field(
        None, description=_("Why this code got no check (malformed or unknown code, a matter "
                            "not for the subject's category); the others are checked."))


class BulkCheckOut(Schema):
    count: int = Field(description=_("Codes received."))
    checked: int = Field(description=_("Checks stored."))
    items: list[BulkCheckItem]


@router.post("/credit-check/bulk", auth=TokenAuth(SCOPE_CHECKS),
             response={200: BulkCheckOut, 400: ErrorOut, **ERRORS},
             tags=[tags.CREDIT_CHECKS],
             summary=_("Credit checks of many subjects in one call (each stored, numbered)"),
             description=_("Each subject is checked as by GET /credit-check and answered with "
                           "its own numbered snapshot; more subjects than the limit are "
                           "refused."))
def run_credit_check_bulk(request: HttpRequest, payload: BulkCheckIn) -> dict[str, Any]:
    """Each subject is checked as by `GET /credit-check` and answered with its own numbered
    snapshot; more than the limit is refused (422 `too_many_subjects`)."""
    token = request.auth  # type: ignore[attr-defined]
    outcomes = credit_check_bulk(actor=token.user, matter_code=payload.matter,
                                 codes=payload.codes, via=Via.API,
                                 token_label=f"{token.name} ({token.prefix})")
    items: list[dict[str, Any]] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, CreditCheck):
            items.append({"index": index, "check": check_payload(check=outcome)})
        else:
            items.append({"index": index, "error": {"code": outcome.code, "field": "codes",
                                                    "message": str(outcome.message)}})
    return {"count": len(outcomes), "checked": sum(1 for i in items if "check" in i),
            "items": items}
