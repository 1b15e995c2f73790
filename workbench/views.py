"""The workbench shell: sign-in, the access gate every page passes, and the home page.

Views stay thin: they parse a form, call one service, and turn a `ServiceError` into a form error
with the status the error carries. Permission checks are repeated here (not only in services)
so that a refused user gets a clear 403 page before any work is done.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Role
from audit.models import AuditEvent
from audit.selectors import events_by, recent_events
from common.errors import ServiceError
from records.models import RecordState
from records.selectors import my_drafts, pending_reviews, visible_records

View = Callable[..., HttpResponse]

PASSWORD_CHANGE_URL_NAME = "password_change"
# Roles that watch the whole platform's activity on their home page; others see their own.
WIDE_ACTIVITY_ROLES = {Role.ADMIN, Role.AUDITOR, Role.LEAD_REVIEWER}


def staff_required(view: View) -> View:
    """Sign-in, active staff role and a changed one-time password, before any workbench page.

    The password check lives here rather than in a middleware so that the one decorator every
    page already wears enforces it; the password-change page itself opts out.
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied(_("Your account has no staff role."))
        if getattr(request.user, "must_change_password", False):
            return redirect(PASSWORD_CHANGE_URL_NAME)
        return view(request, *args, **kwargs)

    return wrapped


def deny_unless(allowed: bool) -> None:
    """Refuse with the shared 403 page; the service asks the same question again."""
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def apply_service_error(
    form: forms.BaseForm, exc: ServiceError, field_map: dict[str, str] | None = None
) -> int:
    """Put a service refusal under the field it names (or on top of the form); return its status.

    Services name fields by model attribute; `field_map` renames where a form differs.
    """
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))
    return exc.status


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
    return render(request, "common/home.html", context)


class LoginView(auth_views.LoginView):
    """Django's sign-in, sending holders of a one-time password to change it first."""

    template_name = "common/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        if getattr(self.request.user, "must_change_password", False):
            return reverse(PASSWORD_CHANGE_URL_NAME)
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    """Sign-out by POST only (Django 5), back to the sign-in page."""

