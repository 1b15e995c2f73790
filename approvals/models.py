"""Matters, measures and the rule set as data; credit checks, commitments and their feedback.

- `Matter` (事项) with its `MatterMaterial`s: which materials are essential (主要材料, must be
  complete and lawful) and which are secondary (次要材料) and may be missing on a written
  commitment (容缺受理, REFERENCE.md §3).
- `Measure` (激励 / 约束措施) with its legal basis; a restriction may *cancel* an incentive (no
  容缺 for a black-listed subject even if another rule would grant it).
- `RuleSet` / `Rule`: which condition (grade, list membership, records; scoped by subject
  category and matter) triggers which measures. A published rule set is frozen; a check names
  the version it used (DESIGN.md: "every check keeps what it saw").
- `CreditCheck` (信用核查): an immutable snapshot with its own number: who asked, when, the grade
  with its batch and model version, list memberships, bad records in force, the measures with
  why, and the rule-set version. `CheckMeasure` rows carry the officer's feedback (跟踪问效):
  applied or not, with the reason; the reason is a human override that no re-grade undoes.
- `Commitment` (信用承诺): the missing materials, the signed commitment and its deadline;
  open → fulfilled (materials supplied in time) or breached (the deadline job, which creates the
  `commitment_breach` record and sends it for review).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Department
from records.models import CreditRecord
from subjects.models import Subject

USER = settings.AUTH_USER_MODEL


class MatterKind(models.TextChoices):
    LICENCE = "licence", _("Administrative licence")
    FILING = "filing", _("Filing")
    QUALIFICATION = "qualification", _("Qualification approval")
    SUBSIDY = "subsidy", _("Subsidy or fund application")
    HONOUR = "honour", _("Honour or award application")


class Matter(models.Model):
    """An administrative matter (事项) handled at the service window, as data.

    `promised_days` is the authority's promised processing time in working days (承诺办理时限);
    a commitment's deadline may not exceed it (国办发〔2019〕35号). `commitment_days` is the
    default period to supply missing materials (working days, a county parameter set per matter).
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    subject_categories = models.JSONField(
        _("subject categories"), default=list, blank=True,
        help_text=_("Categories of subjects that apply for this matter; empty = any."))
    legal_basis = models.TextField(_("legal basis"))
    promised_days = models.PositiveSmallIntegerField(
        _("promised processing time (working days)"))
    allows_commitment = models.BooleanField(
        _("accept with missing materials on commitment allowed"), default=True)
    commitment_days = models.PositiveSmallIntegerField(
        _("days to supply missing materials (working days)"), null=True, blank=True,
        help_text=_("Default per matter, set by the county; never beyond the promised "
                    "processing time."))
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class MatterMaterial(models.Model):
    """One material an application for a matter needs.

    Essential materials (主要材料) must be complete; the others may be missing on a commitment.
    The 容缺 categories: ① documents obtainable from the data-sharing platform, ② documents
    the applicant writes itself, ③ materials already submitted earlier in the same process,
    ④ results of a previous authority in a chain of approvals, ⑤ others as specified.
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    essential = models.BooleanField(_("essential"), default=True)
    why_optional = models.CharField(
        _("why it may be missing"), max_length=200, blank=True,
        help_text=_("For non-essential materials: which 容缺 category (①-⑤) applies."))
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["matter", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "code"], name="material_unique_per_matter"),
        ]

    def __str__(self) -> str:
        return self.name


class MeasureKind(models.TextChoices):
    INCENTIVE = "incentive", _("Incentive")
    RESTRICTION = "restriction", _("Restriction")


class Measure(models.Model):
    """An incentive or restriction the window applies, with its legal basis.

    `matter_kinds` limits it to some kinds of matter (no "exclusion from honours" on a filing);
    `cancels` lists the incentives it overrides when both are triggered (过惩相当: the
    restriction wins, and the check says which rule refused the incentive).
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=MeasureKind.choices)
    description = models.TextField(_("what the officer does"), blank=True)
    legal_basis = models.TextField(_("legal basis"))
    matter_kinds = models.JSONField(_("kinds of matter"), default=list, blank=True,
                                    help_text=_("Empty = every kind of matter."))
    cancels = models.ManyToManyField("self", symmetrical=False, blank=True,
                                     related_name="cancelled_by",
                                     verbose_name=_("cancels these measures"))
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["kind", "sort", "code"]

    def __str__(self) -> str:
        return self.name


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class RuleSet(models.Model):
    """A version of the rules that map grade, lists and records to measures.

    Once published its rules never change (a correction is a new version), so a check's
    `rule_set` proves which rules produced its measures.
    """

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=RuleSetStatus.choices,
                              default=RuleSetStatus.DRAFT)
    effective_from = models.DateField(_("effective from"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="ruleset_code_version"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.code}:{self.version}"


class Condition(models.TextChoices):
    """The closed vocabulary of conditions a rule can test (evaluated in `approvals.measures`)."""

    GRADE_TOP = "grade_top", _("Grade among the model's top N grades")
    GRADE_LOWEST = "grade_lowest", _("Lowest grade (or a veto grade)")
    GRADE_IN = "grade_in", _("Grade is one of the listed grades")
    UNGRADED = "ungraded", _("No grade in the current batch")
    RED_LIST = "red_list", _("On the red list")
    BLACK_LIST = "black_list", _("On the black list")
    KEY_SUPERVISION = "key_supervision", _("Under key supervision")
    CLEAN_RECORD = "clean_record", _("No bad record for N months")
    BAD_RECORD = "bad_record", _("An effective bad record of the listed severities")
    RECORD_TYPE = "record_type", _("An effective record of the listed types")
    GRADE_MEASURES = "grade_measures", _("Measures the supervision table gives the grade")


class Rule(models.Model):
    """When `condition` holds (for a subject of `categories`, applying for one of `matters`),
    the `measures` apply; `legal_basis` is cited in the check's "why"."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    categories = models.JSONField(_("subject categories"), default=list, blank=True,
                                  help_text=_("Empty = every category."))
    matters = models.ManyToManyField(Matter, blank=True, related_name="+",
                                     verbose_name=_("matters (empty = all)"))
    measures = models.ManyToManyField(Measure, related_name="rules",
                                      verbose_name=_("measures"))
    legal_basis = models.TextField(_("legal basis"))
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["rule_set", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="rule_unique_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Parameter(models.Model):
    """An administrator's override of a county parameter (`approvals.rules.parameter`)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    value = models.PositiveIntegerField(_("value"))
    note = models.TextField(_("why it differs from the default"), blank=True)

    class Meta:
        verbose_name = _("approvals setting")
        verbose_name_plural = _("approvals settings")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class CheckCounter(models.Model):
    """The last check number issued per year (XYHC-2026-000123), taken under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Via(models.TextChoices):
    WORKBENCH = "workbench", _("Workbench")
    API = "api", _("API")


class CreditCheck(models.Model):
    """One credit check (信用核查) as it was answered; never changed afterwards, except for the
    feedback fields. `result` holds the whole answer (see `approvals.selectors.check_payload`)."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="credit_checks",
                                verbose_name=_("subject"))
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="checks",
                               verbose_name=_("matter"))
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("asked by"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    token_label = models.CharField(_("API token"), max_length=120, blank=True)
    checked_at = models.DateTimeField(_("checked at"))
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    batch = models.ForeignKey("scoring.EvaluationBatch", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    model_label = models.CharField(_("scoring model"), max_length=80, blank=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="checks")
    accept_with_missing = models.BooleanField(_("accept with missing materials"))
    result = models.JSONField(_("result"))
    needs_feedback = models.BooleanField(default=True)
    feedback_due_on = models.DateField(_("feedback due on"))
    feedback_at = models.DateTimeField(_("feedback recorded at"), null=True, blank=True)
    feedback_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    feedback_note = models.TextField(_("feedback note"), blank=True)

    class Meta:
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["department", "checked_at"], name="check_dept_time_idx"),
            models.Index(fields=["subject", "checked_at"], name="check_subject_time_idx"),
            models.Index(fields=["needs_feedback", "feedback_at", "feedback_due_on"],
                         name="check_feedback_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CheckMeasure(models.Model):
    """A measure a check said applies, and the officer's feedback on it (跟踪问效).

    `applied` is empty until feedback; "not applied" needs a reason, which then stands as the
    recorded human decision for this check (never recomputed).
    """

    credit_check = models.ForeignKey(CreditCheck, on_delete=models.CASCADE,
                                     related_name="measures")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=MeasureKind.choices)
    applied = models.BooleanField(_("applied"), null=True, blank=True)
    reason = models.TextField(_("reason not applied"), blank=True)

    class Meta:
        verbose_name = _("measure of a check")
        verbose_name_plural = _("measures of checks")
        ordering = ["credit_check", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_check", "measure"],
                                    name="checkmeasure_unique"),
            models.CheckConstraint(
                condition=~models.Q(applied=False) | ~models.Q(reason=""),
                name="checkmeasure_reason_when_not_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_check_id}: {self.code}"


class CommitmentState(models.TextChoices):
    OPEN = "open", _("Open: materials outstanding")
    FULFILLED = "fulfilled", _("Fulfilled: materials supplied")
    BREACHED = "breached", _("Breached: deadline missed")


def commitment_scan_path(instance: Commitment, filename: str) -> str:
    """Named by checksum under the check's number, never by the uploader's file name."""
    return f"commitments/{instance.credit_check.number}/{instance.scan_sha256}{instance.scan_ext}"


class Commitment(models.Model):
    """A written commitment to supply missing materials (容缺受理承诺书) and its outcome.

    open → fulfilled (`approvals.services.commitment_fulfil`) or breached (the deadline job,
    `approvals.services.breach_overdue_commitments`); both moves are conditional updates on
    `state = open`, so each happens at most once.
    """

    credit_check = models.OneToOneField(CreditCheck, on_delete=models.PROTECT,
                                        related_name="commitment")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="commitments")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="commitments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))
    accepted_on = models.DateField(_("accepted on"))
    deadline = models.DateField(_("supply materials by"))
    limit_on = models.DateField(_("latest deadline the rule allows"))
    missing = models.JSONField(_("missing materials"))
    text = models.TextField(_("commitment text"))
    signer = models.CharField(_("signed by"), max_length=100)
    scan = models.FileField(_("signed scan"), upload_to=commitment_scan_path, max_length=200)
    scan_name = models.CharField(max_length=200)
    scan_ext = models.CharField(max_length=10)
    scan_content_type = models.CharField(max_length=100)
    scan_size = models.PositiveBigIntegerField()
    scan_sha256 = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=CommitmentState.choices,
                             default=CommitmentState.OPEN)
    fulfilled_on = models.DateField(_("materials supplied on"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    fulfil_note = models.TextField(_("note"), blank=True)
    breached_on = models.DateField(_("breach found on"), null=True, blank=True)
    outcome_record = models.OneToOneField(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("credit record of the outcome"))
    outcome_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["state", "deadline"], name="commitment_state_due_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(deadline__lte=models.F("limit_on")),
                                   name="commitment_deadline_within_limit"),
            models.CheckConstraint(condition=models.Q(deadline__gt=models.F("accepted_on")),
                                   name="commitment_deadline_after_acceptance"),
        ]

    def __str__(self) -> str:
        return f"{self.credit_check.number} ({self.get_state_display()})"

    @property
    def missing_names(self) -> list[Any]:
        return [m.get("name", "") for m in self.missing or []]


