"""Rate limiting per client address (django-ratelimit), shared by the public pages and the
enterprises' sign-in and registration.

A public search, a token lookup, a sign-in or a registration costs the database far more than
a static page, and a scraper walking codes or tokens, or someone guessing passwords, is exactly
who should slow down. One limit for all of them (`PORTAL_RATE_LIMIT`, default 30 requests a
minute per address); past it the page answers 429 with a Chinese message. Counters live in
Django's default cache: per process with the embedded default, shared once a shared cache
(memcached, Redis) is configured. It lives in `common` so that apps below the portal in the
flow (appeals) use the same counter logic and setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

View = Callable[..., HttpResponse]

#: The page that says "too many requests" (in Chinese); the public site's, which the
#: enterprises' pages extend too.
REFUSAL_TEMPLATE = "portal/429.html"


def rate_limit() -> str:
    """Requests per address and minute or hour (django-ratelimit syntax), from the setting or
    the environment variable `PORTAL_RATE_LIMIT`."""
    value = getattr(settings, "PORTAL_RATE_LIMIT", None)
    if value is None:
        value = os.environ.get("PORTAL_RATE_LIMIT", "30/m")
    return str(value)


def _rate(group: str, request: HttpRequest) -> str:
    return rate_limit()


def refusal(request: HttpRequest, group: str) -> HttpResponse | None:
    """Count this request of `group` against the client's address; the 429 page past the limit,
    else None."""
    usage = get_usage(request, group=group, key="ip", rate=_rate, increment=True)
    if usage is not None and usage["should_limit"]:
        response = render(request, REFUSAL_TEMPLATE, status=429)
        response["Retry-After"] = str(max(1, int(usage.get("time_left", 60))))
        return response
    return None


def throttled(group: str, *, methods: Collection[str] | None = None) -> Callable[[View], View]:
    """Count each request of `group` (only those of `methods`, when given) against the client's
    address; refuse with 429 past the limit."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if methods is None or request.method in methods:
                refused = refusal(request, group)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
