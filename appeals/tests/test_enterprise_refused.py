"""An enterprise user reaches no staff page: walk the whole URL configuration (as the anonymous
walk in workbench/tests/test_anonymous.py does) signed in as a verified enterprise user, and
expect a refusal on every route except the public site and its own /my/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

FILLERS = {"int": "1", "str": "x", "slug": "x", "path": "x",
           "uuid": "00000000-0000-0000-0000-000000000000"}


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


#: Routes an enterprise may open: its own door, the public site, signing in and out, switching
#: language, the password change its one-time password forces (and the second-factor check,
#: which sends anyone without a device on to the home page, itself refused), the admin's own
#: sign-in and sign-out pages (every other admin page sends to its sign-in).
ENTERPRISE_PREFIXES = ("my/", "public/", "login/", "logout/", "i18n/", "static/",
                       "verify/", "account/password/", "account/second-factor/verify/",
                       "admin/login/", "admin/logout/", "api/v1/",
                       "healthz", "metrics")  # probes: nothing private, same for everyone

ROUTES = sorted({_concrete(r) for r in _routes(get_resolver().url_patterns)
                 if not r.startswith(ENTERPRISE_PREFIXES) and "(?P" not in r})


def test_the_walk_covers_the_staff_pages():
    assert len(ROUTES) > 50
    assert "/appeals/" in ROUTES and "/lists/" in ROUTES and "/staff/" in ROUTES


@pytest.mark.django_db
def test_every_staff_url_refuses_an_enterprise_user(enterprise_user):
    client = Client()
    client.force_login(enterprise_user)
    served = []
    for url in ROUTES:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code in (301, 302):
                location = response["Location"]
                if "/login/" not in location and "/admin/login/" not in location:
                    served.append((url, method, response.status_code, location))
            elif response.status_code not in (400, 401, 403, 404, 405):
                served.append((url, method, response.status_code))
    assert served == [], "\n".join(map(str, served))


@pytest.mark.django_db
def test_the_api_refuses_an_enterprise_session(enterprise_user):
    client = Client()
    client.force_login(enterprise_user)
    assert client.get("/api/v1/subjects").status_code in (401, 403)
