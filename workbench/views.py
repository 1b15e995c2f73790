"""The workbench shell: sign-in and sign-out, and the home page.

The access gate every page passes is `accounts.decorators.staff_required`; the helpers every
view uses (`deny_unless`, `apply_service_error`) are in `common.pages`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.decorators import PASSWORD_CHANGE_URL_NAME, staff_required
from accounts.models import Role, User
from approvals import permissions as approval_permissions
from approvals.forms import CheckForm
from approvals.models import Commitment, CommitmentState
from approvals.rules import commitment_due_soon_until
from audit.models import AuditEvent, ChainHead
from audit.selectors import events_by, recent_events
from common import clock
from common.models import JobRun
from lists import selectors as list_selectors
from lists.models import BlackListEntry, BlackState, RedListEntry, RedState
from records.models import CreditRecord, RecordState
from records.selectors import my_drafts, pending_reviews, visible_records
from subjects.models import Subject
from workbench.notify import notice_horizon

# Roles that watch the whole platform's activity on their home page; others see their own.
WIDE_ACTIVITY_ROLES = {Role.ADMIN, Role.AUDITOR, Role.LEAD_REVIEWER}

#: Which home page each role lands on: its own work first (issue 13, per-role home pages).
HOME_TEMPLATES = {
    Role.CLERK: "workbench/home_clerk.html",
    Role.LEAD_REVIEWER: "workbench/home_reviewer.html",
    Role.WINDOW_OFFICER: "workbench/home_window.html",
    Role.LEADER: "workbench/home_leader.html",
    Role.AUDITOR: "workbench/home_auditor.html",
    Role.ADMIN: "workbench/home_admin.html",
}


def _activity(user: Any) -> tuple[list[AuditEvent], bool]:
    """Recent audit events for the home page and whether they cover everyone's actions."""
    if user.role in WIDE_ACTIVITY_ROLES:
        return list(recent_events(limit=15)), True
    return list(events_by(actor_id=user.pk)), False


def _own_records(user: User) -> dict[str, Any]:
    """A writer's own work: drafts, records in review, records returned to fix."""
    drafts = my_drafts(user=user).order_by("-updated_at")
    mine = visible_records(user=user).filter(created_by=user)
    waiting = mine.filter(state=RecordState.SUBMITTED).order_by("-submitted_at")
    returned = mine.filter(state=RecordState.REJECTED).order_by("-reviewed_at")
    counts = mine.aggregate(
        drafts=Count("pk", filter=Q(state=RecordState.DRAFT)),
        waiting=Count("pk", filter=Q(state=RecordState.SUBMITTED)),
        returned=Count("pk", filter=Q(state=RecordState.REJECTED)))
    return {
        "drafts": list(drafts[:10]), "drafts_count": counts["drafts"],
        "waiting": list(waiting[:10]), "waiting_count": counts["waiting"],
        "returned": list(returned[:10]), "returned_count": counts["returned"],
    }


def _review_queue(user: User, today: dt.date) -> dict[str, Any]:
    """The reviewer's queue, oldest first, with each record's age in days (how long the
    submitting department has waited)."""
    pending = pending_reviews(user=user).select_related("submitted_by")
    queue = list(pending[:15])
    for record in queue:
        submitted = timezone.localtime(record.submitted_at).date() if record.submitted_at else today
        record.age_days = (today - submitted).days
    return {"pending": queue, "pending_count": pending.count(),
            "oldest_age": queue[0].age_days if queue else None}


def _due_process(user: User, today: dt.date) -> dict[str, Any]:
    """The lead department's due-process deadlines: every open step with a date, split into
    overdue and due within the notice horizon (three working days), with days left."""
    horizon = notice_horizon(as_of=today)
    shown, later = list_selectors.staff_steps_due(user=user, until=horizon)
    overdue = [s for s in shown if s.due < today]
    due = [s for s in shown if s.due >= today]
    return {
        "steps_overdue": overdue, "steps_due": due, "steps_count": len(overdue) + len(due),
        "steps_later_count": later, "horizon": horizon,
    }


