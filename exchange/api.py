"""API v1 endpoints for subjects and records (a django-ninja Router, mounted at /api/v1/ by
`workbench.api`): a thin door onto the same services and selectors the workbench uses.

Each endpoint parses, resolves codes, calls one service or selector and shapes the answer. The
API object, its error bodies and docs are `common.api`; token authentication is
`accounts.api_auth`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from accounts.api_auth import TokenAuth
from accounts.models import ApiToken, Department, Scope
from common.api import ERRORS, error_response, tags
from common.api.schemas import MAX_PAGE, MAX_PAGE_SIZE, PLAIN_TEXT, ErrorOut
from common.errors import NotFound, ValidationFailed
from common.models import JobRun, JobStatus
from exchange.feed_models import ImportBatch
from exchange.feed_services import import_feed
from exchange.schemas import (
    ChangePage,
    ImportJobOut,
    ImportSummaryOut,
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
from exchange.selectors import MAX_CHANGES, changes_after, record_type_for_input, subject_for_input
from exchange.services import api_reveal_personal_data, sequence_changes
from exchange.sheets import import_sheet
from exchange.tasks import JOB, start_import, upload_path
from exchange.views import max_upload_bytes, sync_max_rows
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


# --- the change feed ------------------------------------------------------------------------------
@router.get("/changes", auth=TokenAuth(Scope.CHANGES_READ), tags=[tags.CHANGES],
            response={200: ChangePage, **ERRORS},
            summary=_("Changes since a cursor: records and list decisions, in order"),
            description=_("Records that took effect, were corrected, revoked or repaired, and "
                          "list decisions, oldest first. Resume with next_cursor: every change "
                          "comes once, in commit order. ID numbers are masked."))
def list_changes(
    request: HttpRequest,
    cursor: str = Query("", max_length=64, pattern=PLAIN_TEXT,
                        description=_("The next_cursor (or an item's cursor) of an earlier "
                                      "answer; empty: from the first change.")),
    limit: int = Query(100, ge=1, le=MAX_CHANGES, description=_("Changes per answer.")),
) -> dict:
    """Records that took effect, were corrected, revoked or repaired, and black-, red- and
    key-supervision list decisions (entries, suspensions, exits), oldest first. Resume with
    `next_cursor`: every change comes once, in the order the platform committed it, including
    changes whose transactions finished after later ones. ID numbers are masked."""
    sequence_changes()
    return changes_after(cursor=cursor, limit=limit)


# --- imports --------------------------------------------------------------------------------------
IMPORT_SUFFIXES = (".csv", ".xlsx", ".txt")
FEED = "feed"  # a 双公示 file (CF or XK, detected from its header)
UPLOAD_FILE = File(..., description=_("A 双公示 file (CSV in UTF-8/GBK, or XLSX) or a "
                                      "filled-in template."))


def _source_for(token: ApiToken, code: str) -> Department:
    """The source the file's rows come from: the token's own department unless another is
    named (the service then asks whether the token's account may import for it)."""
    if not code.strip():
        return token.department
    source = Department.objects.filter(code=code.strip(), is_active=True).first()
    if source is None:
        raise ValidationFailed("unknown_source", gettext("No active department has the code "
                                                         "%(c)s.") % {"c": code}, field="source")
    return source


def _job_out(run: JobRun) -> dict[str, Any]:
    """A background import as the API shows it: its counts are the batch's own (the same
    summary as `import_feed --json`), read from the batch the job wrote."""
    number = (run.summary or {}).get("batch")
    batch = ImportBatch.objects.filter(number=number).first() if number else None
    error = None
    if run.status == JobStatus.FAILED:
        # The job's own reason when it refused the file (`JobFailed`); never a traceback.
        error = run.error if run.error and not run.error.startswith("Traceback") else gettext(
            "The import stopped with an error; it was logged.")
    return {
        "number": run.pk, "status": run.status, "progress": run.progress,
        "result": {**batch.summary(), "batch": batch.number} if batch is not None else None,
        "error": error, "enqueued_at": run.enqueued_at, "finished_at": run.finished_at,
    }


def _import_now(*, actor: Any, kind: str, source: Department, data: bytes, file_name: str,
                dry_run: bool) -> Any:
    """The synchronous door: the very services of the upload page and `import_feed`."""
    if kind == FEED:
        return import_feed(actor=actor, source=source, data=data, file_name=file_name,
                           dry_run=dry_run, max_rows=sync_max_rows())
    return import_sheet(actor=actor, kind=kind, source=source, data=data, file_name=file_name,
                        dry_run=dry_run, max_rows=sync_max_rows())


def _keep(data: bytes, file_name: str) -> str:
    """Store the bytes where the background import reads them; returns their checksum."""
    sha = hashlib.sha256(data).hexdigest()
    path = upload_path(sha, file_name)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return sha


@router.post("/imports", auth=TokenAuth(Scope.IMPORTS_WRITE), tags=[tags.IMPORTS],
             response={200: ImportSummaryOut, 202: ImportJobOut, 413: ErrorOut, **ERRORS},
             summary=_("Import a 双公示 feed or a spreadsheet template (dry run possible)"),
             description=_("The same import as the upload page: a small file is imported at "
                           "once (200, the summary); a larger one becomes a background job (202 "
                           "with its number)."))
def create_import(
    request: HttpRequest,
    file: UploadedFile = UPLOAD_FILE,
    kind: Literal["feed", "records", "subjects"] = Form(
        FEED, description=_("feed: a 双公示 file (CF or XK, detected from the header); "
                            "records or subjects: the platform's spreadsheet template.")),
    dry_run: bool = Form(False, description=_("Validate and count everything, write nothing.")),
    source: str = Form("", max_length=32, pattern=PLAIN_TEXT,
                       description=_("Code of the source department; default: the token's.")),
) -> Any:
    """The same import as the upload page and `manage.py import_feed --json`: every row through
    the same validation and review. A file of at most `EXCHANGE_SYNC_MAX_ROWS` rows is imported
    (or dry-run) at once (200, the summary); a larger one is imported as a background job (202
    with its number; ask `GET /api/v1/imports/{number}`; 409 while another background import
    runs; no dry run of a large file). A file over `EXCHANGE_UPLOAD_MAX_BYTES` is refused with
    413, like a request over `REQUEST_MAX_BYTES`."""
    token = _token(request)
    if file.size > max_upload_bytes():
        return error_response(
            request, status=413, code="file_too_large", field="file",
            message=gettext("%(name)s is %(size)s; files of at most %(max)s are accepted "
                            "here.") % {"name": file.name, "size": filesizeformat(file.size),
                                        "max": filesizeformat(max_upload_bytes())})
    if not (file.name or "").lower().endswith(IMPORT_SUFFIXES):
        raise ValidationFailed("unsupported_file", gettext("Upload a CSV or XLSX file."),
                               field="file")
    department = _source_for(token, source)
    data = file.read()
    try:
        result = _import_now(actor=token.user, kind=kind, source=department, data=data,
                             file_name=file.name, dry_run=dry_run)
    except ValidationFailed as exc:
        if exc.code != "too_many_rows":
            raise
        if dry_run:  # as on the upload page: a large file is not previewed
            raise ValidationFailed(
                "too_many_rows_for_dry_run",
                gettext("A dry run is offered for files of at most %(max)d rows; import this file "
                  "(its bad rows are reported and never imported) or send a part of it.")
                % {"max": sync_max_rows()}, field="dry_run") from exc
        sha = _keep(data, file.name)
        run = start_import(actor=token.user, kind=kind, source=department, sha256=sha,
                           file_name=file.name[:200])
        return Status(202, _job_out(run))
    if not result.kind:  # the file as a whole could not be read
        first = result.summary["rejected"][0]
        raise ValidationFailed("unreadable_file", first["reason"], field="file")
    return {**result.summary, "batch": result.batch.number if result.batch else None}


@router.get("/imports/{number}", auth=TokenAuth(Scope.IMPORTS_WRITE), tags=[tags.IMPORTS],
            response={200: ImportJobOut, **ERRORS},
            summary=_("An import job: status, progress and result"),
            description=_("Only the jobs this token started."))
def read_import(request: HttpRequest, number: int = Path(..., ge=1, le=2**62)) -> Any:
    """Only the jobs this token started."""
    run = JobRun.objects.filter(pk=number, job=JOB, triggered_by=_token(request).user).first()
    if run is None:
        raise NotFound("import_not_found", gettext("This token started no import job with "
                                                   "this number."), field="number")
    return _job_out(run)
