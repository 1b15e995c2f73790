"""Reads for lists: who is on which list, what each case waits for, and what the rules say.

Grades are read from `scoring` read-only (scoring sits to the left of lists in the flow:
evaluate → classify → apply); lists never write there. Rule checks are set-based: one query per
rule for all subjects concerned, never a loop over subjects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from common import clock
from lists import rules
from lists.models import (
    BLACK_OPEN_STATES,
    RED_OPEN_STATES,
    BlackListEntry,
    BlackState,
    CaseState,
    IndustrySanction,
    KeyRule,
    KeyState,
    KeySupervisionEntry,
    Objection,
    RedListCriterion,
    RedListEntry,
    RedState,
    RepairRequest,
    SanctionState,
    TypicalCase,
)
from records.models import CreditRecord, Polarity, RecordState
from records.selectors import visible_records
from subjects.models import Subject

# Legal text written into decisions and notices: kept in Chinese, the language they are served in.
DEFAULT_BLACK_MEASURES = (
    "纳入重点监管对象；依法在市场准入、资质资格管理、招标投标等方面予以限制；"
    "不得参加评先评优，不得享受政策试点和项目扶持（《建筑市场信用管理暂行办法》第十七条）。"
)

# What key supervision means (建市〔2017〕241号 第十一条、第十七条; the county's own practice).
KEY_MEASURES = (
    "每6个月至少开展1次不打招呼的检查（本县规定）",
    "每年至少约谈1次主要负责人（本县规定）",
    "提高“双随机、一公开”抽查比例和频次（建市〔2017〕241号）",
    "不适用告知承诺、容缺受理、绿色通道等便利措施",
)


def key_measures() -> list[str]:
    return [str(m) for m in KEY_MEASURES]


# --- list membership --------------------------------------------------------------------------
def black_in_force() -> QuerySet[BlackListEntry]:
    return BlackListEntry.objects.filter(state=BlackState.IN_FORCE).select_related(
        "subject", "ground", "department")


def red_in_force() -> QuerySet[RedListEntry]:
    return RedListEntry.objects.filter(state=RedState.IN_FORCE).select_related(
        "subject", "department", "criterion")


def key_in_force() -> QuerySet[KeySupervisionEntry]:
    return KeySupervisionEntry.objects.filter(state=KeyState.IN_FORCE).select_related("subject")


def in_force(kind: str) -> QuerySet[Any]:
    return {"black": black_in_force, "red": red_in_force, "key": key_in_force}[kind]()


def in_progress(kind: str) -> QuerySet[Any]:
    """Entries on their way (or suspended): for internal readers only."""
    if kind == "black":
        return BlackListEntry.objects.filter(state__in=BLACK_OPEN_STATES).select_related(
            "subject", "ground", "department")
    if kind == "red":
        return RedListEntry.objects.filter(state__in=RED_OPEN_STATES).select_related(
            "subject", "department", "criterion")
    return KeySupervisionEntry.objects.none()


def black_listed_subject_ids(*, subject_ids: Iterable[int] | None = None) -> set[int]:
    qs = BlackListEntry.objects.filter(state=BlackState.IN_FORCE)
    if subject_ids is not None:
        qs = qs.filter(subject_id__in=list(subject_ids))
    return set(qs.values_list("subject_id", flat=True))


def _bad_records_in_force(as_of: dt.date) -> QuerySet[CreditRecord]:
    """Effective bad records still inside their publicity period (241号 第十三条: past it, a
    record may not be used for punishment)."""
    return CreditRecord.objects.filter(
        state=RecordState.EFFECTIVE, record_type__polarity=Polarity.BAD,
        publicity_ends_on__gte=as_of,
    )


def subjects_with_removing_records(*, subject_ids: Iterable[int] | None, as_of: dt.date
                                   ) -> set[int]:
    """Subjects with an in-force bad record severe enough to exclude them from the red list."""
    severities = [s for s, rank in rules.SEVERITY_RANK.items()
                  if rules.red_list_removal_applies(severity=s)]
    qs = _bad_records_in_force(as_of).filter(record_type__severity__in=severities)
    if subject_ids is not None:
        qs = qs.filter(subject_id__in=list(subject_ids))
    return set(qs.values_list("subject_id", flat=True))


# --- grades (read-only from scoring) ----------------------------------------------------------
def _scoring_models() -> tuple[Any, Any, Any] | None:
    if not apps.is_installed("scoring"):
        return None
    try:
        return (apps.get_model("scoring", "EvaluationBatch"),
                apps.get_model("scoring", "Evaluation"), apps.get_model("scoring", "CurrentBatch"))
    except LookupError:
        return None


def red_list_history_needed() -> dict[str, int]:
    """How many evaluation batches of each category (the current one included) the red-list
    criteria in use look back over (`red_list_candidates`): scoring's retention keeps them."""
    return dict(RedListCriterion.objects.filter(is_active=True).order_by().values("category")
                .annotate(n=Max("consecutive_batches")).values_list("category", "n"))


