"""Lists and published decisions (红黑名单、重点监管、行业惩戒、典型案例) with due process.

Every list kind is one small explicit state machine (django-fsm-2, `protected=True`: the state
changes only through a transition). A transition's decorator says where it may go from, where it
goes, and who may fire it (`permission=`, predicates in `lists.permissions`); the transition
bodies stay empty, and `lists.services` checks the actor, fills the dates from `lists.rules` and
writes the audit event in one transaction. `lists.workflows.describe` prints the machines.

Dates the law cares about are kept as separate fields, never derived on the fly, so what the
platform decided on a given day can be proved later: the decision date is separate from the
effective period (DESIGN.md, "What users of comparable systems ask for").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from accounts.models import Department
from lists import permissions as p
from records.models import CreditRecord
from subjects.models import Category, Subject

USER = settings.AUTH_USER_MODEL


class ProcedureSetting(models.Model):
    """An administrator's override of a procedural number no national rule fixes (a county
    parameter).

    `lists.rules.parameter` reads a row here first, then `settings.LISTS_PARAMETERS`, then the
    default in `lists.rules.DEFAULTS`; each default cites where its number comes from.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    value = models.PositiveIntegerField(_("value"))
    note = models.TextField(_("why it differs from the default"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("procedure setting")
        verbose_name_plural = _("procedure settings")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class BlacklistGround(models.Model):
    """A ground on which a subject may be put on the black list (严重失信主体名单), as data.

    国办发〔2020〕49号 (六)(七): a list exists only on a legal basis and only for the grounds that
    basis names (清单管理); no department may widen it. Each ground names the record types that
    prove it, so a proposal can only cite records of those types.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    record_type_codes = models.JSONField(
        _("record types that prove it"), default=list,
        help_text=_("Codes from the record catalogue; a proposal must cite an effective record "
                    "of one of these types."),
    )
    min_records = models.PositiveSmallIntegerField(
        _("records needed"), default=1,
        help_text=_("How many such records prove the ground (241号 第十四条③: two 较大 "
                    "accidents within one year)."))
    window_months = models.PositiveSmallIntegerField(
        _("within months"), null=True, blank=True,
        help_text=_("The records must have occurred within this many months; empty = any time."))
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("black-list ground")
        verbose_name_plural = _("black-list grounds")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


# --- black list -----------------------------------------------------------------------------
class BlackState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    NOTIFIED = "notified", _("Notified: statement period running")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided: to be published")
    PUBLICITY = "publicity", _("In publicity")
    IN_FORCE = "in_force", _("In force")
    SUSPENDED = "suspended", _("Suspended: objection pending")
    EXPIRED = "expired", _("Expired")
    REPAIRED = "repaired", _("Removed after credit repair")
    VOID = "void", _("Void: objection upheld")
    DISMISSED = "dismissed", _("Not listed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


BLACK_OPEN_STATES = [
    BlackState.PROPOSED, BlackState.NOTIFIED, BlackState.UNDER_REVIEW, BlackState.DECIDED,
    BlackState.PUBLICITY, BlackState.SUSPENDED,
]


class BlackListEntry(FSMModelMixin, models.Model):
    """One case of putting a subject on the black list, from proposal to its end.

    proposed → notified (告知书 served; 陈述申辩 period) → under_review → decided (listing decision
    with legal basis) → publicity (公示公告; objections may come) → in_force (the 1-year management
    period of 建市〔2017〕241号 第十六条) → expired, or earlier: repaired (信用修复) or void
    (objection upheld). An objection suspends a published entry until it is answered.
    """

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="black_list_entries")
    ground = models.ForeignKey(BlacklistGround, verbose_name=_("ground"),
                               on_delete=models.PROTECT, related_name="entries")
    records = models.ManyToManyField(CreditRecord, verbose_name=_("records proving it"),
                                     related_name="black_list_entries")
    department = models.ForeignKey(Department, verbose_name=_("proposing department"),
                                   on_delete=models.PROTECT, related_name="+")
    facts = models.TextField(_("facts and reason"))
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))
    # 告知 and 陈述申辩 (国办发〔2020〕49号 (八))
    notified_on = models.DateField(_("notice served on"), null=True, blank=True)
    statement_ends_on = models.DateField(_("statement period ends on"), null=True, blank=True)
    statement = models.TextField(_("statement and defence"), blank=True)
    statement_received_on = models.DateField(null=True, blank=True)
    statement_final = models.BooleanField(
        _("subject has finished (or waived) its statement"), default=False)
    review_due_on = models.DateField(_("review due on"), null=True, blank=True)
    # decision
    decision_number = models.CharField(_("decision document number"), max_length=100,
                                       blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_basis = models.TextField(_("legal basis of the decision"), blank=True)
    decision_reasons = models.TextField(_("reasons"), blank=True)
    measures = models.TextField(_("punishment measures"), blank=True)
    duration_months = models.PositiveSmallIntegerField(_("management period (months)"),
                                                       null=True, blank=True)
    # publication and effect
    publish_due_on = models.DateField(_("publish by"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("publicity ends on"), null=True, blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True)
    listing_record = models.OneToOneField(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("credit record of the listing"),
    )
    listing_record_error = models.TextField(blank=True)
    state = FSMField(_("state"), default=BlackState.PROPOSED, choices=BlackState.choices,
                     protected=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("black-list entry")
        verbose_name_plural = _("black list")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "state"], name="black_subject_state_idx"),
            # a list page's tab, newest first, read in order: 50 rows, not a sort of all (issue 14)
            models.Index(fields=["state", "proposed_at", "id"], name="black_state_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="black_effective_period_ordered",
            ),
        ]

    kind = "black"

    def __str__(self) -> str:
        return f"{self.subject.name} · {self.ground.name} ({self.get_state_display()})"

    @transition(field=state, source=BlackState.PROPOSED, target=BlackState.NOTIFIED,
                permission=p.can_handle,
                custom={"label": _("serve the notice of intended listing")})
    def notify(self) -> None: ...

    @transition(field=state, source=BlackState.NOTIFIED, target=BlackState.UNDER_REVIEW,
                permission=p.handler_or_system, custom={"label": _("start the review")})
    def begin_review(self) -> None: ...

    @transition(field=state, source=BlackState.UNDER_REVIEW, target=BlackState.DECIDED,
                permission=p.can_decide, custom={"label": _("decide to list")})
    def decide(self) -> None: ...

    @transition(field=state, source=BlackState.UNDER_REVIEW, target=BlackState.DISMISSED,
                permission=p.can_decide, custom={"label": _("decide not to list")})
    def dismiss(self) -> None: ...

    @transition(field=state,
                source=[BlackState.PROPOSED, BlackState.NOTIFIED, BlackState.UNDER_REVIEW],
                target=BlackState.WITHDRAWN, permission=p.can_handle,
                custom={"label": _("withdraw the proposal")})
    def withdraw(self) -> None: ...

    @transition(field=state, source=BlackState.DECIDED, target=BlackState.PUBLICITY,
                permission=p.can_decide, custom={"label": _("publish")})
    def publish(self) -> None: ...

    @transition(field=state, source=BlackState.PUBLICITY, target=BlackState.IN_FORCE,
                permission=p.decider_or_system, custom={"label": _("bring into force")})
    def enter_force(self) -> None: ...

    @transition(field=state, source=[BlackState.PUBLICITY, BlackState.IN_FORCE],
                target=BlackState.SUSPENDED, permission=p.can_handle,
                custom={"label": _("register an objection")})
    def suspend(self) -> None: ...

    @transition(field=state, source=BlackState.SUSPENDED,
                target=RETURN_VALUE(BlackState.PUBLICITY, BlackState.IN_FORCE),
                permission=p.can_decide, custom={"label": _("reject the objection")})
    def resume(self, back_to: str) -> str:
        return back_to

    @transition(field=state,
                source=[BlackState.SUSPENDED, BlackState.PUBLICITY, BlackState.IN_FORCE],
                target=BlackState.VOID,
                permission=p.can_decide, custom={"label": _("uphold the objection")})
    def void(self) -> None: ...

    @transition(field=state, source=BlackState.IN_FORCE, target=BlackState.EXPIRED,
                permission=p.system_only, custom={"label": _("expire")})
    def expire(self) -> None: ...

    @transition(field=state, source=BlackState.IN_FORCE, target=BlackState.REPAIRED,
                permission=p.can_decide, custom={"label": _("remove after credit repair")})
    def repair(self) -> None: ...


# --- red list -------------------------------------------------------------------------------
class RedListCriterion(models.Model):
    """A rule that nominates subjects of one category for the red list (诚信红榜), as data.

    For example: the top grade in `consecutive_batches` evaluations in a row and no effective bad
    record for `clean_months` (国发〔2016〕33号: "连续三年无不良信用记录").
    """

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name = models.CharField(_("name"), max_length=200)
    top_grade = models.CharField(_("grade required"), max_length=10)
    consecutive_batches = models.PositiveSmallIntegerField(_("consecutive evaluations"),
                                                           default=3)
    clean_months = models.PositiveSmallIntegerField(
        _("months without an effective bad record"), default=36)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("red-list criterion")
        verbose_name_plural = _("red-list criteria")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return self.name


class RedState(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    PUBLICITY = "publicity", _("In publicity")
    SUSPENDED = "suspended", _("Suspended: objection pending")
    ON_HOLD = "on_hold", _("Suspended: a disqualifying record became effective")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    DECIDED = "decided", _("Decided: to be published")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    REMOVED = "removed", _("Removed")
    REJECTED = "rejected", _("Not admitted")
    VOID = "void", _("Void: objection upheld")


RED_OPEN_STATES = [RedState.NOMINATED, RedState.PUBLICITY, RedState.SUSPENDED,
                   RedState.AWAITING_DECISION, RedState.DECIDED]


class Commendation(models.TextChoices):
    PRAISE = "praise", _("Commendation (表扬)")
    AWARD = "award", _("Award (嘉奖)")


class RedListEntry(FSMModelMixin, models.Model):
    """One nomination for the red list, from nomination to its end.

    nominated (by a rule or by a department with reasons) → publicity (after review by the lead
    department; anyone may object) → awaiting_decision → decided (with the commendation) →
    in_force (published; validity period) → expired; removed at once when a bad record of the set
    severity becomes effective.
    """

    class Source(models.TextChoices):
        RULE = "rule", _("By rule")
        DEPARTMENT = "department", _("By a department")

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="red_list_entries")
    source = models.CharField(_("nominated"), max_length=12, choices=Source.choices)
    criterion = models.ForeignKey(RedListCriterion, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="entries")
    department = models.ForeignKey(Department, verbose_name=_("nominating department"),
                                   on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons"))
    nominated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    nominated_at = models.DateTimeField(_("nominated at"))
    review_due_on = models.DateField(_("review due on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_comment = models.TextField(_("review comment"), blank=True)
    publicity_started_on = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("publicity ends on"), null=True, blank=True)
    decision_due_on = models.DateField(_("decide by"), null=True, blank=True)
    decision_number = models.CharField(_("decision document number"), max_length=100,
                                       blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    commendation = models.CharField(_("commendation"), max_length=10,
                                    choices=Commendation.choices, blank=True)
    commendation_text = models.TextField(_("commendation text"), blank=True)
    publish_due_on = models.DateField(_("publish by"), null=True, blank=True)
    effective_from = models.DateField(_("valid from"), null=True, blank=True)
    effective_until = models.DateField(_("valid until"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True)
    listing_record = models.OneToOneField(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    listing_record_error = models.TextField(blank=True)
    # Suspension by a disqualifying record: the state it was in, the record and the day.
    held_from_state = models.CharField(max_length=20, blank=True)
    held_on = models.DateField(_("suspended on"), null=True, blank=True)
    held_by_record = models.ForeignKey(CreditRecord, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("disqualifying record"))
    # The last publicity day the commendation's own record had when the suspension cut it short
    # (given back if the suspension is lifted).
    held_record_publicity_ends_on = models.DateField(null=True, blank=True)
    state = FSMField(_("state"), default=RedState.NOMINATED, choices=RedState.choices,
                     protected=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("red-list entry")
        verbose_name_plural = _("red list")
        ordering = ["-nominated_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "state"], name="red_subject_state_idx"),
            # a list page's tab, newest first, read in order: 50 rows, not a sort of all (issue 14)
            models.Index(fields=["state", "nominated_at", "id"], name="red_state_order_idx"),
        ]

    kind = "red"

    def __str__(self) -> str:
        return f"{self.subject.name} ({self.get_state_display()})"

    @transition(field=state, source=RedState.NOMINATED, target=RedState.PUBLICITY,
                permission=p.can_decide, custom={"label": _("admit to publicity")})
    def admit(self) -> None: ...

    @transition(field=state, source=[RedState.NOMINATED, RedState.AWAITING_DECISION],
                target=RedState.REJECTED, permission=p.can_decide,
                custom={"label": _("decide not to admit")})
    def reject(self) -> None: ...

    @transition(field=state, source=RedState.PUBLICITY, target=RedState.SUSPENDED,
                permission=p.can_handle, custom={"label": _("register an objection")})
    def suspend(self) -> None: ...

    @transition(field=state, source=RedState.SUSPENDED, target=RedState.PUBLICITY,
                permission=p.can_decide, custom={"label": _("reject the objection")})
    def resume(self) -> None: ...

    @transition(field=state, source=[RedState.SUSPENDED, RedState.PUBLICITY],
                target=RedState.VOID,
                permission=p.can_decide, custom={"label": _("uphold the objection")})
    def void(self) -> None: ...

    @transition(field=state, source=[*RED_OPEN_STATES, RedState.IN_FORCE],
                target=RedState.ON_HOLD, permission=p.system_only,
                custom={"label": _("suspend (disqualifying record)")})
    def hold(self) -> None: ...

    @transition(field=state, source=RedState.ON_HOLD,
                target=RETURN_VALUE(*RedState.values),
                permission=p.decider_or_system,
                custom={"label": _("lift the suspension")})
    def release(self, back_to: str) -> str:
        return back_to

    @transition(field=state, source=RedState.PUBLICITY, target=RedState.AWAITING_DECISION,
                permission=p.system_only, custom={"label": _("close the publicity")})
    def close_publicity(self) -> None: ...

    @transition(field=state, source=RedState.AWAITING_DECISION, target=RedState.DECIDED,
                permission=p.can_decide, custom={"label": _("decide to commend")})
    def decide(self) -> None: ...

    @transition(field=state, source=RedState.DECIDED, target=RedState.IN_FORCE,
                permission=p.can_decide, custom={"label": _("publish")})
    def publish(self) -> None: ...

    @transition(field=state, source=RedState.IN_FORCE, target=RedState.EXPIRED,
                permission=p.system_only, custom={"label": _("expire")})
    def expire(self) -> None: ...

    @transition(field=state, source=[*RED_OPEN_STATES, RedState.IN_FORCE, RedState.ON_HOLD],
                target=RedState.REMOVED, permission=p.decider_or_system,
                custom={"label": _("remove")})
    def remove(self) -> None: ...


# --- objections and credit repair -----------------------------------------------------------
class Objection(models.Model):
    """An objection (异议) to a published list entry; it suspends the entry until answered.

    国办发〔2020〕49号 (八): an objection is checked and answered within the set time; the reply is
    due on `reply_due_on` (`lists.rules.objection_reply_deadline`).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", pgettext_lazy("objection outcome", "Rejected")

    class Ground(models.TextChoices):
        FACTS = "facts", _("The facts are wrong")
        RECORD = "record", _("A record it rests on is wrong, expired or repaired")
        SUBJECT = "subject", _("Wrong subject")
        PROCEDURE = "procedure", _("The procedure was not followed")
        OTHER = "other", _("Other")

    black_entry = models.ForeignKey(BlackListEntry, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="objections")
    red_entry = models.ForeignKey(RedListEntry, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="objections")
    objector = models.CharField(_("objector"), max_length=200)
    ground = models.CharField(_("ground"), max_length=12, choices=Ground.choices,
                              default=Ground.OTHER)
    grounds = models.TextField(_("grounds of the objection"))
    new_evidence = models.TextField(
        _("new evidence"), blank=True,
        help_text=_("Required for a second objection on a ground already answered."))
    suspends = models.BooleanField(
        _("suspends the entry"), default=True,
        help_text=_("One suspension per entry and ground; a later objection on the same ground "
                    "with new evidence is examined without suspending again."))
    # The step's dates as they stood when the entry was suspended: resuming keeps them.
    suspended_state = models.CharField(max_length=20, blank=True)
    fixed_dates = models.JSONField(_("dates fixed at suspension"), default=dict, blank=True)
    filed_on = models.DateField(_("filed on"))
    reply_due_on = models.DateField(_("reply due on"))
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    reply = models.TextField(_("reply and reasons"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(black_entry__isnull=False, red_entry__isnull=True)
                | models.Q(black_entry__isnull=True, red_entry__isnull=False),
                name="objection_one_entry",
            ),
            models.UniqueConstraint(fields=["black_entry"], condition=models.Q(state="pending"),
                                    name="one_pending_objection_black"),
            models.UniqueConstraint(fields=["red_entry"], condition=models.Q(state="pending"),
                                    name="one_pending_objection_red"),
        ]

    def __str__(self) -> str:
        return f"{self.objector} ({self.get_state_display()})"


class RepairRequest(models.Model):
    """A request for early removal from the black list through credit repair (信用修复).

    发改委令第36号 / 国办发〔2025〕22号: the subject proves the dishonest act corrected and the
    obligations fulfilled and makes a public credit commitment (信用承诺书); the finding
    authority decides. The `appeals` app may take this over; this is the minimal step.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", pgettext_lazy("credit repair decision", "Approved")
        REJECTED = "rejected", pgettext_lazy("credit repair decision", "Rejected")

    entry = models.ForeignKey(BlackListEntry, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="repair_requests")
    record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="repair_requests",
                               verbose_name=_("bad record to repair"))
    proof = models.TextField(_("proof that the obligations are fulfilled"))
    commitment = models.TextField(_("credit repair commitment (信用修复承诺书)"))
    commitment_until = models.DateField(_("commitment binds until"), null=True, blank=True)
    breached_on = models.DateField(_("commitment broken on"), null=True, blank=True)
    breach_record = models.OneToOneField(CreditRecord, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("record of the broken commitment"))
    filed_on = models.DateField(_("filed on"))
    decision_due_on = models.DateField(_("decision due on"))
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("credit repair request")
        verbose_name_plural = _("credit repair requests")
        ordering = ["-filed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(state="pending"),
                                    name="one_pending_repair"),
            models.UniqueConstraint(fields=["record"], condition=models.Q(state="pending"),
                                    name="one_pending_record_repair"),
            models.CheckConstraint(
                condition=models.Q(entry__isnull=False) | models.Q(record__isnull=False),
                name="repair_has_target"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id or self.record_id} ({self.get_state_display()})"


def notice_path(instance: NoticeDocument, filename: str) -> str:
    return f"lists/notices/{instance.kind}/{instance.sha256}.pdf"


class NoticeDocument(models.Model):
    """A generated notice (告知书, 公示公告), kept with its checksum to prove what was issued."""

    class Kind(models.TextChoices):
        INTENT = "intent", _("Notice of intended listing (告知书)")
        ANNOUNCEMENT = "announcement", _("Publicity announcement (公示公告)")
        RED_ANNOUNCEMENT = "red_announcement", _("Red-list publicity announcement")
        SANCTION_NOTICE = "sanction_notice", _("Notice of intended sanction (告知书)")
        SANCTION_DECISION = "sanction_decision", _("Sanction decision (决定书)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    black_entry = models.ForeignKey(BlackListEntry, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="notices")
    red_entry = models.ForeignKey(RedListEntry, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="notices")
    sanction = models.ForeignKey("IndustrySanction", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="notices")
    issued_on = models.DateField(_("issued on"))
    file = models.FileField(upload_to=notice_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issued_on}"


# --- key supervision ------------------------------------------------------------------------
class KeyRule(models.TextChoices):
    """Why a subject is a key-supervision object (重点监管对象); each is checked by a rule."""

    SEVERE_RECORD = "severe_record", _("An effective severe bad record")
    BLACK_LIST = "black_list", _("On the black list")
    LOWEST_GRADE = "lowest_grade", _("The lowest credit grade")


class KeyState(models.TextChoices):
    IN_FORCE = "in_force", _("Under key supervision")
    ENDED = "ended", _("Ended")


class KeySupervisionEntry(FSMModelMixin, models.Model):
    """A subject under key supervision because a rule says so, with the reason it held.

    Entered and left only by rules (`lists.services.key_supervision_sync`): 建市〔2017〕241号
    第十一条/第十七条 (serious bad records and black-list subjects are key supervision objects of
    "双随机、一公开"); the county's plan sets the spot checks and interviews.
    """

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="key_supervision_entries")
    rule = models.CharField(_("rule"), max_length=20, choices=KeyRule.choices)
    reason = models.TextField(_("why"))
    trigger_record = models.ForeignKey(CreditRecord, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    trigger_black = models.ForeignKey(BlackListEntry, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    measures = models.JSONField(_("supervision measures"), default=list)
    entered_on = models.DateField(_("entered on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True)
    state = FSMField(_("state"), default=KeyState.IN_FORCE, choices=KeyState.choices,
                     protected=True, db_index=True)

    class Meta:
        verbose_name = _("key-supervision entry")
        verbose_name_plural = _("key supervision")
        ordering = ["-entered_on", "-id"]
        indexes = [
            # a list page's tab, newest first, read in order: 50 rows, not a sort of all (issue 14)
            models.Index(fields=["state", "entered_on", "id"], name="key_state_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject", "rule"],
                                    condition=models.Q(state="in_force"),
                                    name="one_open_key_entry_per_rule"),
        ]

    kind = "key"

    def __str__(self) -> str:
        return f"{self.subject.name} · {self.get_rule_display()}"

    @transition(field=state, source=KeyState.IN_FORCE, target=KeyState.ENDED,
                permission=p.system_only, custom={"label": _("end")})
    def end(self) -> None: ...


# --- industry sanctions ---------------------------------------------------------------------
class SanctionState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("sanction proposal", "Proposed")
    NOTIFIED = "notified", _("Notified: statement period running")
    DECIDED = "decided", _("Decided")
    REJECTED = "rejected", pgettext_lazy("sanction proposal", "Rejected")
    REVOKED = "revoked", _("Revoked")


class IndustrySanction(FSMModelMixin, models.Model):
    """An industry sanction (行业惩戒): warning, circulated criticism or public condemnation.

    A decision with its grounds, scope of publication and date; it becomes a bad credit record
    through `records.services`, so grades see it (feedback travels as records, DESIGN.md).
    """

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning (警告)")
        CRITICISM = "criticism", _("Circulated criticism (通报批评)")
        CONDEMNATION = "condemnation", _("Public condemnation (公开谴责)")

    class Scope(models.TextChoices):
        INTERNAL = "internal", _("Internal circulation")
        PUBLIC = "public", _("Public")

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="industry_sanctions")
    kind = models.CharField(_("sanction"), max_length=14, choices=Kind.choices)
    scope = models.CharField(_("scope of publication"), max_length=10, choices=Scope.choices)
    grounds = models.TextField(_("grounds"))
    legal_basis = models.TextField(_("legal basis"))
    document_number = models.CharField(_("document number"), max_length=100)
    occurred_on = models.DateField(_("occurred on"))
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    record = models.OneToOneField(CreditRecord, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    # One act gives one record: a sanction for an act already on record links to that record
    # and adds none of its own, so the grade does not count the same conduct twice.
    act_record = models.ForeignKey(CreditRecord, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="sanctions",
                                   verbose_name=_("record of the same act"))
    # 告知 and 陈述申辩 (行政处罚法 第四十四条、第四十五条), as for the black list.
    notified_on = models.DateField(_("notice served on"), null=True, blank=True)
    statement_ends_on = models.DateField(_("statement period ends on"), null=True, blank=True)
    statement = models.TextField(_("statement and defence"), blank=True)
    statement_final = models.BooleanField(
        _("subject has finished (or waived) its statement"), default=False)
    decision_number = models.CharField(_("decision document number"), max_length=100,
                                       blank=True)
    state = FSMField(_("state"), default=SanctionState.PROPOSED, choices=SanctionState.choices,
                     protected=True, db_index=True)

    class Meta:
        verbose_name = _("industry sanction")
        verbose_name_plural = _("industry sanctions")
        ordering = ["-proposed_at", "-id"]
        # the sanctions page, newest first, read in order: 50 rows, not a sort of all (issue 14)
        indexes = [models.Index(fields=["proposed_at", "id"], name="sanction_order_idx")]

    kind_label = "sanction"

    def __str__(self) -> str:
        return f"{self.subject.name} · {self.get_kind_display()}"

    @transition(field=state, source=SanctionState.PROPOSED, target=SanctionState.NOTIFIED,
                permission=p.can_handle,
                custom={"label": _("serve the notice of intended sanction")})
    def notify(self) -> None: ...

    @transition(field=state, source=SanctionState.NOTIFIED, target=SanctionState.DECIDED,
                permission=p.can_decide, custom={"label": _("decide")})
    def decide(self) -> None: ...

    @transition(field=state, source=[SanctionState.PROPOSED, SanctionState.NOTIFIED],
                target=SanctionState.REJECTED,
                permission=p.can_decide, custom={"label": _("reject")})
    def reject(self) -> None: ...

    @transition(field=state, source=SanctionState.DECIDED, target=SanctionState.REVOKED,
                permission=p.can_decide, custom={"label": _("revoke")})
    def revoke(self) -> None: ...


# --- typical cases --------------------------------------------------------------------------
class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TypicalCase(FSMModelMixin, models.Model):
    """A typical case (典型案例), good or bad, written up by staff and published after review."""

    class Kind(models.TextChoices):
        GOOD = "good", _("Good example")
        BAD = "bad", _("Bad example")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    body = models.TextField(_("text"))
    subjects = models.ManyToManyField(Subject,
                                      verbose_name=pgettext_lazy("typical case", "subjects"),
                                      related_name="typical_cases")
    records = models.ManyToManyField(CreditRecord, verbose_name=_("records"), blank=True,
                                     related_name="typical_cases")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_comment = models.TextField(_("review comment"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdraw_reason = models.TextField(_("why it was withdrawn"), blank=True)
    state = FSMField(_("state"), default=CaseState.DRAFT, choices=CaseState.choices,
                     protected=True, db_index=True)

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @transition(field=state, source=CaseState.DRAFT, target=CaseState.SUBMITTED,
                permission=p.can_handle, custom={"label": _("submit for review")})
    def submit(self) -> None: ...

    @transition(field=state, source=CaseState.SUBMITTED, target=CaseState.DRAFT,
                permission=p.can_decide, custom={"label": _("return to the author")})
    def return_to_author(self) -> None: ...

    @transition(field=state, source=CaseState.SUBMITTED, target=CaseState.PUBLISHED,
                permission=p.can_decide, custom={"label": _("publish")})
    def publish(self) -> None: ...

    @transition(field=state, source=CaseState.PUBLISHED, target=CaseState.WITHDRAWN,
                permission=p.can_decide, custom={"label": _("withdraw")})
    def withdraw(self) -> None: ...
