"""Certificate lookup by number under /verify/checks/: staff only.

A certificate number is sequential, so a public page by number let anyone enumerate who applied
for what. The public verifies a certificate by the unguessable token in its QR code (the
`portal` app's /public/verify/<token>/); staff keep looking certificates up by number here.
Approvals sits left of portal in the flow, so portal registers how a check's token link is made
(`register_verify_path`), and approvals asks `verify_url` for it.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse

from accounts.decorators import staff_required

_verify_path: Callable[[Any], str] | None = None


def register_verify_path(builder: Callable[[Any], str]) -> None:
    """Called by the app that owns public verification with check -> its public path."""
    global _verify_path
    _verify_path = builder


def verify_url(request: HttpRequest, check: Any) -> str:
    """The absolute address printed (and QR-coded) on a check's certificate."""
    if _verify_path is not None:
        return request.build_absolute_uri(_verify_path(check))
    return request.build_absolute_uri(reverse("approvals_public:detail", args=[check.number]))


@staff_required
def _verify(request: HttpRequest) -> Any:
    from approvals import views  # approvals.views imports this module for `verify_url`

    return views.verify(request)


@staff_required
def _verify_detail(request: HttpRequest, number: str) -> Any:
    from approvals import views

    return views.verify_detail(request, number)


app_name = "approvals_public"
urlpatterns = [
    path("", _verify, name="verify"),
    path("<str:number>/", _verify_detail, name="detail"),
]
