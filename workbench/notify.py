"""The producers of notifications: what needs whom, found once a day and when a record returns.

Notifications are stored in `accounts` (low in the flow, so it cannot read the apps whose events
they are); this module sits at the top and reads them all. Two producers:

- `notify_due(as_of=...)`, run by the deadline job after every other handler (so it sees the
  day's moves): a due-process step of the black or red list, an objection's reply or a
  credit-repair decision falling due within `NOTICE_WORKING_DAYS` working days (or already
  overdue), an objection waiting for an answer, and a commitment (容缺受理承诺) about to expire.
- `record_returned`, a receiver of `records.signals.record_returned`: the clerk who entered a
  record is told at once when a reviewer returns it.

Only those who may act are told: the lead department's reviewers for list steps, objections and
repairs (`lists.permissions.can_decide`: 牵头部门 decides), the clerk who created a record for
its return, the window officer who recorded a commitment. Each event has a key; the
(user, key) unique constraint means a second run tells nobody twice, while a step whose date
moves (an objection suspends and resumes it) is a new event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Department, Notification, Role, User
from accounts.notifications import notify
from approvals.models import Commitment, CommitmentState
from common.workdays import add_working_days
from lists.models import (
    BlackListEntry,
    BlackState,
    Objection,
    RedListEntry,
    RedState,
    RepairRequest,
)
from records.models import CreditRecord, RecordState

#: How far ahead staff are warned of a deadline: 3 working days (本县规定).
NOTICE_WORKING_DAYS = 3

# (model, state, date field, step label) of the list steps staff must take by a date.
_BLACK_STEPS = ((BlackState.UNDER_REVIEW, "review_due_on"), (BlackState.DECIDED, "publish_due_on"))
_RED_STEPS = ((RedState.NOMINATED, "review_due_on"),
              (RedState.AWAITING_DECISION, "decision_due_on"),
              (RedState.DECIDED, "publish_due_on"))


def notice_horizon(*, as_of: dt.date) -> dt.date:
    """The last day a deadline may fall on to be announced on `as_of`: 3 working days ahead, so
    a step due on Monday is announced on the Wednesday before, not lost over the weekend."""
    return add_working_days(as_of, NOTICE_WORKING_DAYS)


@dataclass(frozen=True)
class DueStep:
    """One step that falls due: the event key, what to say, where to go and by when."""

    key: str
    title: str
    url: str
    due: dt.date


def _step_querysets(*, horizon: dt.date) -> dict[str, QuerySet[Any]]:
    """Set-based: one queryset per kind of step, each filtered to deadlines on or before
    `horizon` (overdue ones included: they still need someone)."""
    black = Q()
    for state, field in _BLACK_STEPS:
        black |= Q(state=state, **{f"{field}__lte": horizon})
    red = Q()
    for state, field in _RED_STEPS:
        red |= Q(state=state, **{f"{field}__lte": horizon})
    return {
        "black": BlackListEntry.objects.filter(black),
        "red": RedListEntry.objects.filter(red),
        "objection": Objection.objects.filter(state=Objection.State.PENDING,
                                              reply_due_on__lte=horizon),
        "repair": RepairRequest.objects.filter(state=RepairRequest.State.PENDING,
                                               decision_due_on__lte=horizon),
    }


#: The badge's statement per database vendor, written once per process: (SQL, parameters with
#: `_HORIZON_MARK` where the horizon goes). See `due_step_count`.
_badge_statements: dict[str, tuple[str, list[Any]]] = {}
_HORIZON_MARK = dt.date(1, 1, 1)


def due_step_count(*, as_of: dt.date) -> int:
    """How many list steps fall due within the notice horizon or are overdue (the top bar's
    badge for those who decide): one statement summing four COUNT subqueries, whatever the
    number of cases.

    The badge is on every staff page: building and compiling four querysets was most of the
    top bar's CPU (issue 14), so the statement is compiled once per process with a marker
    date and only the horizon is put in for each call; `workbench/tests/test_badges.py` checks
    it counts what the four querysets count."""
    horizon = notice_horizon(as_of=as_of)
    statement = _badge_statements.get(connection.vendor)
    if statement is None:
        parts, params = [], []
        for qs in _step_querysets(horizon=_HORIZON_MARK).values():
            sql, sql_params = qs.order_by().values("pk").query.sql_with_params()
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS steps)")
            params.extend(sql_params)
        marks = (_HORIZON_MARK, connection.ops.adapt_datefield_value(_HORIZON_MARK))
        params = [_HORIZON_MARK if p in marks else p for p in params]
        statement = _badge_statements[connection.vendor] = ("SELECT " + " + ".join(parts),
                                                            params)
    sql, params = statement
    value = connection.ops.adapt_datefield_value(horizon)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value if p is _HORIZON_MARK else p for p in params])
        return int(cursor.fetchone()[0])


def due_steps(*, as_of: dt.date) -> list[DueStep]:
    """Every list step due within the notice horizon or overdue, soonest first."""
    qs = _step_querysets(horizon=notice_horizon(as_of=as_of))
    steps: list[DueStep] = []
    for entry in qs["black"].select_related("subject"):
        field = dict(_BLACK_STEPS)[entry.state]
        due = getattr(entry, field)
        label = _("Decide") if entry.state == BlackState.UNDER_REVIEW else _(
            "Publish the decision")
        steps.append(DueStep(f"step:black:{entry.pk}:{entry.state}:{due}",
                             _("Black list, %(subject)s: %(step)s by %(due)s")
                             % {"subject": entry.subject.name, "step": label, "due": due},
                             reverse("lists:black_detail", args=[entry.pk]), due))
    red_labels = {RedState.NOMINATED: _("Review the nomination"),
                  RedState.AWAITING_DECISION: _("Decide on the commendation"),
                  RedState.DECIDED: _("Publish the commendation")}
    for entry in qs["red"].select_related("subject"):
        due = getattr(entry, dict(_RED_STEPS)[entry.state])
        steps.append(DueStep(f"step:red:{entry.pk}:{entry.state}:{due}",
                             _("Red list, %(subject)s: %(step)s by %(due)s")
                             % {"subject": entry.subject.name, "step": red_labels[entry.state],
                                "due": due},
                             reverse("lists:red_detail", args=[entry.pk]), due))
    for objection in qs["objection"].select_related("black_entry__subject",
                                                    "red_entry__subject"):
        entry = objection.black_entry or objection.red_entry
        url = reverse(f"lists:{entry.kind}_detail", args=[entry.pk])
        steps.append(DueStep(f"step:objection:{objection.pk}:{objection.reply_due_on}",
                             _("Answer the objection on %(subject)s by %(due)s")
                             % {"subject": entry.subject.name, "due": objection.reply_due_on},
                             url, objection.reply_due_on))
    for repair in qs["repair"].select_related("entry__subject", "record__subject"):
        if repair.entry_id:
            subject, url = repair.entry.subject, reverse("lists:black_detail",
                                                         args=[repair.entry_id])
        else:
            subject, url = repair.record.subject, reverse("lists:record_repair",
                                                          args=[repair.record_id])
        steps.append(DueStep(f"step:repair:{repair.pk}:{repair.decision_due_on}",
                             _("Decide the credit-repair request of %(subject)s by %(due)s")
                             % {"subject": subject.name, "due": repair.decision_due_on},
                             url, repair.decision_due_on))
    return sorted(steps, key=lambda s: (s.due, s.key))


def deciders() -> list[User]:
    """Who decides list cases, objections and repairs: the active lead reviewers of the lead
    department (`lists.permissions.can_decide`; administrators may too, but are not paged)."""
    return list(User.objects.filter(is_active=True, role=Role.LEAD_REVIEWER,
                                    department__kind=Department.Kind.LEAD))


def _objections_waiting() -> list[tuple[str, str, str]]:
    rows = []
    for objection in Objection.objects.filter(state=Objection.State.PENDING).select_related(
            "black_entry__subject", "red_entry__subject"):
        entry = objection.black_entry or objection.red_entry
        rows.append((f"objection:{objection.pk}",
                     _("Objection by %(objector)s to the %(list)s entry of %(subject)s is "
                       "waiting for an answer")
                     % {"objector": objection.objector,
                        "list": _("black list") if entry.kind == "black" else _("red list"),
                        "subject": entry.subject.name},
                     reverse(f"lists:{entry.kind}_detail", args=[entry.pk])))
    return rows


def _commitments_due(*, as_of: dt.date) -> list[Commitment]:
    """Open commitments whose deadline falls within the notice horizon (or has passed without
    the deadline job breaching it yet)."""
    return list(Commitment.objects.filter(
        state=CommitmentState.OPEN, deadline__lte=notice_horizon(as_of=as_of),
    ).select_related("created_by", "subject", "credit_check"))


def notify_due(*, as_of: dt.date) -> int:
    """The deadline job's notification handler: tell each person what falls due. Returns how
    many notifications were created (0 on a second run the same day)."""
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        people = deciders()
        for step in due_steps(as_of=as_of):
            for user in people:
                created += notify(user=user, kind=Notification.Kind.STEP_DUE, key=step.key,
                                  title=step.title, url=step.url)
        for key, title, url in _objections_waiting():
            for user in people:
                created += notify(user=user, kind=Notification.Kind.OBJECTION, key=key,
                                  title=title, url=url)
        for commitment in _commitments_due(as_of=as_of):
            created += notify(
                user=commitment.created_by, kind=Notification.Kind.COMMITMENT_DUE,
                key=f"commitment:{commitment.pk}:{commitment.deadline}",
                title=_("Commitment %(number)s of %(subject)s: materials due by %(due)s")
                % {"number": commitment.credit_check.number,
                   "subject": commitment.subject.name, "due": commitment.deadline},
                url=reverse("approvals:commitment", args=[commitment.pk]))
    return created


def record_returned(sender: Any, record: CreditRecord, **kwargs: Any) -> None:
    """Tell the clerk who entered a record, at once, that a reviewer returned it (rejected it
    with a comment to fix). Connected to `records.signals.record_returned`; the e-mail
    leaves after the rejecting transaction commits."""
    if record.state != RecordState.REJECTED or record.created_by_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notify(user=record.created_by, kind=Notification.Kind.RECORD_RETURNED,
               key=f"record_returned:{record.pk}:{record.reviewed_at:%Y%m%d%H%M%S%f}",
               title=_("Record #%(pk)s was returned: %(comment)s")
               % {"pk": record.pk, "comment": record.review_comment},
               url=reverse("records:detail", args=[record.pk]))
