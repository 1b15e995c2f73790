"""Rate limiting of the public search and verification pages: `common.throttle`'s counter per
client address (`PORTAL_RATE_LIMIT`, default 30 requests a minute, 429 with a Chinese message),
each group named under `portal.`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from common import throttle

View = Callable[..., HttpResponse]


def refusal(request: HttpRequest, group: str) -> HttpResponse | None:
    """Count this request of `group` against the client's address; the 429 page past the limit,
    else None."""
    return throttle.refusal(request, f"portal.{group}")


def throttled(group: str) -> Callable[[View], View]:
    """Count each request of `group` against the client's address; refuse with 429 past it."""
    return throttle.throttled(f"portal.{group}")
