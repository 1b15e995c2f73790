"""Request-level guards that apply to every door: workbench forms, uploads, the API, the admin."""

from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.module_loading import import_string
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


# --- API token requests: skip what serves signed-in people ------------------------------------
def is_api_token_request(request: HttpRequest) -> bool:
    """A call of the API presenting a bearer token: it authenticates by that token alone
    (`accounts.api_auth.TokenAuth`), never by a session cookie, so it needs none of the
    middleware that serves signed-in people (the session user, second factor, one-time
    password gate, messages)."""
    return (request.path_info.startswith(API_PREFIX)
            and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer ")


_HOOKS = ("process_view", "process_exception", "process_template_response")


def unless_api_token(dotted_path: str,
                     instead: Callable[[HttpRequest], None] | None = None) -> type:
    """A subclass of the middleware at `dotted_path` that steps over an API token request
    (`is_api_token_request`), hooks (`process_view`, …) included; a subclass, so Django's own
    checks still find the middleware they require.

    Why: that middleware was a large part of the CPU an API credit check spent beyond the check
    itself (building the lazy user, then the one-time password gate evaluating it, which reads
    the session, the second-factor wrapper, the message storage), for a caller that never has
    a session; a browser request (any path) and an API call without a bearer token still pass
    through all of it. `instead(request)` runs in its place for such a request."""
    base = import_string(dotted_path)

    def call(self: Any, request: HttpRequest) -> HttpResponseBase:
        if is_api_token_request(request):
            if instead is not None:
                instead(request)
            return self.get_response(request)
        return base.__call__(self, request)

    def hook(name: str) -> Callable[..., HttpResponseBase | None]:
        def step_over(self: Any, request: HttpRequest, *args: Any) -> HttpResponseBase | None:
            if is_api_token_request(request):
                return None
            return getattr(base, name)(self, request, *args)
        return step_over

    body: dict[str, Any] = {"__call__": call, "__module__": __name__,
                            "__doc__": f"{dotted_path}, stepped over for API token requests."}
    body.update({name: hook(name) for name in _HOOKS if hasattr(base, name)})
    return type(base.__name__, (base,), body)


def _anonymous(request: HttpRequest) -> None:
    """A token call is nobody signed in: anything that still looks at `request.user` sees an
    anonymous visitor (refused by every staff page), never an error."""
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()


AuthenticationMiddleware = unless_api_token(
    "django.contrib.auth.middleware.AuthenticationMiddleware", instead=_anonymous)
OTPMiddleware = unless_api_token("django_otp.middleware.OTPMiddleware")
AccountGateMiddleware = unless_api_token("accounts.middleware.AccountGateMiddleware")
MessageMiddleware = unless_api_token("django.contrib.messages.middleware.MessageMiddleware")


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware; an API token answer gets the same policy (it never carries a
    nonce: JSON has no inline script) built once per process, not once per answer (building it
    was a tenth of such a call's CPU)."""

    _api_policy: tuple[str, str] | None = None  # (policy, report-only policy)

    def process_request(self, request: HttpRequest) -> None:
        if not is_api_token_request(request):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase
                         ) -> HttpResponseBase:
        if not is_api_token_request(request) or any(
                hasattr(response, f"_csp_{part}{ro}") for part in ("config", "update", "replace",
                                                                  "exempt")
                for ro in ("", "_ro")):
            return super().process_response(request, response)
        if CSPMiddleware._api_policy is None:
            CSPMiddleware._api_policy = (build_policy() or "",
                                         build_policy(report_only=True) or "")
        for header, policy in zip((HEADER, HEADER_REPORT_ONLY), CSPMiddleware._api_policy,
                                  strict=True):
            if policy and header not in response:
                response[header] = policy
        return response


def _forget_api_policy(*, setting: str, **_kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._api_policy = None


setting_changed.connect(_forget_api_policy, dispatch_uid="config.middleware:csp")
