"""The workbench shell: sign-in and sign-out, and the home page.

The access gate every page passes is `accounts.decorators.staff_required`; the helpers every
view uses (`deny_unless`, `apply_service_error`) are in `common.pages`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts import permissions
from accounts.decorators import PASSWORD_CHANGE_URL_NAME, staff_required
from accounts.models import Role
from audit.models import AuditEvent
from audit.selectors import events_by, recent_events
from records.models import RecordState
from records.selectors import my_drafts, pending_reviews, visible_records

# Roles that watch the whole platform's activity on their home page; others see their own.
WIDE_ACTIVITY_ROLES = {Role.ADMIN, Role.AUDITOR, Role.LEAD_REVIEWER}


def _activity(user: Any) -> tuple[list[AuditEvent], bool]:
    """Recent audit events for the home page and whether they cover everyone's actions."""
    if user.role in WIDE_ACTIVITY_ROLES:
        return list(recent_events(limit=15)), True
    return list(events_by(actor_id=user.pk)), False


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The task list: what waits for me, what I left unfinished, what happened lately."""
    user = request.user
    pending = pending_reviews(user=user)
    drafts = my_drafts(user=user).order_by("-updated_at")
    mine = visible_records(user=user).filter(created_by=user)
    waiting = mine.filter(state=RecordState.SUBMITTED).order_by("-submitted_at")
    returned = mine.filter(state=RecordState.REJECTED).order_by("-reviewed_at")
    events, wide = _activity(user)
    context = {
        "can_review": permissions.can_review_records(user),
        "pending": pending[:10],
        "pending_count": pending.count(),
        "drafts": drafts[:10],
        "drafts_count": drafts.count(),
        "waiting": waiting[:10],
        "waiting_count": waiting.count(),
        "returned": returned[:5],
        "events": events,
        "events_wide": wide,
    }
    return render(request, "workbench/home.html", context)


class LoginView(auth_views.LoginView):
    """Django's sign-in, sending holders of a one-time password to change it first."""

    template_name = "workbench/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        if getattr(self.request.user, "must_change_password", False):
            return reverse(PASSWORD_CHANGE_URL_NAME)
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    """Sign-out by POST only (Django 5), back to the sign-in page."""

