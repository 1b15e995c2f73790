"""URLs under /api/v1/: the ninja API, the Swagger UI files its docs page loads, and JSON
answers for what ninja leaves to Django (wrong method, unknown path), so that a calling system
gets the one error shape for every refusal under /api/v1/.

`api_urlpatterns()` is called by the composition (`workbench.api`) once every app's router is
mounted: ninja builds its URL list from the routers it has at that moment.

No `app_name` here: ninja reverses its own views as "api-v1:…" (its `urls_namespace`), which a
surrounding application namespace would break.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import ninja
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
)
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from common.api import DOCS_ASSETS, api, error_response

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"


def _not_found(request: HttpRequest) -> HttpResponse:
    return error_response(request, status=404, code="not_found",
                          message=_("Nothing was found at this address."))


@require_GET
@cache_control(max_age=86400, public=True)
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """One of the Swagger UI files bundled with ninja; only the names listed are served."""
    if name not in DOCS_ASSETS:
        return _not_found(request)
    return FileResponse((NINJA_STATIC / name).open("rb"), content_type=DOCS_ASSETS[name])


@csrf_exempt  # a POST to a wrong address deserves a 404, not a CSRF page
def unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return _not_found(request)


def json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Turn ninja's plain-text 405 and a 404 raised outside an operation into the JSON shape."""

    @wraps(view)  # keeps ninja's csrf_exempt marker
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(
                request, status=405, code="method_not_allowed",
                message=_("Method %(method)s is not allowed here; use %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            response["Allow"] = allowed
        return response

    return wrapper


def _wrapped(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = urls
    return (
        [URLPattern(p.pattern, json_errors(p.callback), p.default_args, p.name)
         if isinstance(p, URLPattern) else p for p in patterns],
        app_name, namespace,
    )


def api_urlpatterns() -> list[Any]:
    """The URL patterns of API v1 with every router mounted so far."""
    return [
        path("docs/assets/<str:name>", docs_asset, name="api-v1-docs-asset"),
        path("", _wrapped(api.urls)),
        re_path(r"^", unknown_path),
    ]
