"""Every workbench URL refuses an anonymous visitor (as manage.get.gov tests it): walk the whole
URL configuration, fill each route's parameters, and expect a redirect to the login page (or a
refusal), never a page. The few public URLs are listed here on purpose."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_PREFIXES = (
    "login/", "logout/", "i18n/", "admin/", "api/v1/", "public/", "static/",
    "my/login/", "my/register/",  # the enterprise sign-in and registration
    "healthz", "metrics",   # probes: nothing private (workbench/tests/test_jobs_health.py)
)
FILLERS = {
    "int": "1", "str": "x", "slug": "x", "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _concrete(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: FILLERS.get(m.group(1) or "str", "x"),
                        route).lstrip("^").rstrip("$")


ROUTES = sorted({_concrete(r) for r in _routes(get_resolver().url_patterns)
                 if not r.startswith(PUBLIC_PREFIXES) and "(?P" not in r})


def test_the_walk_found_the_workbench():
    assert len(ROUTES) > 50
    assert "/subjects/1/" in ROUTES and "/lists/" in ROUTES and "/approvals/" in ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_visitor_is_refused(url: str):
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        if response.status_code in (301, 302):
            assert "/login/" in response["Location"], (url, method, response["Location"])
        else:
            assert response.status_code in (401, 403, 404, 405), (url, method,
                                                                 response.status_code)