def _window(user: User, today: dt.date) -> dict[str, Any]:
    """The window officer's desk: the check form, and the commitments they recorded that are
    overdue or fall due soon."""
    until = commitment_due_soon_until(today=today)
    open_ = (Commitment.objects.filter(state=CommitmentState.OPEN, deadline__lte=until)
             .filter(Q(created_by=user) | Q(department_id=user.department_id))
             .select_related("subject", "matter", "credit_check").order_by("deadline", "id"))
    rows = list(open_[:20])
    return {
        "check_form": CheckForm() if approval_permissions.can_run_checks(user) else None,
        "commitments_overdue": [c for c in rows if c.deadline < today],
        "commitments_due": [c for c in rows if c.deadline >= today],
        "commitments_until": until,
    }


def _key_figures() -> dict[str, int]:
    """What a leader sees at a glance without the dashboard: a handful of COUNT queries."""
    records = CreditRecord.objects.aggregate(
        effective=Count("pk", filter=Q(state=RecordState.EFFECTIVE)),
        submitted=Count("pk", filter=Q(state=RecordState.SUBMITTED)))
    return {
        "subjects": Subject.objects.count(),
        "records_effective": records["effective"],
        "records_submitted": records["submitted"],
        "black_in_force": BlackListEntry.objects.filter(state=BlackState.IN_FORCE).count(),
        "red_in_force": RedListEntry.objects.filter(state=RedState.IN_FORCE).count(),
        "commitments_open": Commitment.objects.filter(state=CommitmentState.OPEN).count(),
    }


def _chain_status() -> dict[str, Any]:
    """A cheap status of the audit chain for the auditor's home page: how many events, the
    newest one, each stream's head. The full walk (`audit.selectors.verify_chain`) reads every
    event, so it runs only when the auditor asks for it (the "Verify" button)."""
    latest = AuditEvent.objects.order_by("-seq").only("seq", "occurred_at").first()
    return {"events_total": latest.seq if latest else 0,
            "latest_at": latest.occurred_at if latest else None,
            "streams": list(ChainHead.objects.order_by("id"))}


def _admin_needs(today: dt.date) -> dict[str, Any]:
    """What needs an administrator: a failed deadline job, accounts still on a one-time
    password, breached commitments whose record is waiting for review."""
    last_run = JobRun.objects.filter(job="process_deadlines").order_by("-started_at").first()
    return {
        "last_run": last_run,
        "one_time_passwords": User.objects.filter(is_active=True,
                                                  must_change_password=True).count(),
        "breach_records_waiting": Commitment.objects.filter(
            state=CommitmentState.BREACHED,
            outcome_record__state=RecordState.SUBMITTED).count(),
    }


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own work: a clerk on its drafts and returned records, a reviewer
    on its queue with ages and the due-process deadlines, a window officer on the check form and
    its commitments due, a leader on the dashboard (or its key figures), an auditor on the
    audit trail and the chain's status, an administrator on what needs them."""
    user = request.user
    today = clock.today()
    role = user.role
    context: dict[str, Any] = {"role": role, "today": today}
    if role in (Role.CLERK, Role.ADMIN, Role.LEAD_REVIEWER):
        context |= _own_records(user)
    if permissions.can_review_records(user):
        context |= _review_queue(user, today) | _due_process(user, today)
    if role == Role.WINDOW_OFFICER:
        context |= _window(user, today)
    if role == Role.LEADER:
        context |= {"dashboard_url": reverse("monitoring:dashboard"), "figures": _key_figures()}
    if role == Role.AUDITOR:
        context |= {"chain": _chain_status()}
    if role == Role.ADMIN:
        context |= _admin_needs(today)
    context["can_review"] = permissions.can_review_records(user)
    context["events"], context["events_wide"] = _activity(user)
    template = HOME_TEMPLATES.get(role, "workbench/home_clerk.html")
    return render(request, template, context)


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

