"""Classified supervision (分类监管): what a grade means for how a subject is supervised, and the
random-inspection plans (双随机、一公开) drawn from grades.

- `SupervisionMeasure` is data, one row per (category, grade): inspection frequency, sampling
  ratio, incentives and restrictions. Defaults come from REFERENCE §4 (国市监信发〔2022〕6号 and
  its county implementation) and are marked [M] where the source is only partly visible, so an
  administrator can change them without a release.
- `InspectorPool` / `Inspector` are the 执法检查人员名录库; `ConflictRule` is the avoidance list
  (回避): an inspector never inspects a subject registered with or affiliated to their own unit,
  nor a subject on their personal avoidance list (relatives, former employer).
- `InspectionPlan` keeps everything the draw saw (seed, grade batch, candidates, pool,
  avoidance pairs) so that anyone can re-run it later and obtain exactly the same plan.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Department
from records.models import CreditRecord
from subjects.models import Category, Subject

# A subject of the category with no evaluation in the grade batch (no model for the category
# yet, or registered after the last re-grade). 山东 2025: "不免抽" — nobody is exempt from
# sampling, so ungraded subjects form their own stratum with its own measure row.
UNGRADED = "UNGRADED"


class Incentive(models.TextChoices):
    """Incentive codes that later capabilities (credit check at approval, lists) apply.

    国发〔2016〕33号 [M]: 绿色通道, 容缺受理, 合理降低抽查比例和频次 for trustworthy subjects.
    """

    GREEN_CHANNEL = "green_channel", _("Green channel (priority handling)")
    ACCEPT_WITH_MISSING = "accept_with_missing_materials", _(
        "Accept with missing materials on commitment"
    )
    PRIORITY_HANDLING = "priority_handling", _("Priority handling, simplified procedure")
    FEWER_INSPECTIONS = "fewer_inspections", _("Fewer inspections")
    SIMPLIFIED_SUPERVISION = "simplified_supervision", _("Simplified supervision")
    PRIORITY_SUPPORT = "priority_support", _("Priority for policy support and awards")
    PUBLIC_COMMENDATION = "public_commendation", _("Public commendation")


class Restriction(models.TextChoices):
    """Restriction codes; 建市〔2017〕241号 and the 北海 black-list rules are the sources."""

    STRICT_REVIEW = "strict_review", _("Strict review of applications")
    NO_ACCEPT_WITH_MISSING = "no_accept_with_missing", _(
        "No acceptance with missing materials"
    )
    MORE_INSPECTIONS = "more_inspections", _("More inspections")
    NO_HONOURS = "no_honours", _("No honours, awards or policy pilots")
    KEY_SUPERVISION = "key_supervision", _("Key supervision object")
    INTERVIEW_PRINCIPAL = "interview_principal", _("Interview with the principal")
    BIDDING_RESTRICTION = "bidding_restriction", _("Restricted in bidding and market access")
    WARNING = "warning", _("Credit warning")
    ONLINE_SIGNING_SUSPENDED = "online_signing_suspended", _(
        "Online contract signing suspended"
    )  # 宿州 失信警告, 海口 D (REFERENCE §1.6)


class SupervisionMeasure(models.Model):
    """How subjects of one category and grade are supervised: data, not code (issue #3).

    `sampling_ratio` is the share of the grade's subjects a random-inspection plan draws;
    `inspection_per_year` is the routine on-site frequency per subject (0 = only on complaint,
    referral or alert, "无事不扰" for the lowest-risk class, 国市监信发〔2022〕6号).

    Shipped defaults (fixture `supervision_measures`, all [M], REFERENCE §4): each grade of a
    shipped scoring model is mapped onto the four credit-risk classes of 国市监信发〔2022〕6号
    with the county ratios (A ≤5 %, B 5–20 %, C 21–60 %, D 61–100 %):

    ==========  ============================  ===================  ===================
    risk class  property-composite            developer-composite  brokerage-composite
    ==========  ============================  ===================  ===================
    A  3–5 %    AAA 3 %/0, AA 5 %/0           A 5 %/0              优秀 3 %/0
    B 10–20 %   A 10 %/1, B 20 %/1            B 10 %/1, C 20 %/1   良好 10 %/1, 合格 20 %/1
    C  60 %     C 60 %/1                      D 60 %/1             失信警告 60 %/1
    D 100 %     D (严重失信) 100 %/2          E 100 %/2            失信 100 %/2
    ==========  ============================  ===================  ===================

    (ratio / inspections per year). The lowest grade is the 严重失信 class (a grade of the
    model, never the black list itself, which `lists` shows beside the grade): 100 % per
    half-year plan and 2 per year.
    Generic rule for a new model's grades: best grade(s) → A, middle grades → B, a warning
    grade → C, the veto / 严重失信 grade → D. Every category also has an UNGRADED row (B, 20 %).
    """

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    grade = models.CharField(_("grade"), max_length=20)
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Best grade first.")
    )
    inspection_per_year = models.PositiveSmallIntegerField(
        _("inspections per year"),
        help_text=_("Routine on-site inspections per subject per year; 0 means only on "
                    "complaint, referral or alert."),
    )
    sampling_ratio = models.DecimalField(
        _("sampling ratio"), max_digits=5, decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the grade's subjects drawn for a random inspection (0 to 1)."),
    )
    incentives = models.JSONField(_("incentives"), default=list, blank=True)
    restrictions = models.JSONField(_("restrictions"), default=list, blank=True)
    legal_basis = models.TextField(_("legal basis"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("supervision measure")
        verbose_name_plural = _("supervision measures")
        ordering = ["category", "position", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["category", "grade"],
                                    name="supervision_measure_unique_grade"),
            models.CheckConstraint(
                condition=models.Q(sampling_ratio__gte=0) & models.Q(sampling_ratio__lte=1),
                name="supervision_measure_ratio_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.grade}"

    @property
    def ratio_percent(self) -> str:
        """The ratio as people read it: 0.0300 → "3", 0.1250 → "12.5"."""
        return format((self.sampling_ratio * 100).normalize(), "f")

    @property
    def incentive_labels(self) -> list[str]:
        labels = dict(Incentive.choices)
        return [str(labels.get(code, code)) for code in self.incentives]

    @property
    def restriction_labels(self) -> list[str]:
        labels = dict(Restriction.choices)
        return [str(labels.get(code, code)) for code in self.restrictions]


class InspectorPool(models.Model):
    """A named directory of law-enforcement inspectors (执法检查人员名录库)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector pool")
        verbose_name_plural = _("inspector pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Inspector(models.Model):
    """One inspector; `unit_name` is what conflict rules compare (the department's name when a
    department is given, so a rule can be written against either)."""

    pool = models.ForeignKey(InspectorPool, verbose_name=_("pool"), on_delete=models.PROTECT,
                             related_name="inspectors")
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    unit_name = models.CharField(_("unit"), max_length=100)
    badge_number = models.CharField(_("enforcement badge number"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["pool", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(unit_name=""),
                                   name="inspector_unit_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_name})"


class ConflictRule(models.Model):
    """An avoidance (回避) rule between inspectors and one subject.

    - kind `unit`: the subject is registered with or affiliated to `unit_name` (its 属地 office,
      the unit that licenses it, a unit it has a contract with); no inspector of that unit may
      inspect it.
    - kind `pair`: this inspector may not inspect this subject (relative, former employer...).
    """

    class Kind(models.TextChoices):
        UNIT = "unit", _("Same unit")
        PAIR = "pair", _("Personal avoidance")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="+")
    unit_name = models.CharField(_("unit"), max_length=100, blank=True)
    inspector = models.ForeignKey(Inspector, verbose_name=_("inspector"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="conflicts")
    reason = models.CharField(_("reason"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict rule")
        verbose_name_plural = _("conflict rules")
        ordering = ["subject", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="unit") & ~models.Q(unit_name="")
                           & models.Q(inspector__isnull=True))
                | (models.Q(kind="pair") & models.Q(inspector__isnull=False)),
                name="conflict_rule_shape",
            ),
        ]

    def __str__(self) -> str:
        other = self.unit_name if self.kind == self.Kind.UNIT else str(self.inspector)
        return f"{self.subject.name} ↔ {other}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("publicity", "Published")


class InspectionPlan(models.Model):
    """A random-inspection plan for one category and period, with what its draw saw.

    `draw_input` holds the candidates with their grades, the ratios, the inspector pool, the
    avoidance pairs and the number of inspectors per subject; `candidates_digest` and
    `input_digest` are SHA-256 over its canonical JSON and are also written to the audit chain,
    so `plan_verify` can prove the plan is what that seed produced from that input, whatever
    re-grades happened since.
    """

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    date_from = models.DateField(_("inspection from"))
    date_to = models.DateField(_("inspection until"))
    seed = models.BigIntegerField(_("random seed"))
    algorithm = models.CharField(_("draw algorithm"), max_length=40)
    batch = models.ForeignKey(
        "scoring.EvaluationBatch", verbose_name=_("grade batch"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    as_of = models.DateField(_("grades as of"))
    pool = models.ForeignKey(InspectorPool, verbose_name=_("inspector pool"), null=True,
                             blank=True, on_delete=models.PROTECT, related_name="plans")
    inspectors_per_subject = models.PositiveSmallIntegerField(_("inspectors per subject"))
    draw_input = models.JSONField(_("draw input"))
    candidates_digest = models.CharField(_("candidate list digest"), max_length=64)
    input_digest = models.CharField(_("draw input digest"), max_length=64)
    summary = models.JSONField(_("per-grade summary"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT)
    internal_note = models.TextField(_("internal note"), blank=True)
    public_note = models.TextField(_("public note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(pgettext_lazy("publicity", "published at"), null=True,
                                        blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(date_to__gte=models.F("date_from")),
                                   name="plan_dates_ordered"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="plan_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class PlanItem(models.Model):
    """One drawn subject, the grade it had in the draw's snapshot and its inspectors.

    The grade is copied here (not read through the batch) so the plan shows what the draw saw
    even after later re-grades; `plan_verify` checks it against the snapshot.
    """

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(_("no."))
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="+")
    grade = models.CharField(_("grade"), max_length=20)
    inspectors = models.ManyToManyField(Inspector, through="PlanAssignment",
                                        related_name="plan_items")
    result_record = models.OneToOneField(
        CreditRecord, verbose_name=_("result record"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="inspection_item",
    )

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "subject"], name="plan_item_unique_subject"),
            models.UniqueConstraint(fields=["plan", "position"], name="plan_item_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.position} {self.subject.name}"

    def inspector_list(self) -> list[Inspector]:
        """Inspectors in drawn order (the through table keeps the order)."""
        return [a.inspector for a in self.assignments.select_related("inspector")
                .order_by("position")]


class PlanAssignment(models.Model):
    """An inspector drawn for a plan item, in draw order."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "inspector"],
                                    name="plan_assignment_unique_inspector"),
            models.UniqueConstraint(fields=["item", "position"],
                                    name="plan_assignment_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.position}: {self.inspector_id}"
