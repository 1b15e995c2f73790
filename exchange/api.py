"""API v1 endpoints for subjects and records (a django-ninja Router, mounted at /api/v1/ by
`workbench.api`): a thin door onto the same services and selectors the workbench uses.

Each endpoint parses, resolves codes, calls one service or selector and shapes the answer. The
API object, its error bodies and docs are `common.api`; token authentication is
`accounts.api_auth`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Status

from accounts.api_auth import TokenAuth
from accounts.models import ApiToken, Scope
from common.api import ERRORS, tags
from common.api.schemas import MAX_PAGE, MAX_PAGE_SIZE, PLAIN_TEXT
from exchange.schemas import (
    LookupIn,
    RecordIn,
    RecordOut,
    RecordPage,
    RecordsLookupIn,
    SubjectCreatedOut,
    SubjectIn,
    SubjectOut,
    SubjectPage,
    SubjectSummary,
)
from exchange.selectors import record_type_for_input, subject_for_input
from exchange.services import api_reveal_personal_data
from records.selectors import records_for_subject
from records.services import record_create
from subjects.models import Category, Subject
from subjects.selectors import all_subjects, former_names, get_subject, search_subjects
from subjects.services import subject_create

router = Router()
LOOKUP_PATH = "/api/v1/subjects/lookup"


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined]


# --- subjects ---------------------------------------------------------------------------------
@router.post("/subjects", auth=TokenAuth(Scope.SUBJECTS_WRITE), tags=[tags.SUBJECTS],
             response={201: SubjectCreatedOut, **ERRORS}, summary=_("Register a credit subject"),
             description=_("Registers an enterprise by its unified social credit code or an "
                           "individual by the resident ID number, through the same checks as "
                           "the workbench form."))
def create_subject(request: HttpRequest, payload: SubjectIn) -> Status:
    token = _token(request)
    category = str(payload.category)
    kind = payload.kind or (
        Subject.Kind.INDIVIDUAL if category == Category.PRACTITIONER else Subject.Kind.ENTERPRISE
    )
    employer = (
        subject_for_input(code=payload.employer_code, field="employer_code")
        if payload.employer_code else None
    )
    subject = subject_create(
        actor=token.user, kind=kind, code=payload.code, name=payload.name, category=category,
        legal_representative=payload.legal_representative, address=payload.address,
        contact_phone=payload.contact_phone, qualification=payload.qualification,
        established_on=payload.established_on, employer=employer,
    )
    # The caller just sent the values; it sees them in full only if it may read personal data.
    out = SubjectOut.build(subject, former=[], full=Scope.PERSONAL_DATA in token.scopes)
    # stored "; "-joined, and a message may itself contain "; ": kept whole, not split
    out["warnings"] = [subject.code_warning] if subject.code_warning else []
    return Status(201, out)


@router.get("/subjects", auth=TokenAuth(Scope.SUBJECTS_READ), tags=[tags.SUBJECTS],
            response={200: SubjectPage, **ERRORS},
            summary=_("List subjects, or search them by name or code"),
            description=_("Without a query: every subject, by name, a page at a time."))
def list_subjects(
    request: HttpRequest,
    q: str = Query("", max_length=100, pattern=PLAIN_TEXT,
                   description=_("Whole code, or part of a current or former name; "
                                 "empty or absent: every subject, by name.")),
    category: Category | None = None,
    kind: Subject.Kind | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    offset = (page - 1) * page_size
    if q.strip():
        subjects, total = search_subjects(q=q, category=category, kind=kind, limit=page_size,
                                          offset=offset)
    else:
        subjects, total = all_subjects(category=category, kind=kind, limit=page_size,
                                       offset=offset)
    return {"items": [SubjectSummary.build(s) for s in subjects], "total": total,
            "page": page, "page_size": page_size}


def _deprecate_id_number_in_path(response: HttpResponse, subject: Subject,
                                 successor: str = LOOKUP_PATH) -> None:
    """An individual's ID number in a path still answers, marked deprecated (RFC 9745) with a
    Link to the lookup that takes the number in its body."""
    if subject.kind == Subject.Kind.INDIVIDUAL:
        response["Deprecation"] = "true"
        response["Link"] = f'<{successor}>; rel="alternate"; type="application/json"'


def _subject_answer(request: HttpRequest, *, code: str, purpose: str) -> tuple[Subject, dict]:
    """One subject by its code; personal data unmasked only for a token with `personal:read`,
    each such read audited with its purpose."""
    token = _token(request)
    subject = get_subject(code=code)
    full = Scope.PERSONAL_DATA in token.scopes and api_reveal_personal_data(
        token=token, subject=subject, purpose=purpose)
    return subject, SubjectOut.build(subject, former=former_names(subject=subject), full=full)


# Declared before `/subjects/{code}`: its path would otherwise take "lookup" for a code.
@router.post("/subjects/lookup", auth=TokenAuth(Scope.SUBJECTS_READ), tags=[tags.SUBJECTS],
             response={200: SubjectOut, **ERRORS},
             summary=_("Look a subject up by its code or ID number"),
             description=_("The code (an individual's resident ID number included) travels in "
                           "the JSON body, so it appears in no URL, access log or proxy log. "
                           "The same scopes and masking as GET /subjects/{code}: personal data "
                           "unmasked only with personal:read, each such read audited with its "
                           "purpose. Use this for individuals."))
def lookup_subject(request: HttpRequest, payload: LookupIn) -> dict:
    return _subject_answer(request, code=payload.code, purpose=payload.purpose)[1]


@router.get("/subjects/{code}", auth=TokenAuth(Scope.SUBJECTS_READ), tags=[tags.SUBJECTS],
            response={200: SubjectOut, **ERRORS}, summary=_("One subject with its former names"),
            description=_("By unified social credit code. Personal data (an individual's ID "
                          "number and address, a phone) comes masked unless the token has "
                          "personal:read (each such read audited). An individual's ID number in "
                          "this path is deprecated: it still answers, with a Deprecation header "
                          "and a Link to POST /subjects/lookup, which keeps the number out of "
                          "URLs."))
def read_subject(
    request: HttpRequest,
    response: HttpResponse,
    code: str = Path(..., max_length=64, pattern=PLAIN_TEXT),
    purpose: str = Query("", max_length=200, pattern=PLAIN_TEXT,
                         description=_("Why personal data is read (kept in the audit log).")),
) -> dict:
    subject, body = _subject_answer(request, code=code, purpose=purpose)
    _deprecate_id_number_in_path(response, subject)
    return body


# --- records ----------------------------------------------------------------------------------
@router.post("/records", auth=TokenAuth(Scope.RECORDS_WRITE), tags=[tags.RECORDS],
             response={201: RecordOut, **ERRORS}, summary=_("Submit a credit record for review"),
             description=_("The record enters the same review as a clerk's entry; the token "
                           "never approves it."))
def create_record(request: HttpRequest, payload: RecordIn) -> Status:
    """The record enters the same review as a clerk's entry; the token never approves it."""
    token = _token(request)
    subject = subject_for_input(code=payload.subject_code, field="subject_code")
    record_type = record_type_for_input(code=payload.record_type)
    record = record_create(
        actor=token.user, subject=subject, record_type=record_type,
        occurred_on=payload.occurred_on, decided_on=payload.decided_on,
        document_number=payload.document_number, source_department=token.department,
        description=payload.description, amount=payload.amount, level=payload.level,
        is_public=payload.is_public, submit=payload.submit,
    )
    return Status(201, RecordOut.build(record))


