"""The API's plumbing, shared by every app that serves an API: the one NinjaAPI object (API v1),
its offline Swagger docs, a renderer that keeps Chinese readable, and one error body for every
refusal.

Every refusal, whatever raised it, leaves as `{"error": {"code", "field", "message"}}` with a 4xx
status, so a calling system can branch on `code` and show `message` to its user. Apps keep their
endpoints in their own `api.py` routers; the composition at the top (`workbench.api`) mounts
them. Token authentication needs the token model, so it is `accounts.api_auth.TokenAuth`.
(Moved from exchange/api.py, which sits right of every app that serves an API.)
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from common.api.schemas import INPUT_PROBLEM, ErrorOut
from common.api.tags import TAGS
from common.errors import ServiceError
from common.forms import AMOUNT_DIGITS

logger = logging.getLogger(__name__)

# Swagger UI files ship inside the ninja package; common.api.urls serves them, so the docs page
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


def snapshot_response(payload: dict[str, Any]) -> HttpResponse:
    """A stored snapshot answered as it is, in the renderer's JSON (UTF-8, no \\u escapes).

    For an endpoint whose answer is a snapshot the service already stored in the response
    schema's shape (the credit check): returned as an HttpResponse, django-ninja does not
    validate it against the schema again, which was a tenth of a check's time. The schema
    still documents the answer, and a test compares every answer with its schema validation
    (`approvals/tests/test_api.py`)."""
    return HttpResponse(json.dumps(payload, ensure_ascii=False, cls=NinjaJSONEncoder),
                        content_type="application/json; charset=utf-8")


#: what each answer means, in words (ninja would write the HTTP reason phrase, in English)
STATUS_TEXTS = {
    200: pgettext_lazy("api answer", "Done"),
    201: pgettext_lazy("api answer", "Created"),
    202: pgettext_lazy("api answer", "Accepted; running in the background"),
    400: pgettext_lazy("api answer", "Malformed request"),
    401: pgettext_lazy("api answer", "No valid API token"),
    403: pgettext_lazy("api answer", "The token's scopes do not allow this"),
    404: pgettext_lazy("api answer", "Not found"),
    409: pgettext_lazy("api answer", "Conflicts with the current state"),
    413: pgettext_lazy("api answer", "Request body too large"),
    422: pgettext_lazy("api answer", "Invalid input"),
    429: pgettext_lazy("api answer", "Too many requests"),
}


def _plain(value: Any) -> Any:
    """The schema with every lazy translation turned into text in the active language."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class PlatformAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document speaks the request's language.

    Operation summaries and descriptions, parameter and field descriptions and tag names are
    written as `gettext_lazy` texts (English msgid, Chinese msgstr in each app's catalogue), as
    every other text a user reads; the schema is built per request, so the lazy texts are turned
    into the active language here and the document holds plain strings (JSON-serialisable by
    anything, e.g. the fuzz test's `json.dumps`).
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in STATUS_TEXTS:
                        response["description"] = STATUS_TEXTS[int(status)]
        return _plain(schema)


api = PlatformAPI(
    title="住房信用平台 API",
    version="1",
    description=(
        "住房领域信用分级分类管理平台 API v1。认证：`Authorization: Bearer hc_<prefix>_<secret>`；"
        "每个接口需要令牌具有相应权限范围（scope）。错误统一为 "
        '`{"error": {"code", "field", "message"}}`。'
    ),
    urls_namespace="api-v1",
    openapi_extra={"tags": [{"name": name, "description": text} for name, text in TAGS]},
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


DATE_ERRORS = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
               "date_type"}
NUMBER_ERRORS = {"decimal_parsing", "decimal_type", "finite_number", "int_parsing", "int_type",
                 "float_parsing", "float_type"}
DIGITS_ERRORS = {"decimal_max_digits", "decimal_whole_digits", "decimal_max_places"}


def _input_problem(error: dict[str, Any], field: str) -> str:
    """Say what is wrong with the field, as the web form says it for the same input: "required",
    "not a date", "too long" were all "missing or malformed", which left a caller guessing."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    values = {"field": field, **{k: v for k, v in ctx.items() if isinstance(v, (int, str))}}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("The field %(field)s is required.") % values
    if kind == INPUT_PROBLEM:
        return _("%(field)s: %(problem)s") % {"field": field, "problem": error.get("msg", "")}
    if kind in DATE_ERRORS:
        return _("The field %(field)s is not a date; write it as 2026-12-02.") % values
    if kind == "string_too_long":
        return _("The field %(field)s is longer than %(max_length)s characters.") % values
    if kind in DIGITS_ERRORS:  # the one decimal input is an amount (`schemas.Amount`)
        return _("%(field)s: %(problem)s") % {"field": field, "problem": AMOUNT_DIGITS}
    if kind in NUMBER_ERRORS:
        return _("The field %(field)s is not a number.") % values
    if kind in ("enum", "literal_error"):
        return _("The field %(field)s must be one of: %(expected)s.") % values
    return _("The field %(field)s is missing or malformed.") % values


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first.get("loc", ()))
    if field is None:
        message = _("The request body must be a JSON object.")
    else:
        message = _input_problem(first, field)
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
