"""API v1 (django-ninja): a thin door onto the same services and selectors the workbench uses.

Each endpoint parses, resolves codes, calls one service or selector and shapes the answer.
Every refusal, whatever raised it, leaves as `{"error": {"code", "field", "message"}}` with a 4xx
status, so a calling system can branch on `code` and show `message` to its user.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from common.errors import ServiceError
from exchange.auth import TokenAuth
from exchange.models import ApiToken, Scope
from exchange.schemas import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PLAIN_TEXT,
    ErrorOut,
    RecordIn,
    RecordOut,
    RecordPage,
    SubjectCreatedOut,
    SubjectIn,
    SubjectOut,
    SubjectPage,
    SubjectSummary,
)
from exchange.selectors import record_type_for_input, subject_for_input
from exchange.services import api_reveal_subject_code
from records.selectors import records_for_subject
from records.services import record_create
from subjects.models import Category, Subject
from subjects.selectors import former_names, get_subject, search_subjects
from subjects.services import subject_create

logger = logging.getLogger(__name__)

# Swagger UI files ship inside the ninja package; exchange.urls serves them, so the docs page
# works on an intranet without a CDN and without "ninja" in INSTALLED_APPS.
DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
    "favicon.svg": "image/svg+xml",
}


class LocalSwagger(Swagger):
    """Swagger UI from this server's own URLs only (no inline script, no external host)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        # validatorUrl None: Swagger UI would otherwise send the schema to validator.swagger.io
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs),
                    "validatorUrl": None}

        def asset(name: str) -> str:
            return reverse("api-v1-docs-asset", kwargs={"name": name})

        html = format_html(
            '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
            '<title>{title}</title>'
            '<link rel="stylesheet" type="text/css" href="{css}">'
            '<link rel="icon" type="image/svg+xml" href="{icon}"></head>'
            '<body data-csrf-token="" data-api-csrf="">'
            '<script type="application/json" id="swagger-settings">{settings}</script>'
            '<div id="swagger-ui"></div>'
            '<script src="{bundle}"></script><script src="{init}"></script>'
            "</body></html>",
            title=api.title, css=asset("swagger-ui.css"), icon=asset("favicon.svg"),
            settings=_json_script(settings),
            bundle=asset("swagger-ui-bundle.js"), init=asset("swagger-ui-init.js"),
        )
        return HttpResponse(html)


def _json_script(value: Any) -> SafeString:
    """JSON for a <script type="application/json">: "<", ">" and "&" escaped, so no value can
    close the element (the same escaping as Django's json_script filter)."""
    text = json.dumps(value)
    return mark_safe(
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    )


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON without \\u escapes, so Chinese names and messages stay readable in logs."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="住房信用平台 API",
    version="1",
    description=(
        "住房领域信用分级分类管理平台 API v1。认证：`Authorization: Bearer hc_<prefix>_<secret>`；"
        "每个接口需要令牌具有相应权限范围（scope）。错误统一为 "
        '`{"error": {"code", "field", "message"}}`。'
    ),
    urls_namespace="api-v1",
    docs=LocalSwagger(),
    renderer=ChineseJSONRenderer(),
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- one error shape for every refusal ----------------------------------------------------------
def error_response(
    request: HttpRequest, *, status: int, code: str, message: Any, field: str | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "field": field, "message": str(message)}}
    return api.create_response(request, body, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return error_response(request, status=exc.status, code=exc.code, message=exc.message,
                          field=exc.field)


def _field_of(loc: tuple | list) -> str | None:
    """`("body", "payload", "occurred_on")` → `"occurred_on"`: the name the caller sent."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        source, parts = parts[0], parts[1:]
        if source == "body" and parts and parts[0] == "payload":
            parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first.get("loc", ()))
    if field is None:
        message = _("The request body must be a JSON object.")
    elif first.get("type") == "missing":
        message = _("The field %(field)s is required.") % {"field": field}
    else:
        message = _("The field %(field)s is missing or malformed.") % {"field": field}
    return error_response(request, status=422, code="invalid_input", message=message,
                          field=field)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request, status=401, code="not_authenticated",
        message=_("A valid, unrevoked API token is required (Authorization: Bearer …)."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and exc.__cause__ is not None:  # the body parser failed
        return error_response(request, status=400, code="malformed_body",
                              message=_("The request body is not valid JSON."))
    codes = {403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
             429: "too_many_requests"}
    return error_response(request, status=exc.status_code,
                          code=codes.get(exc.status_code, "bad_request"), message=str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, status=404, code="not_found",
                          message=_("Nothing was found at this address."))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A fault of ours, not the caller's: logged with the traceback, answered as JSON."""
    logger.exception("API v1 request failed: %s %s", request.method, request.path)
    return error_response(request, status=500, code="internal_error",
                          message=_("The server could not complete the request; it was logged."))


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined]


