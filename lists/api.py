"""API v1 for lists (django-ninja Router, mounted by workbench.api at /api/v1/lists).

`GET /lists/{red|black|key}`: the entries in force, for any valid token (black- and red-list
entries in force are published decisions). A token with the scope `lists:read-internal` also
gets the entries in progress, each with its stage and next deadline, and the internal reasons
of key-supervision entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.security import HttpBearer

from accounts.api_auth import find_token, touch
from accounts.models import ApiToken
from common.api import tags
from common.api.schemas import ErrorOut
from lists import selectors

INTERNAL_SCOPE = "lists:read-internal"
MAX_PAGE_SIZE = 200


class AnyTokenAuth(HttpBearer):
    """Any valid, unrevoked API token; what it may see beyond the public part is decided by its
    scopes inside the endpoint."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = find_token(token)
        if found is not None:
            touch(found)
        return found


class EntryOut(Schema):
    id: int
    subject_code: str
    subject_name: str
    state: str
    stage: str
    ground: str | None = None
    legal_basis: str | None = None
    decision_number: str | None = None
    decided_on: dt.date | None = None
    commendation: str | None = None
    rule: str | None = None
    reason: str | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    next_step: str | None = None
    next_deadline: dt.date | None = None


class ListOut(Schema):
    kind: Literal["red", "black", "key"]
    in_force: list[EntryOut]
    total_in_force: int
    in_progress: list[EntryOut] | None = None
    page: int
    page_size: int


def _entry(kind: str, entry: Any, *, internal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": entry.pk, "subject_code": entry.subject.display_code,
        "subject_name": entry.subject.name, "state": entry.state,
        "stage": str(entry.get_state_display()),
    }
    if kind == "black":
        out.update(ground=entry.ground.name, legal_basis=entry.decision_basis or None,
                   decision_number=entry.decision_number or None, decided_on=entry.decided_on,
                   effective_from=entry.effective_from, effective_until=entry.effective_until)
    elif kind == "red":
        out.update(commendation=entry.get_commendation_display() or None,
                   decision_number=entry.decision_number or None, decided_on=entry.decided_on,
                   effective_from=entry.effective_from, effective_until=entry.effective_until)
    else:
        out.update(rule=entry.rule, effective_from=entry.entered_on,
                   reason=entry.reason if internal else None)
    if internal and kind != "key":
        step = selectors.next_step(entry)
        if step is not None:
            out.update(next_step=step.label, next_deadline=step.due)
    return out


router = Router(tags=[tags.LISTS])


@router.get("/{kind}", auth=AnyTokenAuth(),
            response={200: ListOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
            summary=_("Entries of a list in force"),
            description=_("Entries in force, a page at a time; with the scope "
                          "lists:read-internal also the entries still in progress."))
def list_entries(
    request: HttpRequest,
    kind: Literal["red", "black", "key"],
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    internal = INTERNAL_SCOPE in (token.scopes or [])
    offset = (page - 1) * page_size
    qs = selectors.in_force(kind).order_by("pk")
    body: dict[str, Any] = {
        "kind": kind, "page": page, "page_size": page_size, "total_in_force": qs.count(),
        "in_force": [_entry(kind, e, internal=internal) for e in qs[offset:offset + page_size]],
    }
    if internal:
        body["in_progress"] = [
            _entry(kind, e, internal=True)
            for e in selectors.in_progress(kind).order_by("pk")[offset:offset + page_size]
        ]
    return body
