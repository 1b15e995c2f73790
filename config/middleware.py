"""Request-level guards that apply to every door: workbench forms, uploads, the API, the admin."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def request_too_big(request: HttpRequest) -> HttpResponse:
    """413 in the shape the caller reads: the API's JSON error body, or a plain page, in the
    caller's language (this runs before LocaleMiddleware has chosen it)."""
    with translation.override(translation.get_language_from_request(request)):
        return _too_big_response(request)


def _too_big_response(request: HttpRequest) -> HttpResponse:
    message = _("The request is larger than the %(limit)s MiB this server accepts.") % {
        "limit": f"{settings.REQUEST_MAX_BYTES / (1024 * 1024):g}"}
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": "request_too_large", "field": None,
                                       "message": message}}, status=413)
    title = _("Request too large")
    return HttpResponse(f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                        f"<p>{escape(message)}</p>", status=413)


class RequestSizeLimitMiddleware:
    """Refuse a body over `REQUEST_MAX_BYTES` with 413 before anything reads it.

    Without it a too-large body raises `RequestDataTooBig` wherever it is first read: inside
    an API operation that is an unexpected error (500), in a form a bare 400. The declared
    Content-Length is checked first; a body that turns out larger (Django counts as it parses)
    ends up in `process_exception` and gets the same answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return request_too_big(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return request_too_big(request)
        return None
