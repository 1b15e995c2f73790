"""Certificate lookup by number under /verify/checks/: staff only.

A certificate number is sequential, so a public page by number let anyone enumerate who applied
for what. The public verifies a certificate by the unguessable token in its QR code (the
`portal` app's /public/verify/<token>/); staff keep looking certificates up by number here.
Approvals sits left of portal in the flow, so portal registers how a check's token link is made
(`register_verify_path`), and approvals asks `verify_url` for it. Portal also registers how
new checks get their verification documents (`register_document_issuer`): approvals calls it in
the transaction that stores the checks, so a stored check always has its token.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse

from accounts.decorators import staff_required

_verify_path: Callable[[Any], str] | None = None
#: new checks (saved, with subject and matter loaded) -> {check pk: verification document pk}
_document_issuer: Callable[[list[Any]], dict[int, int]] | None = None


def register_verify_path(builder: Callable[[Any], str]) -> None:
    """Called by the app that owns public verification with check -> its public path."""
    global _verify_path
    _verify_path = builder


def register_document_issuer(issuer: Callable[[list[Any]], dict[int, int]]) -> None:
    """Called by the app that owns public verification with the function that issues the
    verification documents of new checks, in the caller's transaction, without an audit event
    of its own (the checks' own event names the documents)."""
    global _document_issuer
    _document_issuer = issuer


def issue_documents(checks: list[Any]) -> dict[int, int]:
    """The verification documents of checks just stored: {check pk: document pk}; empty in an
    installation without the portal (their certificates are then printed without a token)."""
    if _document_issuer is None or not checks:
        return {}
    return _document_issuer(checks)


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