class LicenceOutcome(models.TextChoices):
    GRANTED = "granted", pgettext_lazy("licence", "Granted")
    REFUSED = "refused", pgettext_lazy("licence", "Refused")


class LicenceCategory(models.TextChoices):
    """许可类别 as the 双公示 licence set (XK_XKLB) names it; the export writes the Chinese word."""

    ORDINARY = "ordinary", pgettext_lazy("licence", "Ordinary licence")
    FRANCHISE = "franchise", pgettext_lazy("licence", "Franchise")
    RECOGNITION = "recognition", pgettext_lazy("licence", "Recognition")
    APPROVAL = "approval", pgettext_lazy("licence", "Approval")
    REGISTRATION = "registration", pgettext_lazy("licence", "Registration")
    OTHER = "other", pgettext_lazy("licence", "Other")


class LicenceState(models.TextChoices):
    IN_FORCE = "in_force", pgettext_lazy("licence", "In force")
    SUPERSEDED = "superseded", pgettext_lazy("licence", "Superseded by a correction")
    REVOKED = "revoked", pgettext_lazy("licence", "Revoked")


class LicenceDecision(models.Model):
    """The licence decision on the application a check was made for, recorded with the feedback.

    The platform's own licence decision, for a matter that is an administrative licence: granted
    or refused, the decision document number (许可文书号), the decision date, the validity and
    the licence's category and content. A granted licence whose check applied a credit measure is
    a decision "with credit measures" and goes out in the 双公示 licence (XK) set. A correction
    is a new version that supersedes the old one (the chain keeps what was sent); a revocation
    ends the version in force and goes out as such.
    """

    credit_check = models.ForeignKey(CreditCheck, on_delete=models.PROTECT,
                                     related_name="licence_decisions",
                                     verbose_name=_("credit check"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by",
                                      verbose_name=_("corrected version"))
    state = models.CharField(_("state"), max_length=12, choices=LicenceState.choices,
                             default=LicenceState.IN_FORCE)
    outcome = models.CharField(_("licence decision"), max_length=10,
                               choices=LicenceOutcome.choices)
    document_number = models.CharField(_("licence decision document number"), max_length=100)
    decided_on = models.DateField(_("decision date"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    category = models.CharField(_("licence category"), max_length=16,
                                choices=LicenceCategory.choices, blank=True)
    content = models.TextField(_("licence content"), blank=True)
    certificate_name = models.CharField(_("licence certificate"), max_length=200, blank=True)
    certificate_number = models.CharField(_("licence number"), max_length=100, blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("revocation recorded at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        verbose_name = _("licence decision")
        verbose_name_plural = _("licence decisions")
        ordering = ["credit_check", "version"]
        indexes = [models.Index(fields=["document_number"], name="licence_document_idx")]
        constraints = [
            models.UniqueConstraint(fields=["credit_check", "version"],
                                    name="licence_one_version_per_number"),
            models.UniqueConstraint(fields=["credit_check"],
                                    condition=models.Q(state="in_force"),
                                    name="licence_one_in_force_per_check"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="licence_validity_in_order"),
            models.CheckConstraint(
                condition=(models.Q(outcome="granted", valid_from__isnull=False)
                           | models.Q(outcome="refused", valid_from__isnull=True,
                                      valid_until__isnull=True)),
                name="licence_validity_only_when_granted"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} v{self.version}"