# --- subjects ---------------------------------------------------------------------------------
@api.post("/subjects", auth=TokenAuth(Scope.SUBJECTS_WRITE), tags=["subjects"],
          response={201: SubjectCreatedOut, **ERRORS}, summary="Register a credit subject")
def create_subject(request: HttpRequest, payload: SubjectIn) -> Status:
    token = _token(request)
    category = payload.category.strip()
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
    # The caller just sent the code; it sees it in full only if it may read ID numbers anyway.
    full = subject.code if Scope.PERSONAL_DATA in token.scopes else None
    out = SubjectOut.build(subject, former=[], code=full)
    # stored "; "-joined, and a message may itself contain "; ": kept whole, not split
    out["warnings"] = [subject.code_warning] if subject.code_warning else []
    return Status(201, out)


@api.get("/subjects", auth=TokenAuth(Scope.SUBJECTS_READ), tags=["subjects"],
         response={200: SubjectPage, **ERRORS}, summary="Search subjects by name or code")
def list_subjects(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=100, pattern=PLAIN_TEXT,
                   description="Whole code, or part of a current or former name."),
    category: Category | None = None,
    kind: Subject.Kind | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    subjects, total = search_subjects(q=q, category=category, kind=kind, limit=page_size,
                                      offset=(page - 1) * page_size)
    return {"items": [SubjectSummary.build(s) for s in subjects], "total": total,
            "page": page, "page_size": page_size}


@api.get("/subjects/{code}", auth=TokenAuth(Scope.SUBJECTS_READ), tags=["subjects"],
         response={200: SubjectOut, **ERRORS}, summary="One subject with its former names")
def read_subject(
    request: HttpRequest,
    code: str = Path(..., max_length=64, pattern=PLAIN_TEXT),
    purpose: str = Query("", max_length=200, pattern=PLAIN_TEXT,
                         description="Why the full ID number is read (kept in the audit log)."),
) -> dict:
    """Individuals' ID numbers come masked unless the token has `personal:read` (audited)."""
    token = _token(request)
    subject = get_subject(code=code)
    full = None
    if subject.kind == Subject.Kind.INDIVIDUAL and Scope.PERSONAL_DATA in token.scopes:
        full = api_reveal_subject_code(token=token, subject=subject, purpose=purpose)
    return SubjectOut.build(subject, former=former_names(subject=subject), code=full)


# --- records ----------------------------------------------------------------------------------
@api.post("/records", auth=TokenAuth(Scope.RECORDS_WRITE), tags=["records"],
          response={201: RecordOut, **ERRORS}, summary="Submit a credit record for review")
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


@api.get("/subjects/{code}/records", auth=TokenAuth(Scope.RECORDS_READ), tags=["records"],
         response={200: RecordPage, **ERRORS}, summary="A subject's records, newest first")
def list_subject_records(
    request: HttpRequest,
    code: str = Path(..., max_length=64, pattern=PLAIN_TEXT),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    """Only what the token's service account may see (its own department's records)."""
    subject = get_subject(code=code)
    qs = records_for_subject(subject=subject, user=_token(request).user)
    offset = (page - 1) * page_size
    return {"items": [RecordOut.build(r) for r in qs[offset:offset + page_size]],
            "total": qs.count(), "page": page, "page_size": page_size}


# --- routers of the apps along the flow (each app keeps its endpoints next to its services) ----
from lists.api import router as lists_router  # noqa: E402  (after `api` so handlers apply)

api.add_router("/lists", lists_router)
from approvals.api import router as approvals_router  # noqa: E402

api.add_router("/", approvals_router)
from scoring.api import router as scoring_router  # noqa: E402

api.add_router("/", scoring_router)
from monitoring.api import router as monitoring_router  # noqa: E402

api.add_router("/statistics", monitoring_router)
