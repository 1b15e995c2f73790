"""The audit log as administrators and auditors read it, and the on-demand chain check."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.decorators import staff_required
from audit.actions import ACTION_LABELS, action_choices
from audit.models import AuditEvent
from audit.selectors import verify_chain
from common.pages import deny_unless

PAGE_SIZE = 50


def _page(request: HttpRequest) -> dict:
    """Newest first, optionally narrowed by action (one code chosen by its label, or a code
    prefix typed into the URL), object type/id or actor name."""
    events = AuditEvent.objects.order_by("-seq")
    filters = {
        "action": request.GET.get("action", "").strip(),
        "target_type": request.GET.get("target_type", "").strip(),
        "target_id": request.GET.get("target_id", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
    }
    if filters["action"] in ACTION_LABELS:
        events = events.filter(action=filters["action"])
    elif filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["target_type"]:
        events = events.filter(target_type=filters["target_type"])
    if filters["target_id"]:
        events = events.filter(target_id=filters["target_id"])
    if filters["actor"]:
        events = events.filter(actor_label=filters["actor"])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "filters": filters, "action_choices": action_choices()}


@staff_required
def event_list(request: HttpRequest) -> HttpResponse:
    deny_unless(permissions.can_read_audit(request.user))
    return render(request, "workbench/audit_list.html", _page(request))


@staff_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole hash chain now and show how far it holds."""
    deny_unless(permissions.can_read_audit(request.user))
    checked, broken = verify_chain()
    context = _page(request) | {"verified": {"checked": checked, "broken": broken}}
    return render(request, "workbench/audit_list.html", context)
