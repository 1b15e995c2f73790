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

from django.db.models import Model
from django.http import HttpRequest
from django.urls import path, reverse

from accounts.decorators import staff_required

_verify_path: Callable[[Any], str] | None = None
#: new checks (with their primary keys, subject and matter loaded) -> their verification
#: documents, unsaved, in the same order; and the documents' model
_document_builder: Callable[[list[Any]], list[Model]] | None = None
_document_model: type[Model] | None = None


def register_verify_path(builder: Callable[[Any], str]) -> None:
    """Called by the app that owns public verification with check -> its public path."""
    global _verify_path
    _verify_path = builder


def register_document_issuer(builder: Callable[[list[Any]], list[Model]], *,
                             model: type[Model]) -> None:
    """Called by the app that owns public verification with the function that builds the
    verification documents of new checks (unsaved instances of `model`, each pointing at its
    check by primary key). Approvals inserts them in the transaction that stores the checks,
    without an audit event of their own (the checks' own event names the documents)."""
    global _document_builder, _document_model
    _document_builder, _document_model = builder, model


def document_model() -> type[Model] | None:
    """The model of the checks' verification documents; None without the portal."""
    return _document_model


def build_documents(checks: list[Any]) -> list[Model]:
    """The verification documents of checks being stored, unsaved, in their order; empty in an
    installation without the portal (their certificates are then printed without a token)."""
    if _document_builder is None or not checks:
        return []
    return _document_builder(checks)


def issue_documents(checks: list[Any]) -> dict[int, int]:
    """Insert the verification documents of checks just stored (one statement):
    {check pk: document pk}."""
    documents = build_documents(checks)
    if not documents:
        return {}
    type(documents[0])._default_manager.bulk_create(documents)
    return {check.pk: d.pk for check, d in zip(checks, documents, strict=True)}


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