def _records_page(request: HttpRequest, subject: Subject, *, page: int, page_size: int
                  ) -> dict:
    """Only what the token's service account may see (its own department's records)."""
    qs = records_for_subject(subject=subject, user=_token(request).user)
    offset = (page - 1) * page_size
    return {"items": [RecordOut.build(r) for r in qs[offset:offset + page_size]],
            "total": qs.count(), "page": page, "page_size": page_size}


# Declared before `/subjects/{code}/records`, whose path would take "lookup" for a code.
@router.post("/subjects/lookup/records", auth=TokenAuth(Scope.RECORDS_READ),
             tags=[tags.RECORDS], response={200: RecordPage, **ERRORS},
             summary=_("A subject's records, looked up by code or ID number"),
             description=_("As GET /subjects/{code}/records, with the code (an individual's "
                           "ID number included) in the JSON body, so it appears in no URL."))
def lookup_subject_records(request: HttpRequest, payload: RecordsLookupIn) -> dict:
    return _records_page(request, get_subject(code=payload.code), page=payload.page,
                         page_size=payload.page_size)


@router.get("/subjects/{code}/records", auth=TokenAuth(Scope.RECORDS_READ), tags=[tags.RECORDS],
            response={200: RecordPage, **ERRORS}, summary=_("A subject's records, newest first"),
            description=_("Only what the token's service account may see (its own "
                          "department's records). An individual's ID number in this path is "
                          "deprecated: use POST /subjects/lookup/records."))
def list_subject_records(
    request: HttpRequest,
    response: HttpResponse,
    code: str = Path(..., max_length=64, pattern=PLAIN_TEXT),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    subject = get_subject(code=code)
    _deprecate_id_number_in_path(response, subject, f"{LOOKUP_PATH}/records")
    return _records_page(request, subject, page=page, page_size=page_size)
