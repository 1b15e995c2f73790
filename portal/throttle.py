"""Rate limiting of the public search and verification pages (django-ratelimit).

A public search or a token lookup costs the database far more than a static page, and a
scraper walking codes or tokens is exactly who should slow down. The limit is per client
address (`PORTAL_RATE_LIMIT`, default 30 requests a minute); past it the page answers 429 with
a Chinese message. Counters live in Django's default cache: per process with the embedded
default, shared once a shared cache (memcached, Redis) is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from portal import conf

View = Callable[..., HttpResponse]


def _rate(group: str, request: HttpRequest) -> str:
    return conf.rate_limit()


def refusal(request: HttpRequest, group: str) -> HttpResponse | None:
    """Count this request of `group` against the client's address; the 429 page past the limit,
    else None."""
    usage = get_usage(request, group=f"portal.{group}", key="ip", rate=_rate, increment=True)
    if usage is not None and usage["should_limit"]:
        response = render(request, "portal/429.html", status=429)
        response["Retry-After"] = str(max(1, int(usage.get("time_left", 60))))
        return response
    return None


def throttled(group: str) -> Callable[[View], View]:
    """Count each request of `group` against the client's address; refuse with 429 past it."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return refusal(request, group) or view(request, *args, **kwargs)

        return wrapped

    return decorate