def lowest_grade_subjects(*, subject_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Subjects whose current grade is their model's lowest: the last threshold grade, or a
    veto-only grade (e.g. a black-list veto), which ranks below every threshold grade."""
    found = _scoring_models()
    if found is None:
        return {}
    _batch, evaluation, current = found
    result: dict[int, str] = {}
    for pointer in current.objects.select_related("batch__model"):
        spec = pointer.batch.model.spec or {}
        names = [g["name"] for g in spec.get("grades", [])]
        if not names:
            continue
        qs = evaluation.objects.filter(batch_id=pointer.batch_id).filter(
            Q(grade=names[-1]) | ~Q(grade__in=names))
        if subject_ids is not None:
            qs = qs.filter(subject_id__in=list(subject_ids))
        result.update(dict(qs.values_list("subject_id", "grade")))
    return result


def red_list_candidates(*, criterion: RedListCriterion, as_of: dt.date
                        ) -> list[tuple[int, str]]:
    """Subjects the criterion nominates: the required grade in each of the last
    `consecutive_batches` complete evaluation batches of the category (ordered by as_of, the
    current one included) and no effective bad record decided in the last `clean_months`.

    A subject this criterion already nominated on or after the newest batch's date is left out:
    a nomination that was refused is not made again until a new evaluation confirms it.
    """
    found = _scoring_models()
    if found is None:
        return []
    batch_model, evaluation, current = found
    pointer = current.objects.filter(category=criterion.category).first()
    if pointer is None:
        return []
    recent = list(
        batch_model.objects.filter(
            category=criterion.category, status="complete", is_simulation=False,
            as_of__lte=pointer.batch.as_of)
        .order_by("-as_of", "-id").values_list("pk", "as_of")[:criterion.consecutive_batches]
    )
    if len(recent) < criterion.consecutive_batches:
        return []
    batches = [pk for pk, _ in recent]
    newest = recent[0][1]
    counts: dict[int, int] = {}
    for subject_id in evaluation.objects.filter(
        batch_id__in=batches, grade=criterion.top_grade
    ).values_list("subject_id", flat=True):
        counts[subject_id] = counts.get(subject_id, 0) + 1
    streak = {s for s, n in counts.items() if n == len(batches)}
    if not streak:
        return []
    window_start = rules.red_list_clean_window_start(as_of=as_of, months=criterion.clean_months)
    tainted = set(
        CreditRecord.objects.filter(
            subject_id__in=streak, state=RecordState.EFFECTIVE,
            record_type__polarity=Polarity.BAD, decided_on__gte=window_start,
        ).values_list("subject_id", flat=True)
    )
    tainted |= set(RedListEntry.objects.filter(
        criterion=criterion, subject_id__in=streak, nominated_at__date__gte=newest,
    ).values_list("subject_id", flat=True))
    reason = _("Grade %(g)s in %(n)s consecutive evaluations and no bad record since %(d)s "
               "(%(c)s).") % {"g": criterion.top_grade, "n": len(batches), "d": window_start,
                              "c": criterion.name}
    return [(s, reason) for s in sorted(streak - tainted)]


# --- key supervision rules --------------------------------------------------------------------
def key_supervision_should(*, subject_ids: list[int] | None, as_of: dt.date
                           ) -> dict[tuple[int, str], dict[str, Any]]:
    """Per (subject, rule): why the subject should be under key supervision now.

    * severe_record: an effective severe bad record inside its publicity period
      (建市〔2017〕241号: subjects with serious bad records are key supervision objects);
    * black_list: a black-list entry in force (241号 第十七条);
    * lowest_grade: the lowest grade of the subject's current evaluation.
    """
    should: dict[tuple[int, str], dict[str, Any]] = {}
    severe = _bad_records_in_force(as_of).filter(record_type__severity="severe")
    black = BlackListEntry.objects.filter(state=BlackState.IN_FORCE)
    if subject_ids is not None:
        severe = severe.filter(subject_id__in=subject_ids)
        black = black.filter(subject_id__in=subject_ids)
    for subject_id, record_id, number, type_name in severe.order_by("decided_on", "id").values_list(
            "subject_id", "id", "document_number", "record_type__name"):
        should.setdefault((subject_id, KeyRule.SEVERE_RECORD), {
            "record": record_id,
            "reason": _("Severe bad record %(n)s (%(t)s) is effective.")
            % {"n": number, "t": type_name},
        })
    for subject_id, entry_id, ground, number in black.values_list(
            "subject_id", "id", "ground__name", "decision_number"):
        should.setdefault((subject_id, KeyRule.BLACK_LIST), {
            "black": entry_id,
            "reason": _("On the black list (%(g)s, decision %(n)s).") % {"g": ground, "n": number},
        })
    for subject_id, grade in lowest_grade_subjects(subject_ids=subject_ids).items():
        should[(subject_id, KeyRule.LOWEST_GRADE)] = {
            "grade": grade, "reason": _("Current grade %(g)s is the lowest.") % {"g": grade},
        }
    return should


# --- what each case waits for -----------------------------------------------------------------
@dataclass
class Step:
    """The next step of a case: what, by when, and whether staff or the calendar must act."""

    entry: Any
    kind: str
    label: str
    due: dt.date | None
    waiting_for_staff: bool

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - clock.today()).days

    @property
    def days_overdue(self) -> int:
        return max(0, -(self.days_left or 0))

    @property
    def overdue(self) -> bool:
        return self.waiting_for_staff and self.due is not None and self.due < clock.today()


def _pending_objection(entry: Any) -> Objection | None:
    """The entry's pending objection (at most one: a unique constraint), from the list
    `pending_steps` prefetched when there is one, else one query."""
    prefetched = getattr(entry, "pending_objections", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return entry.objections.filter(state=Objection.State.PENDING).first()


def _pending_repair(entry: BlackListEntry) -> RepairRequest | None:
    """The black-list entry's pending repair request (at most one), prefetched or queried."""
    prefetched = getattr(entry, "pending_repairs", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return entry.repair_requests.filter(state=RepairRequest.State.PENDING).first()


def next_step(entry: Any) -> Step | None:
    """The next step of a black- or red-list entry, or None when nothing is pending."""
    kind = entry.kind
    state = entry.state
    if kind == "black":
        table: dict[str, tuple[Any, dt.date | None, bool]] = {
            BlackState.PROPOSED: (_("Serve the notice of intended listing"), None, True),
            BlackState.NOTIFIED: (_("Statement and defence period ends"),
                                  entry.statement_ends_on, False),
            BlackState.UNDER_REVIEW: (_("Decide"), entry.review_due_on, True),
            BlackState.DECIDED: (_("Publish the decision"), entry.publish_due_on, True),
            BlackState.PUBLICITY: (_("Publicity ends"), entry.publicity_ends_on, False),
            BlackState.IN_FORCE: (_("Management period ends"), entry.effective_until, False),
        }
        if state == BlackState.SUSPENDED:
            objection = _pending_objection(entry)
            return Step(entry, kind, _("Answer the objection"),
                        objection.reply_due_on if objection else None, True)
        if state in (BlackState.PUBLICITY, BlackState.IN_FORCE):
            objection = _pending_objection(entry)  # examined without suspending
            if objection:
                return Step(entry, kind, _("Answer the objection"), objection.reply_due_on,
                            True)
        if state == BlackState.IN_FORCE:
            repair = _pending_repair(entry)
            if repair:
                return Step(entry, kind, _("Decide the credit-repair request"),
                            repair.decision_due_on, True)
    else:
        table = {
            RedState.NOMINATED: (_("Review the nomination"), entry.review_due_on, True),
            RedState.PUBLICITY: (_("Publicity ends"), entry.publicity_ends_on, False),
            RedState.AWAITING_DECISION: (_("Decide on the commendation"),
                                         entry.decision_due_on, True),
            RedState.DECIDED: (_("Publish the commendation"), entry.publish_due_on, True),
            RedState.IN_FORCE: (_("Validity ends"), entry.effective_until, False),
        }
        if state == RedState.SUSPENDED or (state == RedState.PUBLICITY
                                           and _pending_objection(entry)):
            objection = _pending_objection(entry)
            return Step(entry, kind, _("Answer the objection"),
                        objection.reply_due_on if objection else None, True)
        if state == RedState.ON_HOLD:
            return Step(entry, kind, _("A bad record became effective: remove the entry, or "
                                       "lift the suspension if the record is revoked"),
                        None, True)
    if state not in table:
        return None
    label, due, staff = table[state]
    return Step(entry, kind, str(label), due, staff)


def _department_filter(user: User) -> Q:
    if account_permissions.can_see_all_departments(user):
        return Q()
    return Q(department_id=user.department_id)


def _pending_prefetch(relation: str, model: type[Objection] | type[RepairRequest]) -> Prefetch:
    """Each entry's pending objections or repair requests in one query for the whole page
    (`next_step` reads them as `pending_objections` / `pending_repairs`): no query per entry."""
    to_attr = "pending_objections" if model is Objection else "pending_repairs"
    return Prefetch(relation, queryset=model.objects.filter(state="pending"), to_attr=to_attr)


def pending_steps(*, user: User) -> list[Step]:
    """Every open step this user's department handles (all departments for the lead roles),
    soonest deadline first; steps without a deadline last."""
    if not account_permissions.is_staff_member(user):
        return []
    scope = _department_filter(user)
    steps: list[Step] = []
    black = BlackListEntry.objects.filter(scope).filter(
        Q(state__in=BLACK_OPEN_STATES)
        | Q(state=BlackState.IN_FORCE, repair_requests__state=RepairRequest.State.PENDING)
        | Q(state=BlackState.IN_FORCE, objections__state=Objection.State.PENDING)
    ).distinct().select_related("subject", "ground", "department").prefetch_related(
        _pending_prefetch("objections", Objection), _pending_prefetch("repair_requests",
                                                                        RepairRequest))
    red = RedListEntry.objects.filter(
        scope, state__in=[*RED_OPEN_STATES, RedState.ON_HOLD]).select_related(
        "subject", "department").prefetch_related(_pending_prefetch("objections", Objection))
    for entry in [*black, *red]:
        step = next_step(entry)
        if step is not None:
            steps.append(step)
    today = clock.today()
    # only what a step and its row show: thousands of open sanctions are read here, and
    # building each full row (and its subject's) was most of the workbench's time (issue 14)
    for sanction in IndustrySanction.objects.filter(
            scope, state__in=[SanctionState.PROPOSED, SanctionState.NOTIFIED]
    ).select_related("subject").only("id", "state", "statement_ends_on", "statement_final",
                                     "department_id", "subject__name"):
        if sanction.state == SanctionState.PROPOSED:
            steps.append(Step(sanction, "sanction", _("Serve the notice of intended sanction"),
                              None, True))
        elif sanction.statement_ends_on and sanction.statement_ends_on >= today \
                and not sanction.statement_final:
            steps.append(Step(sanction, "sanction", _("Statement and defence period ends"),
                              sanction.statement_ends_on, False))
        else:
            steps.append(Step(sanction, "sanction", _("Decide the sanction"), None, True))
    repairs = RepairRequest.objects.filter(state=RepairRequest.State.PENDING,
                                           record__isnull=False).select_related(
        "record__subject", "record__record_type")
    if not account_permissions.can_see_all_departments(user):
        repairs = repairs.filter(record__source_department_id=user.department_id)
    for repair in repairs:
        steps.append(Step(repair.record, "record_repair", _("Decide the credit-repair request"),
                          repair.decision_due_on, True))
    for case in TypicalCase.objects.filter(scope, state=CaseState.SUBMITTED):
        steps.append(Step(case, "case", _("Review the typical case"), None, True))
    far = dt.date.max
    return sorted(steps, key=lambda s: (s.due or far, s.kind, s.entry.pk))


# --- the lists workbench, a page at a time -----------------------------------------------------
#: stands for "no deadline" in the steps' order (steps without a deadline come last)
_NO_DUE = dt.date(9999, 12, 31)


def _pending(model: type[Objection] | type[RepairRequest], fk: str) -> QuerySet[Any]:
    return model.objects.filter(**{fk: OuterRef("pk")}, state="pending")


def _step_row(qs: QuerySet[Any], kind: str, due: Any, staff: Any, ident: str = "pk"
              ) -> QuerySet[Any]:
    """(kind, id, due or _NO_DUE, waiting for staff) of each step of `qs`, for the UNION."""
    return qs.annotate(
        step_kind=Value(kind, output_field=CharField()), step_id=F(ident),
        step_due=Coalesce(due, Value(_NO_DUE), output_field=DateField()),
        step_staff=Case(When(staff, then=Value(True)), default=Value(False),
                        output_field=BooleanField()),
    ).values_list("step_kind", "step_id", "step_due", "step_staff").order_by()


def _step_rows(user: User) -> QuerySet[Any]:
    """Every open step this user's department handles as one UNION of narrow rows (kind, id,
    deadline or _NO_DUE, waiting for staff): the same steps, deadlines and waiting parties as
    `pending_steps` (which `next_step` decides per entry), computed by the database (tested
    against it). Unordered: `pending_steps_page` orders and pages it."""
    scope = _department_filter(user)
    today = clock.today()
    black_objection = Exists(_pending(Objection, "black_entry"))
    black_objection_due = Subquery(_pending(Objection, "black_entry").values("reply_due_on")[:1])
    black_repair = Exists(_pending(RepairRequest, "entry"))
    black = _step_row(
        BlackListEntry.objects.filter(scope).filter(
            Q(state__in=BLACK_OPEN_STATES)
            | Q(black_objection | black_repair, state=BlackState.IN_FORCE)),
        "black",
        Case(
            When(state=BlackState.SUSPENDED, then=black_objection_due),
            When(black_objection, state__in=[BlackState.PUBLICITY, BlackState.IN_FORCE],
                 then=black_objection_due),
            When(state=BlackState.IN_FORCE, then=Subquery(
                _pending(RepairRequest, "entry").values("decision_due_on")[:1])),
            When(state=BlackState.NOTIFIED, then=F("statement_ends_on")),
            When(state=BlackState.UNDER_REVIEW, then=F("review_due_on")),
            When(state=BlackState.DECIDED, then=F("publish_due_on")),
            When(state=BlackState.PUBLICITY, then=F("publicity_ends_on")),
            default=None, output_field=DateField()),
        ~Q(state=BlackState.NOTIFIED) & ~Q(~black_objection, state=BlackState.PUBLICITY),
    )
    red_objection = Exists(_pending(Objection, "red_entry"))
    red_objection_due = Subquery(_pending(Objection, "red_entry").values("reply_due_on")[:1])
    red = _step_row(
        RedListEntry.objects.filter(scope, state__in=[*RED_OPEN_STATES, RedState.ON_HOLD]),
        "red",
        Case(
            When(state=RedState.SUSPENDED, then=red_objection_due),
            When(red_objection, state=RedState.PUBLICITY, then=red_objection_due),
            When(state=RedState.NOMINATED, then=F("review_due_on")),
            When(state=RedState.PUBLICITY, then=F("publicity_ends_on")),
            When(state=RedState.AWAITING_DECISION, then=F("decision_due_on")),
            When(state=RedState.DECIDED, then=F("publish_due_on")),
            default=None, output_field=DateField()),
        ~Q(~red_objection, state=RedState.PUBLICITY),
    )
    statement_runs = Q(state=SanctionState.NOTIFIED, statement_ends_on__gte=today,
                       statement_final=False)
    sanctions = _step_row(
        IndustrySanction.objects.filter(
            scope, state__in=[SanctionState.PROPOSED, SanctionState.NOTIFIED]),
        "sanction",
        Case(When(statement_runs, then=F("statement_ends_on")), default=None,
             output_field=DateField()),
        ~statement_runs,
    )
    repairs_qs = RepairRequest.objects.filter(state=RepairRequest.State.PENDING,
                                              record__isnull=False)
    if not account_permissions.can_see_all_departments(user):
        repairs_qs = repairs_qs.filter(record__source_department_id=user.department_id)
    repairs = _step_row(repairs_qs, "record_repair", F("decision_due_on"), Q(pk__isnull=False),
                        ident="record_id")
    cases = _step_row(TypicalCase.objects.filter(scope, state=CaseState.SUBMITTED), "case",
                      Value(None, output_field=DateField()), Q(pk__isnull=False))
    return black.union(red, sanctions, repairs, cases, all=True)


def _page_steps(rows: list[tuple[str, int, dt.date, bool]]) -> list[Step]:
    """The Step of each (kind, id, due, staff) row, its entry read with what the row shows:
    a query per kind present on the page, whatever the number of steps."""
    ids: dict[str, list[int]] = {}
    for kind, ident, _due, _staff in rows:
        ids.setdefault(kind, []).append(ident)
    entries: dict[tuple[str, int], Any] = {}
    if "black" in ids:
        for entry in BlackListEntry.objects.filter(pk__in=ids["black"]).select_related(
                "subject", "ground", "department").prefetch_related(
                _pending_prefetch("objections", Objection),
                _pending_prefetch("repair_requests", RepairRequest)):
            entries["black", entry.pk] = entry
    if "red" in ids:
        for entry in RedListEntry.objects.filter(pk__in=ids["red"]).select_related(
                "subject", "department").prefetch_related(
                _pending_prefetch("objections", Objection)):
            entries["red", entry.pk] = entry
    if "sanction" in ids:
        for sanction in IndustrySanction.objects.filter(pk__in=ids["sanction"]).select_related(
                "subject").only("id", "state", "statement_ends_on", "statement_final",
                                "department_id", "subject__name"):
            entries["sanction", sanction.pk] = sanction
    if "record_repair" in ids:
        for record in CreditRecord.objects.filter(pk__in=ids["record_repair"]).select_related(
                "subject", "record_type"):
            entries["record_repair", record.pk] = record
    if "case" in ids:
        for case in TypicalCase.objects.filter(pk__in=ids["case"]):
            entries["case", case.pk] = case
    labels = {
        "record_repair": _("Decide the credit-repair request"),
        "case": _("Review the typical case"),
    }
    steps = []
    for kind, ident, due, staff in rows:
        entry = entries.get((kind, ident))
        if entry is None:  # removed between the two reads
            continue
        due_on = None if due == _NO_DUE else due
        if kind in ("black", "red"):
            step = next_step(entry)
            if step is not None:
                steps.append(step)
            continue
        if kind == "sanction":
            label = (_("Serve the notice of intended sanction")
                     if entry.state == SanctionState.PROPOSED
                     else _("Statement and defence period ends") if not staff
                     else _("Decide the sanction"))
        else:
            label = labels[kind]
        steps.append(Step(entry, kind, str(label), due_on, staff))
    return steps


def _as_date(value: dt.date | str) -> dt.date:
    """A date from a raw cursor (SQLite gives the text of a computed date column)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _page_rows(user: User, offset: int, limit: int
               ) -> tuple[list[tuple[str, int, dt.date, bool]], int | None, int | None]:
    """`limit` step rows from `offset`, soonest deadline first, with the number of all steps and
    of the overdue ones: one statement, the counts as window aggregates over the whole UNION
    (none when the page is past the end)."""
    union_sql, params = _step_rows(user).query.sql_with_params()
    sql = ("SELECT step_kind, step_id, step_due, step_staff, COUNT(*) OVER (), "
           "SUM(CASE WHEN step_staff AND step_due < %s THEN 1 ELSE 0 END) OVER () "
           f"FROM ({union_sql}) steps ORDER BY step_due, step_kind, step_id LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [clock.today(), *params, limit, offset])
        fetched = cursor.fetchall()
    if not fetched:
        return [], None, None
    rows = [(kind, ident, _as_date(due), bool(staff))
            for kind, ident, due, staff, _total, _overdue in fetched]
    return rows, fetched[0][4], int(fetched[0][5] or 0)


def pending_steps_page(*, user: User, page: str | int | None, per_page: int
                       ) -> tuple[list[Step], Page, int]:
    """One page of `pending_steps` (same steps, same order), the page object for the pager,
    and the number of overdue steps among all of them.

    Why: the workbench built every open step in Python (each entry with its subject, objections
    and repairs) to show 50 of them (issue 14: 2,200 open steps). Here the database computes
    each step's deadline and waiting party, orders them and counts them in one statement that
    returns only the page's rows; only the page's entries are then read in full. A page number
    past the end shows the last page, as `Paginator.get_page` does.
    """
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    rows: list[tuple[str, int, dt.date, bool]] = []
    total, overdue = 0, 0
    if account_permissions.is_staff_member(user):
        rows, counted, overdue_ = _page_rows(user, (number - 1) * per_page, per_page)
        if counted is None and number > 1:  # past the end: count, then read the last page
            _first, counted, overdue_ = _page_rows(user, 0, 1)
            number = max(1, -(-(counted or 0) // per_page))
            rows, counted, overdue_ = _page_rows(user, (number - 1) * per_page, per_page)
        total, overdue = counted or 0, overdue_ or 0
    paginator = Paginator(range(total), per_page)  # the count, without the rows
    numbered = paginator.get_page(number)
    steps = _page_steps(rows)
    return steps, Page(steps, numbered.number, paginator), overdue


def staff_steps_due(*, user: User, until: dt.date) -> tuple[list[Step], int]:
    """The open steps waiting for staff whose deadline falls on or before `until` (the overdue
    ones included), soonest first, and how many more wait for staff with a later deadline.

    Why: the workbench home page and the monitoring page show what is overdue or due soon; they
    built every open step in Python (each entry with its subject, objections and repairs) and
    kept a few. Here one statement reads the narrow rows of every step and only the steps shown
    are built (the same steps as filtering `pending_steps`; tested)."""
    if not account_permissions.is_staff_member(user):
        return [], 0
    union_sql, params = _step_rows(user).query.sql_with_params()
    sql = (f"SELECT step_kind, step_id, step_due FROM ({union_sql}) steps "
           "WHERE step_staff AND step_due < %s ORDER BY step_due, step_kind, step_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, _NO_DUE])
        fetched = cursor.fetchall()
    shown: list[tuple[str, int, dt.date, bool]] = []
    later = 0
    for kind, ident, due in fetched:
        due = _as_date(due)
        if due <= until:
            shown.append((kind, ident, due, True))
        else:
            later += 1
    steps = [s for s in _page_steps(shown)
             if s.waiting_for_staff and s.due is not None and s.due <= until]
    return steps, later


# --- a subject's lists (subject page) ---------------------------------------------------------
#: bad records in force listed for credit repair on the subject page
REPAIRABLE_SHOWN = 20


def subject_lists(*, subject: Subject, user: User | None = None) -> dict[str, Any]:
    """What the subject page shows: current and past list entries, sanctions and cases, and the
    latest REPAIRABLE_SHOWN of its bad records in force that a repair request may name — those
    `user` may see (a clerk: its own department's), as the repair page itself allows."""
    repairable = (_bad_records_in_force(clock.today()).filter(subject=subject)
                  .select_related("record_type").order_by("-decided_on", "-pk"))
    if user is not None:
        repairable = repairable.filter(pk__in=visible_records(user=user).values("pk"))
    return {
        "black": list(subject.black_list_entries.select_related("ground").order_by("-id")),
        "red": list(subject.red_list_entries.order_by("-id")),
        "key": list(subject.key_supervision_entries.order_by("-id")),
        "sanctions": list(subject.industry_sanctions.order_by("-id")),
        "cases": list(subject.typical_cases.filter(state=CaseState.PUBLISHED).order_by("-id")),
        # the latest few: a subject with a thousand records in force must not draw them all
        # on its page (issue 14); `repairable_count` says how many there are
        "repairable": list(repairable[:REPAIRABLE_SHOWN]),
        "repairable_count": repairable.count(),
    }
